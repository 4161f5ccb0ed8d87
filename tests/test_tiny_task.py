"""The synthetic task: levels are what they claim, traces compute the sum, seeds reproduce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autothink.grading import grade
from autothink.prompts import GENERATION_PROMPTS, detect_mode
from autothink.tiny.data import make_tiny_data
from autothink.tiny.task import (
    Level,
    Problem,
    column_lines,
    intuitive_answer,
    levels_from_config,
    problem_space,
    sample_problems,
    think_trace,
)


def test_column_lines_carry():
    assert column_lines(Problem(3, 47, 38)) == ["7+8=15", "4+3+1=8"]
    assert column_lines(Problem(2, 95, 7)) == ["5+7=12", "9+1=10"]
    assert think_trace(Problem(2, 95, 7), recheck=False) == ("5+7=12\n9+1=10\nSo the answer is 102.\n", "102")


def test_a_slip_propagates_through_the_carries():
    # the units column is written one too high: 13 instead of 12, so the answer is 103
    assert think_trace(Problem(2, 95, 7), recheck=False, slip=0) == ("5+7=13\n9+1=10\nSo the answer is 103.\n", "103")
    # a slip that creates a carry changes the next column's terms
    trace, answer = think_trace(Problem(3, 48, 31), recheck=True, slip=0)
    assert trace.startswith("8+1=10\n4+3+1=8\n") and answer == "80" and trace.count("4+3+1=8") == 2


def test_recheck_repeats_columns():
    trace, _ = think_trace(Problem(1, 3, 4), recheck=True)
    assert trace == "3+4=7\nWait, let me double check.\n3+4=7\nSo the answer is 7.\n"


def test_intuitive_miss_changes_only_the_last_digit():
    problem = Problem(3, 47, 38)
    assert intuitive_answer(problem, right=True) == "85"
    assert intuitive_answer(problem, right=False) == "86"
    assert intuitive_answer(Problem(1, 4, 5), right=False) == "0"


@pytest.mark.parametrize("digits", [(1, 1), (2, 1), (3, 3), (4, 4)])
def test_levels_have_their_digit_counts(digits):
    level = Level(2, digits, 0.5)
    rng = np.random.default_rng(1)
    for _ in range(200):
        p = sample_problems(rng, [level], 1, [1.0])[0]
        assert (len(str(p.a)), len(str(p.b))) == digits
        assert int(p.answer) == p.a + p.b
    assert problem_space(Level(1, (1, 1), 1.0)) == 100
    assert problem_space(Level(3, (2, 2), 1.0)) == 8100


def test_mix_counts_and_levels():
    levels = levels_from_config([{"digits": [1, 1], "intuition": 1}, {"digits": [2, 2], "intuition": 0.5}])
    problems = sample_problems(np.random.default_rng(0), levels, 10, [0.3, 0.7])
    assert sorted(p.level for p in problems) == [1] * 3 + [2] * 7
    with pytest.raises(ValueError, match="2 levels"):
        sample_problems(np.random.default_rng(0), levels, 10, [1.0])


def test_generation_is_deterministic_per_seed(tmp_path, default_config):
    tiny = {**default_config["tiny"], "distill": {**default_config["tiny"]["distill"], "n": 300}}
    first, second = make_tiny_data(tiny, tmp_path / "a"), make_tiny_data(tiny, tmp_path / "b")
    for key in first:
        pd.testing.assert_frame_equal(pd.read_parquet(first[key]), pd.read_parquet(second[key]))
    other = make_tiny_data({**tiny, "seed": 1}, tmp_path / "c")
    assert not pd.read_parquet(other["train"]).equals(pd.read_parquet(first["train"]))


def test_splits_schema_and_holdout(tmp_path, default_config):
    tiny = {**default_config["tiny"], "distill": {**default_config["tiny"]["distill"], "n": 2000}}
    written = make_tiny_data(tiny, tmp_path)
    evals = pd.concat([pd.read_parquet(written[b]) for b in tiny["benchmarks"]])
    assert list(evals.columns) == ["id", "problem", "answer", "source", "level"]
    for bench, spec in tiny["benchmarks"].items():
        frame = pd.read_parquet(written[bench])
        assert len(frame) == spec["n"] and set(frame["source"]) == {bench}
    train = pd.read_parquet(written["train"])
    levels = levels_from_config(tiny["levels"])
    big = {lv.level for lv in levels if problem_space(lv) >= 100_000}
    leaked = set(train[train["level"].isin(big)]["problem"]) & set(evals["problem"])
    assert not leaked


def test_corpus_responses_are_well_formed(tmp_path, default_config):
    tiny = {**default_config["tiny"], "distill": {**default_config["tiny"]["distill"], "n": 3000}}
    corpus = pd.read_parquet(make_tiny_data(tiny, tmp_path)["distill"])
    intuition = {i + 1: lv["intuition"] for i, lv in enumerate(tiny["levels"])}
    slip = {i + 1: lv.get("slip", 0) for i, lv in enumerate(tiny["levels"])}
    think_right = {}
    for row in corpus.itertuples():
        response = GENERATION_PROMPTS[row.prompt] + row.completion
        mode = detect_mode(response)
        assert mode == ("think" if row.completion[0] != "<" else "no_think")
        if mode == "think":
            think_right.setdefault(row.level, []).append(grade(response, str(sum(map(int, row.problem.split("+"))))))
    for level, right in think_right.items():  # thinking is right unless a column slipped
        assert np.mean(right) == pytest.approx(1 - slip[level], abs=0.05)
        if slip[level] == 0:
            assert all(right)
    shares = corpus.groupby("prompt").size() / len(corpus)
    kinds = tiny["distill"]["kinds"]
    assert shares["standard"] == pytest.approx(kinds["standard_think"] / sum(kinds.values()), abs=0.03)
    # direct answers are right about as often as the level's intuition says
    no_think = corpus[corpus["completion"].str.startswith("</think>")].copy()
    no_think["right"] = [grade(GENERATION_PROMPTS[p] + c, str(sum(map(int, q.split("+")))))
                         for p, c, q in zip(no_think["prompt"], no_think["completion"], no_think["problem"])]
    rates = no_think.groupby("level")["right"].mean()
    assert rates[1] == 1.0
    assert rates[6] == pytest.approx(intuition[6], abs=0.1)
