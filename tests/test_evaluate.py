"""Scoring and metrics on hand-made samples with known answers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from autothink.evaluate import (
    SAMPLE_COLUMNS,
    bootstrap_interval,
    pass_at_k,
    read_benchmarks,
    score_samples,
    summarise,
    write_benchmarks,
)
from autothink.generate import Completion

PROBLEMS = pd.DataFrame(
    {
        "id": ["p1", "p2"],
        "problem": ["3+4", "40+2"],
        "answer": ["7", "42"],
        "source": "t",
        "level": [1, 3],
        "benchmark": ["easy", "hard"],
    }
)


def completions():
    return [
        [Completion("</think>\n\n\\boxed{7}", 6, "stop"), Completion("3+4=7\n</think>\n\n\\boxed{7}", 14, "stop")],
        [Completion("0+2=2\n4=4\n</think>\n\n\\boxed{41}", 20, "stop"), Completion("0+2=2\n4", 30, "length")],
    ]


def test_score_samples():
    samples = score_samples(PROBLEMS, completions(), "ellipsis")
    assert list(samples.columns) == ["benchmark", *SAMPLE_COLUMNS]
    assert samples["benchmark"].tolist() == ["easy", "easy", "hard", "hard"]
    assert list(score_samples(PROBLEMS.drop(columns="benchmark"), completions(), "ellipsis").columns) == SAMPLE_COLUMNS
    assert samples["mode"].tolist() == ["no_think", "think", "think", "think"]
    assert samples["answer"][:3].tolist() == ["7", "7", "41"] and pd.isna(samples["answer"][3])
    assert samples["correct"].tolist() == [True, True, False, False]
    assert samples["response"][0] == "<think>\n...\n</think>\n\n\\boxed{7}"
    assert samples["level"].tolist() == [1, 1, 3, 3]


def test_summarise_by_hand():
    metrics = summarise(score_samples(PROBLEMS, completions(), "ellipsis"), ks=[1, 2, 4], n_boot=200)
    assert metrics["accuracy"] == 0.5
    assert metrics["tokens"] == pytest.approx(((6 + 14) / 2 + (20 + 30) / 2) / 2)
    assert metrics["think_rate"] == 0.75
    assert metrics["no_think_accuracy"] == 1.0 and metrics["think_accuracy"] == pytest.approx(1 / 3)
    assert metrics["no_think_tokens"] == 6 and metrics["think_tokens"] == pytest.approx(64 / 3)
    assert metrics["truncated_rate"] == 0.25
    assert metrics["pass_at_k"] == {"1": 0.5, "2": 0.5}  # k=4 exceeds the 2 samples per problem
    low, high = metrics["accuracy_ci"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
    assert metrics["per_level"]["1"]["accuracy"] == 1.0 and metrics["per_level"]["3"]["accuracy"] == 0.0
    assert metrics["per_level"]["3"]["no_think_accuracy"] is None


def test_one_job_reads_every_benchmark_and_writes_each_apart(tmp_path):
    """A shard takes every n-th problem of each benchmark; scored samples split back into one
    samples file and one metrics file per benchmark, as if each had been evaluated alone."""
    for name, frame in (("easy", PROBLEMS[:1]), ("hard", PROBLEMS[1:])):
        pd.concat([frame.drop(columns="benchmark")] * 3, ignore_index=True).assign(
            id=[f"{name}{i}" for i in range(3)]
        ).to_parquet(tmp_path / f"{name}.parquet")
    paths = [tmp_path / "easy.parquet", tmp_path / "hard.parquet"]
    assert read_benchmarks(paths, ["easy", "hard"], shard=1, shards=2)["id"].tolist() == ["easy1", "hard1"]
    problems = read_benchmarks(paths, ["easy", "hard"])
    assert problems["benchmark"].tolist() == ["easy"] * 3 + ["hard"] * 3
    samples = score_samples(problems, [completions()[0]] * 3 + [completions()[1]] * 3, "ellipsis")
    outputs = {
        bench: (tmp_path / "samples" / f"{bench}.parquet", tmp_path / "metrics" / f"{bench}.json")
        for bench in ("easy", "hard")
    }
    written = write_benchmarks(samples, outputs, ks=[1], n_boot=20)
    assert written["easy"]["accuracy"] == 1.0 and written["hard"]["accuracy"] == 0.0
    easy = pd.read_parquet(tmp_path / "samples" / "easy.parquet")
    assert (
        list(easy.columns) == SAMPLE_COLUMNS
        and len(easy) == 6
        and set(easy["problem_id"]) == {"easy0", "easy1", "easy2"}
    )
    assert json.loads((tmp_path / "metrics" / "hard.json").read_text())["n_problems"] == 3
    with pytest.raises(ValueError, match="no samples of benchmark 'aime24'"):
        write_benchmarks(
            samples, {**outputs, "aime24": (tmp_path / "a.parquet", tmp_path / "a.json")}, ks=[1], n_boot=20
        )


def test_pass_at_k():
    assert pass_at_k(4, 0, 2) == 0.0
    assert pass_at_k(4, 4, 2) == 1.0
    assert pass_at_k(4, 1, 1) == 0.25
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - 3 / 6)
    assert pass_at_k(4, 3, 2) == 1.0


def test_bootstrap_interval_brackets_the_mean():
    import numpy as np

    values = np.array([0.0, 1.0] * 50)
    low, high = bootstrap_interval(values, n_boot=500, seed=0)
    assert low < 0.5 < high and high - low < 0.3
    assert bootstrap_interval(np.ones(10), n_boot=50, seed=0) == (1.0, 1.0)


def test_one_job_under_several_prompts_writes_what_separate_jobs_write(tmp_path, random_model_dir):
    """`autothink evaluate --prompt a b` (the grouped job) gives each prompt the files, and the very
    samples, that a job of its own would; a file count that does not fit is refused by name."""
    from autothink.cli import main

    problems = {}
    for bench in ("easy", "hard"):
        problems[bench] = tmp_path / f"{bench}.parquet"
        PROBLEMS.drop(columns="benchmark").to_parquet(problems[bench])
    spec = {"backend": "hf", "batch_size": 8, "pass_k": [1], "bootstrap": 5}
    spec["sampling"] = {"n": 2, "temperature": 0.6, "top_p": 0.95, "max_new_tokens": 12, "seed": 3}

    def evaluate(prompts, folder, extra=()):
        files = {
            kind: [str(tmp_path / folder / f"{p}_{b}.{kind}") for p in prompts for b in problems]
            for kind in ("parquet", "json")
        }
        main(
            ["evaluate", "--spec", json.dumps(spec), "--model", str(random_model_dir)]
            + ["--problems", *map(str, problems.values()), "--benchmarks", *problems, "--prompt", *prompts]
            + ["--samples", *files["parquet"], "--metrics", *files["json"], *extra]
        )

    evaluate(["ellipsis", "standard"], "together")
    for prompt in ("ellipsis", "standard"):
        evaluate([prompt], "alone")
        for bench in problems:
            together = pd.read_parquet(tmp_path / "together" / f"{prompt}_{bench}.parquet")
            pd.testing.assert_frame_equal(together, pd.read_parquet(tmp_path / "alone" / f"{prompt}_{bench}.parquet"))
    with pytest.raises(SystemExit, match="2 --prompt x 2 --benchmarks"):
        evaluate(["ellipsis", "standard"], "wrong", ["--metrics", "only_one.json"])
