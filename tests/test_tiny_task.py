"""The synthetic task: levels are what they claim, traces compute the sum, seeds reproduce."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autothink.grading import grade
from autothink.prompts import GENERATION_PROMPTS, detect_mode
from autothink.tiny.data import make_tiny_data
from autothink.tiny.task import (
    Level,
    Problem,
    Teacher,
    column_work,
    direct_accuracy,
    direct_answer,
    direct_response,
    levels_from_config,
    problem_space,
    sample_problems,
    teacher_direct,
    teacher_reaches,
    teacher_think,
    think_trace,
)


def carries_of(problem: Problem) -> list[int]:
    """Columns (units = 0) that carry into the next one in the true sum."""
    a, b = str(problem.a)[::-1], str(problem.b)[::-1]
    out, carry = [], 0
    for i in range(max(len(a), len(b))):
        total = sum(int(ds[i]) for ds in (a, b) if i < len(ds)) + carry
        carry = total // 10
        if carry:
            out.append(i)
    return out


def test_columns_write_their_carries():
    assert column_work(Problem(3, 47, 38)) == (["7+8=15", "4+3+1=8"], "85")
    assert think_trace(Problem(2, 95, 7)) == ("5+7=12\n9+1=10\nSo the answer is 102.\n", "102")


def test_a_forgotten_carry_propagates():
    # the carry into the tens is forgotten: 4+3=7, so the answer is 10 short
    assert column_work(Problem(3, 47, 38), drops=[False, True]) == (["7+8=15", "4+3=7"], "75")
    # forgetting a carry can remove the next carry too: 9+0+1=10 becomes 9+0=9
    lines, result = column_work(Problem(3, 95, 5), drops=[False, True])
    assert lines == ["5+5=10", "9=9"] and result == "90" and int(result) == 95 + 5 - 10
    # a drop where no carry comes in changes nothing
    assert column_work(Problem(3, 47, 38), drops=[True, False])[1] == "85"


def test_recheck_works_the_columns_again_and_decides():
    trace, answer = think_trace(Problem(3, 47, 38), first_drops=[False, True], recheck_drops=[False, False])
    assert trace == "7+8=15\n4+3=7\nWait, let me double check.\n7+8=15\n4+3+1=8\nSo the answer is 85.\n"
    assert answer == "85"


def test_direct_answers_lose_carries_beyond_their_reach():
    assert direct_answer(Problem(3, 47, 38), reach=1) == "85"  # the units' carry is within reach
    assert direct_answer(Problem(3, 475, 381), reach=1) == "756"  # the tens' carry (7+8) is lost
    assert direct_answer(Problem(3, 475, 381), reach=2) == "856"
    assert direct_answer(Problem(3, 95, 7), reach=0) == "92"


@pytest.mark.parametrize(
    "digits,carries,reach",
    [((1, 1), 0, (1, 1)), ((2, 2), 1, (1, 1)), ((4, 4), 2, (1, 3)), ((8, 8), 4, (2, 4)), ((3, 2), 1, (0, 2))],
)
def test_levels_have_their_digits_and_carries(digits, carries, reach):
    level = Level(2, digits, carries, reach)
    problems = sample_problems(np.random.default_rng(1), [level], 300, [1.0])
    for p in problems:
        assert (len(str(p.a)), len(str(p.b))) == digits
        assert len(carries_of(p)) == carries and max(digits) - 1 not in carries_of(p)
        # a direct answer is right iff every carry falls below its reach: fixed per problem and reach
        highest = max(carries_of(p), default=-1)
        assert direct_accuracy(p, level) == pytest.approx(np.mean([highest < k for k in range(reach[0], reach[1] + 1)]))
    if carries:  # carries fall on different columns across problems
        assert len({tuple(carries_of(p)) for p in problems}) > 1 or max(digits) - 1 == carries


def test_teacher_direct_answers_draw_their_reach():
    level = Level(3, (3, 3), 1, (0, 2))
    rng = np.random.default_rng(0)
    problem = Problem(3, 475, 381)  # the only carry is out of the tens: right only with reach 2
    answers = [teacher_direct(problem, level, rng) for _ in range(3000)]
    assert set(answers) == {"756", "856"}
    assert np.mean([a == problem.answer for a in answers]) == pytest.approx(1 / 3, abs=0.03)
    assert direct_response(problem, "856") == "\\boxed{856}\n475+381=856"


def test_a_reach_rule_fixes_each_problems_direct_answer():
    level = Level(3, (2, 2), 1, (0, 1), high_reach_below=15)
    rng = np.random.default_rng(0)
    kept, lost = Problem(3, 46, 38), Problem(3, 47, 38)  # units sum 14 (below the rule) and 15
    assert teacher_reaches(kept, level) == [1] and teacher_reaches(lost, level) == [0]
    assert {teacher_direct(kept, level, rng) for _ in range(200)} == {"84"}
    assert {teacher_direct(lost, level, rng) for _ in range(200)} == {"75"}
    assert (direct_accuracy(kept, level), direct_accuracy(lost, level)) == (1.0, 0.0)


def test_problem_space_counts_exactly():
    assert problem_space(Level(1, (1, 1), 0, (1, 1))) == 55  # a+b <= 9
    brute = sum(
        1 for a in range(10, 100) for b in range(10, 100) if len(carries_of(Problem(2, a, b))) == 1 and a + b < 100
    )
    assert problem_space(Level(2, (2, 2), 1, (1, 1))) == brute


def test_impossible_levels_are_named():
    with pytest.raises(ValueError, match=r"tiny.levels\[1\].*3 carries"):
        levels_from_config(
            [{"digits": [1, 1], "carries": 0, "reach": [1, 1]}, {"digits": [3, 3], "carries": 3, "reach": [1, 1]}]
        )
    with pytest.raises(ValueError, match=r"tiny.levels\[0\].reach"):
        levels_from_config([{"digits": [1, 1], "carries": 0, "reach": [2, 1]}])


def test_teacher_slips_at_its_rates():
    rng = np.random.default_rng(0)
    problem = Problem(4, 4785, 3816)  # carries out of the units, tens and hundreds: 3 carries in
    assert len(carries_of(problem)) == 3
    teacher = Teacher(carry_drop=0.3, recheck_drop=0.1, recheck_prob=0.5)
    draws = [teacher_think(problem, teacher, rng) for _ in range(4000)]
    rechecked = np.array(["Wait" in trace for trace, _ in draws])
    right = np.array([answer == problem.answer for _, answer in draws])
    assert rechecked.mean() == pytest.approx(0.5, abs=0.03)
    assert right[~rechecked].mean() == pytest.approx(0.7**3, abs=0.03)
    assert right[rechecked].mean() == pytest.approx(0.9**3, abs=0.03)


def test_mix_counts_and_levels():
    levels = levels_from_config(
        [{"digits": [1, 1], "carries": 0, "reach": [1, 1]}, {"digits": [2, 2], "carries": 1, "reach": [1, 1]}]
    )
    problems = sample_problems(np.random.default_rng(0), levels, 10, [0.3, 0.7])
    assert sorted(p.level for p in problems) == [1] * 3 + [2] * 7
    with pytest.raises(ValueError, match="2 levels"):
        sample_problems(np.random.default_rng(0), levels, 10, [1.0])


def written_tiny_data(tiny: dict, folder: Path, parts=("splits", "corpus")) -> dict[str, Path]:
    """make_tiny_data's files under ``folder``, by split name (``distill`` for the corpus)."""
    files = {
        "train": folder / "train.parquet",
        **{b: folder / f"{b}.parquet" for b in tiny["benchmarks"]},
        "distill": folder / "distill.parquet",
    }
    splits = (
        dict(train=files["train"], benchmarks={b: files[b] for b in tiny["benchmarks"]}) if "splits" in parts else {}
    )
    make_tiny_data(tiny, **splits, corpus=files["distill"] if "corpus" in parts else None)
    return {name: path for name, path in files.items() if path.exists()}


