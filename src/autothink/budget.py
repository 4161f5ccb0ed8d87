"""Thinking-budget curves: accuracy against a cap on thinking tokens, from the evaluation's own samples.

For a budget of b tokens, each sampled response whose think block is longer than b is cut after
b thinking tokens, closed with ``</think>``, and the model writes its answer in at most
``answer_tokens`` more; a response that thought less than b keeps its own answer. One long
generation per sample thus gives the whole curve, the standard analysis of the length-control
literature, drawn beside each model's own adaptive point on the accuracy-tokens plot.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from autothink.generate import Sampling, continue_texts, load_tokenizer
from autothink.judging import judge
from autothink.prompts import GENERATION_PROMPTS, THINK_CLOSE, render_prompts

CLOSE = f"\n{THINK_CLOSE}\n\n"  # how a cut think block is closed before the answer
CURVE_COLUMNS = ["bench", "budget", "accuracy", "tokens", "cut_share", "n"]


def budget_curve(
    model_path: str,
    problems: pd.DataFrame,
    samples: pd.DataFrame,
    prompt: str,
    budgets: list[int],
    sampling: Sampling,
    spec: dict,
) -> pd.DataFrame:
    """Accuracy, mean tokens and the share of cut responses per (benchmark, budget).

    ``problems``: bench, id, problem, answer; ``samples``: the evaluation's scored samples with a
    ``bench`` column (the first sample of each problem is used)."""
    tokenizer = load_tokenizer(model_path)
    problems = problems[["bench", "id", "problem", "answer"]].rename(columns={"id": "problem_id", "answer": "gold"})
    first = samples[samples["sample"] == 0].merge(
        problems, on=["bench", "problem_id"], how="left", validate="one_to_one"
    )
    if first["problem"].isna().any():
        missing = first.loc[first["problem"].isna(), "problem_id"].tolist()[:5]
        raise ValueError(f"samples of problems not in the benchmark files: {missing}")
    suffix = GENERATION_PROMPTS[prompt]
    completions = [response[len(suffix) :] for response in first["response"]]
    thinking = [text.split(THINK_CLOSE, 1)[0] for text in completions]
    closed = [THINK_CLOSE in text for text in completions]
    think_ids = tokenizer(thinking, add_special_tokens=False)["input_ids"]
    rendered = render_prompts(tokenizer, first["problem"].tolist(), prompt)
    close_tokens = len(tokenizer(CLOSE, add_special_tokens=False)["input_ids"])

    # every cut response of every budget continued in one generation call (one engine start)
    jobs = [
        (budget, i)
        for budget in budgets
        for i, (ids, done) in enumerate(zip(think_ids, closed))
        if not done or len(ids) > budget
    ]
    kept = {(budget, i): tokenizer.decode(think_ids[i][:budget]) for budget, i in jobs}
    answers = continue_texts(model_path, [rendered[i] + kept[(b, i)] + CLOSE for b, i in jobs], sampling, spec)
    judged = judge(
        [kept[job] + CLOSE + a.text for job, a in zip(jobs, answers)],
        first["gold"].iloc[[i for _, i in jobs]].tolist(),
        prompt,
    )
    outcome = {
        job: (bool(ok), float(min(job[0], len(think_ids[job[1]])) + close_tokens + a.tokens))
        for job, ok, a in zip(jobs, judged.correct, answers)
    }
    rows = []
    for budget in budgets:
        own = zip(first["correct"].astype(bool), first["completion_tokens"].astype(float))
        results = [outcome.get((budget, i), mine) for i, mine in enumerate(own)]
        frame = pd.DataFrame(
            {
                "bench": first["bench"],
                "correct": [ok for ok, _ in results],
                "tokens": [n for _, n in results],
                "cut": [(budget, i) in outcome for i in range(len(first))],
            }
        )
        for bench, part in frame.groupby("bench", sort=False):
            rows.append(
                {
                    "bench": bench,
                    "budget": budget,
                    "accuracy": float(part["correct"].mean()),
                    "tokens": float(part["tokens"].mean()),
                    "cut_share": float(part["cut"].mean()),
                    "n": len(part),
                }
            )
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def answer_sampling(evaluation_sampling: dict, answer_tokens: int) -> Sampling:
    """The evaluation's sampling, one answer per cut response, at most ``answer_tokens`` long."""
    return dataclasses.replace(Sampling(**evaluation_sampling), n=1, max_new_tokens=answer_tokens)
