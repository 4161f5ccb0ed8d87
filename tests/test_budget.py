"""Thinking-budget curves from the evaluation's own samples, on a tiny random model."""

from __future__ import annotations

import pandas as pd
import pytest

from autothink.budget import CURVE_COLUMNS, answer_sampling, budget_curve
from autothink.generate import load_tokenizer


def _samples(tokenizer) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three problems: a short trace answered right, a long one answered right, one never closed."""
    problems = pd.DataFrame(
        {"bench": "b", "id": ["p1", "p2", "p3"], "problem": ["1+1", "2+2", "3+3"], "answer": ["2", "4", "6"]}
    )
    completions = [
        "1+1=2\n</think>\n\n\\boxed{2}",
        "2+2 is " + "four " * 10 + "\n</think>\n\n\\boxed{4}",
        "3+3 is " + "six " * 10,  # cut by the completion limit: no answer
    ]
    samples = pd.DataFrame(
        {
            "bench": "b",
            "problem_id": ["p1", "p2", "p3"],
            "sample": 0,
            "response": ["<think>\n" + c for c in completions],
            "completion_tokens": [len(tokenizer(c, add_special_tokens=False)["input_ids"]) for c in completions],
            "correct": [True, True, False],
            "answer": ["2", "4", None],  # the extracted answers, as the evaluation stores them
        }
    )
    return problems, samples


def test_budget_curve_cuts_only_what_thought_longer(random_model_dir):
    tokenizer = load_tokenizer(str(random_model_dir))
    problems, samples = _samples(tokenizer)
    think_lengths = [
        len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in ("1+1=2\n", "2+2 is " + "four " * 10 + "\n")
    ]
    sampling = answer_sampling({"n": 4, "temperature": 0.6, "top_p": 0.95, "max_new_tokens": 999, "seed": 0}, 5)
    assert sampling.n == 1 and sampling.max_new_tokens == 5
    spec = {"backend": "hf", "batch_size": 8}
    curve = budget_curve(
        str(random_model_dir), problems, samples, "standard", [0, think_lengths[0], 1000], sampling, spec
    )
    assert list(curve.columns) == CURVE_COLUMNS and curve["budget"].tolist() == [0, think_lengths[0], 1000]
    by_budget = curve.set_index("budget")
    # a budget above every trace leaves the closed ones as sampled; the unclosed one is closed and answered
    assert by_budget.loc[1000, "cut_share"] == pytest.approx(1 / 3)
    # at the short trace's own length only the long trace (and the unclosed one) are cut
    assert by_budget.loc[think_lengths[0], "cut_share"] == pytest.approx(2 / 3)
    assert by_budget.loc[0, "cut_share"] == 1.0
    # cut responses cost the budget, the closing tag and at most 5 answer tokens; the untrained
    # model does not recover the long trace's answer, so accuracy falls from 2/3 to the short one's
    close = len(tokenizer("\n</think>\n\n", add_special_tokens=False)["input_ids"])
    assert by_budget.loc[0, "tokens"] <= close + 5
    assert by_budget.loc[think_lengths[0], "accuracy"] <= 2 / 3


def test_samples_of_unknown_problems_are_named(random_model_dir):
    tokenizer = load_tokenizer(str(random_model_dir))
    problems, samples = _samples(tokenizer)
    sampling = answer_sampling({"n": 1, "temperature": 0.6, "top_p": 0.95, "max_new_tokens": 5, "seed": 0}, 5)
    with pytest.raises(ValueError, match="not in the benchmark files"):
        budget_curve(
            str(random_model_dir),
            problems.iloc[:2],
            samples,
            "standard",
            [0],
            sampling,
            {"backend": "hf", "batch_size": 8},
        )