def test_generation_is_deterministic_per_seed(tmp_path, default_config):
    tiny = {**default_config["tiny"], "distill": {**default_config["tiny"]["distill"], "n": 300}}
    first, second = written_tiny_data(tiny, tmp_path / "a"), written_tiny_data(tiny, tmp_path / "b")
    for key in first:
        pd.testing.assert_frame_equal(pd.read_parquet(first[key]), pd.read_parquet(second[key]))
    other = written_tiny_data({**tiny, "seed": 1}, tmp_path / "c")
    assert not pd.read_parquet(other["train"]).equals(pd.read_parquet(first["train"]))
    # each part comes out the same when written alone (the workflow writes splits and corpus in two jobs)
    alone = {
        **written_tiny_data(tiny, tmp_path / "d", ("splits",)),
        **written_tiny_data(tiny, tmp_path / "e", ("corpus",)),
    }
    assert alone.keys() == first.keys()
    for key in first:
        pd.testing.assert_frame_equal(pd.read_parquet(first[key]), pd.read_parquet(alone[key]))


def test_splits_schema_and_holdout(tmp_path, default_config):
    tiny = {**default_config["tiny"], "distill": {**default_config["tiny"]["distill"], "n": 2000}}
    written = written_tiny_data(tiny, tmp_path)
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
    corpus = pd.read_parquet(written_tiny_data(tiny, tmp_path)["distill"])
    levels = levels_from_config(tiny["levels"])
    teacher = tiny["teacher"]
    for row in corpus.itertuples():
        response = GENERATION_PROMPTS[row.prompt] + row.completion
        mode = detect_mode(response)
        assert mode == ("no_think" if row.prompt == "no_thinking" or row.completion.startswith("</think>") else "think")
        assert response.count("</think>") == 1  # the no-thinking prompt closes the block itself
        a, b = map(int, row.problem.split("+"))
        problem = Problem(row.level, a, b)
        if mode == "no_think":  # a one-pass sum with one of the teacher's reaches for this problem
            reaches = teacher_reaches(problem, levels[row.level - 1])
            assert any(grade(response, direct_answer(problem, k)) for k in reaches)
    think = corpus[(corpus["prompt"] != "no_thinking") & ~corpus["completion"].str.startswith("</think>")].copy()
    think["right"] = [
        grade(GENERATION_PROMPTS[p] + c, str(sum(map(int, q.split("+")))))
        for p, c, q in zip(think["prompt"], think["completion"], think["problem"])
    ]
    think["rechecked"] = think["completion"].str.contains("double check")
    assert think["rechecked"].mean() == pytest.approx(teacher["recheck_prob"], abs=0.03)
    assert think.loc[think["level"] == 1, "right"].all()  # no carries, nothing to forget
    hardest = think[think["level"] == len(levels)]
    carries = levels[-1].carries
    for rechecked, drop in ((False, teacher["carry_drop"]), (True, teacher["recheck_drop"])):
        assert hardest.loc[hardest["rechecked"] == rechecked, "right"].mean() == pytest.approx(
            (1 - drop) ** carries, abs=0.08
        )
    shares = corpus.groupby("prompt").size() / len(corpus)
    kinds = tiny["distill"]["kinds"]
    assert shares["standard"] == pytest.approx(kinds["standard_think"] / sum(kinds.values()), abs=0.03)
