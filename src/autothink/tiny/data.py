"""Generate the tiny world's data from a seed: RL training split, five evaluation sets, and the
distillation corpus that turns a random model into a tiny R1-style reasoner.

Splits use the same schema as the paper world's benchmarks (``id, problem, answer, source,
level``), so every later rule treats both worlds alike. The evaluation sets are drawn first and
kept out of the training split and the corpus wherever a level is large enough.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from autothink.atomic import write_parquet
from autothink.prompts import GENERATION_PROMPTS, THINK_CLOSE
from autothink.tiny.task import (
    Level,
    Problem,
    Teacher,
    direct_response,
    final_answer,
    levels_from_config,
    sample_problems,
    teacher_direct,
    teacher_from_config,
    teacher_think,
)

# Kinds of distillation examples: (generation prompt, whether the response thinks).
CORPUS_KINDS = {
    "standard_think": ("standard", True),
    "ellipsis_think": ("ellipsis", True),
    "ellipsis_no_think": ("ellipsis", False),
    "no_thinking": ("no_thinking", False),
}


def problems_frame(problems: list[Problem], source: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"{source}-{i:05d}" for i in range(len(problems))],
            "problem": [p.question for p in problems],
            "answer": [p.answer for p in problems],
            "source": source,
            "level": [p.level for p in problems],
        }
    )


def teacher_response(
    problem: Problem, level: Level, teacher: Teacher, prompt: str, thinks: bool, rng: np.random.Generator
) -> str:
    """The completion after the generation prompt: a think trace or a direct answer, boxed. The
    think block is closed by the completion unless the prompt already closed it (no-thinking)."""
    if thinks:
        trace, answer = teacher_think(problem, teacher, rng)
        return trace + final_answer(answer)
    direct = direct_response(problem, teacher_direct(problem, level, rng))
    return direct if THINK_CLOSE in GENERATION_PROMPTS[prompt] else f"{THINK_CLOSE}\n\n{direct}"


def corpus_frame(
    problems: list[Problem], levels: list[Level], teacher: Teacher, kinds: dict[str, float], rng
) -> pd.DataFrame:
    """Pair every problem with a kind of example drawn with the configured shares."""
    unknown = set(kinds) - set(CORPUS_KINDS)
    if unknown:
        raise ValueError(f"unknown distillation corpus kinds {sorted(unknown)}; choose from {sorted(CORPUS_KINDS)}")
    names = list(kinds)
    shares = np.asarray([kinds[k] for k in names], dtype=float)
    drawn = rng.choice(len(names), size=len(problems), p=shares / shares.sum())
    by_level = {lv.level: lv for lv in levels}
    rows = []
    for problem, k in zip(problems, drawn):
        prompt, thinks = CORPUS_KINDS[names[k]]
        completion = teacher_response(problem, by_level[problem.level], teacher, prompt, thinks, rng)
        rows.append({"problem": problem.question, "level": problem.level, "prompt": prompt, "completion": completion})
    return pd.DataFrame(rows)


def make_tiny_data(
    tiny: dict,
    *,
    train: str | Path | None = None,
    benchmarks: dict[str, str | Path] | None = None,
    corpus: str | Path | None = None,
) -> None:
    """Write the splits (the RL ``train`` split and each of ``benchmarks``, name -> file) and/or the
    distillation ``corpus``, whichever are given. They are separate so that changing the RL split
    does not redo the distillation; the corpus still avoids the evaluation problems, and every
    part comes out the same whichever others are written."""
    if (train is None) != (benchmarks is None):
        raise ValueError("the splits are written together: give both train and benchmarks, or neither")
    if benchmarks is not None and set(benchmarks) != set(tiny["benchmarks"]):
        raise ValueError(
            f"benchmark files given for {sorted(benchmarks)} but tiny.benchmarks defines {sorted(tiny['benchmarks'])}"
        )
    # one independent stream per split, so changing one split's settings leaves the others as they were
    bench_seeds, train_seed, corpus_seed = np.random.SeedSequence(tiny["seed"]).spawn(3)
    levels = levels_from_config(tiny["levels"])

    held_out = set()
    for (bench, spec), seed in zip(tiny["benchmarks"].items(), bench_seeds.spawn(len(tiny["benchmarks"]))):
        problems = sample_problems(np.random.default_rng(seed), levels, spec["n"], spec["mix"])
        held_out.update(p.question for p in problems)
        if benchmarks is not None:
            write_parquet(benchmarks[bench], problems_frame(problems, bench))

    exclude = frozenset(held_out)
    if train is not None:
        train_problems = sample_problems(
            np.random.default_rng(train_seed), levels, tiny["train"]["n"], tiny["train"]["mix"], exclude
        )
        write_parquet(train, problems_frame(train_problems, "train"))
    if corpus is None:
        return
    distill = tiny["distill"]
    rng = np.random.default_rng(corpus_seed)
    corpus_problems = sample_problems(rng, levels, distill["n"], distill["mix"], exclude)
    write_parquet(
        corpus, corpus_frame(corpus_problems, levels, teacher_from_config(tiny["teacher"]), distill["kinds"], rng)
    )
