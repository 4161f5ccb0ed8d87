"""Samples -> metrics: score every sampled response, then summarise each (model, prompt, benchmark).

Scoring is the paper's protocol, shared with training (`autothink.judging`). Metrics follow
docs/method.md section 4 (pass@1 is the mean correctness over all samples; tokens are averaged per
problem, then over problems) and add what the paper does not report: pass@k, per-mode and
per-level figures, and 95% bootstrap intervals over problems.
"""

from __future__ import annotations

import json
from math import comb
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from autothink.atomic import write_parquet, write_text
from autothink.judging import judge

if TYPE_CHECKING:  # the metrics rule should not pay for importing torch and transformers
    from autothink.generate import Completion

SAMPLE_COLUMNS = [
    "problem_id",
    "sample",
    "level",
    "response",
    "completion_tokens",
    "finish_reason",
    "mode",
    "answer",
    "correct",
]


def score_samples(problems: pd.DataFrame, completions: list[list[Completion]], prompt: str) -> pd.DataFrame:
    """One row per sampled response, in problem order then sample order (tagged with the
    problem's ``benchmark`` when the problems have one)."""
    rows = [
        {
            "problem_id": problem.id,
            "sample": k,
            "level": problem.level,
            "completion_tokens": completion.tokens,
            "finish_reason": completion.finish_reason,
            "text": completion.text,
            "gold": problem.answer,
        }
        for problem, samples in zip(problems.itertuples(index=False), completions)
        for k, completion in enumerate(samples)
    ]
    frame = pd.DataFrame(
        rows, columns=["problem_id", "sample", "level", "completion_tokens", "finish_reason", "text", "gold"]
    )
    judged = judge(frame["text"].tolist(), frame["gold"].tolist(), prompt)
    frame["response"], frame["mode"], frame["correct"] = judged.responses, judged.modes, judged.correct
    frame["answer"] = pd.Series(judged.answers, dtype=object)  # None stays None here, not NaN
    if "benchmark" not in problems:
        return frame[SAMPLE_COLUMNS]
    frame["benchmark"] = np.repeat(problems["benchmark"].to_numpy(), [len(samples) for samples in completions])
    return frame[["benchmark", *SAMPLE_COLUMNS]]


def read_benchmarks(paths: list[str | Path], names: list[str], shard: int = 0, shards: int = 1) -> pd.DataFrame:
    """Problems of every benchmark file, one shard of each, tagged with the benchmark's name: one
    evaluation job covers them all, so the model loads once."""
    if len(paths) != len(names):
        raise ValueError(f"{len(paths)} benchmark files but {len(names)} benchmark names")
    frames = [pd.read_parquet(path).iloc[shard::shards].assign(benchmark=name) for path, name in zip(paths, names)]
    return pd.concat(frames, ignore_index=True)


def read_by_benchmark(files: dict[str, str | Path], columns: list[str] | None = None) -> pd.DataFrame:
    """One parquet file per benchmark (name -> file) as one frame with a ``bench`` column."""
    frames = [pd.read_parquet(path, columns=columns).assign(bench=bench) for bench, path in files.items()]
    return pd.concat(frames, ignore_index=True)


def write_benchmarks(
    samples: pd.DataFrame,
    outputs: dict[str, tuple[str | Path, str | Path]],
    *,
    ks: list[int],
    n_boot: int,
    environment: dict | None = None,
) -> dict[str, dict]:
    """Split scored samples by benchmark: ``outputs`` maps each benchmark to the (samples parquet,
    metrics json) files it gets, the metrics with the ``environment`` that wrote them if given; a
    benchmark without samples is an error, not an empty file."""
    written = {}
    for bench, (samples_path, metrics_path) in outputs.items():
        part = samples[samples["benchmark"] == bench][SAMPLE_COLUMNS].reset_index(drop=True)
        if part.empty:
            raise ValueError(f"no samples of benchmark {bench!r} (found: {sorted(samples['benchmark'].unique())})")
        write_parquet(samples_path, part)
        written[bench] = summarise(part, ks=ks, n_boot=n_boot) | ({"environment": environment} if environment else {})
        write_text(metrics_path, json.dumps(written[bench], indent=2) + "\n")
    return written


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with ``c`` of ``n`` samples correct (Chen et al. 2021)."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def bootstrap_interval(values: np.ndarray, *, n_boot: int, seed: int) -> tuple[float, float]:
    """95% percentile interval of the mean of per-problem ``values``, resampling problems."""
    if len(values) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def mode_figures(samples: pd.DataFrame) -> dict:
    """Sample count, think rate, and accuracy and mean tokens of each mode (None for an absent mode)."""
    figures = {
        "n_samples": int(len(samples)),
        "think_rate": float((samples["mode"] == "think").mean()) if len(samples) else float("nan"),
    }
    for mode in ("think", "no_think"):
        part = samples[samples["mode"] == mode]
        figures[f"{mode}_accuracy"] = float(part["correct"].mean()) if len(part) else None
        figures[f"{mode}_tokens"] = float(part["completion_tokens"].mean()) if len(part) else None
    return figures


def summarise(samples: pd.DataFrame, *, ks: list[int], n_boot: int = 1000, seed: int = 0) -> dict:
    """The metrics of one (model, prompt, benchmark) from its scored samples."""
    per_problem = samples.groupby("problem_id", sort=False).agg(
        n=("correct", "size"), c=("correct", "sum"), accuracy=("correct", "mean"), tokens=("completion_tokens", "mean")
    )
    acc_low, acc_high = bootstrap_interval(per_problem["accuracy"].to_numpy(), n_boot=n_boot, seed=seed)
    tok_low, tok_high = bootstrap_interval(per_problem["tokens"].to_numpy(), n_boot=n_boot, seed=seed)
    n_min = int(per_problem["n"].min()) if len(per_problem) else 0
    metrics = {
        "n_problems": int(len(per_problem)),
        "accuracy": float(samples["correct"].mean()),
        "accuracy_ci": [acc_low, acc_high],
        "tokens": float(per_problem["tokens"].mean()),
        "tokens_ci": [tok_low, tok_high],
        "truncated_rate": float((samples["finish_reason"] == "length").mean()),
        "pass_at_k": {
            str(k): float(np.mean([pass_at_k(int(n), int(c), k) for n, c in zip(per_problem["n"], per_problem["c"])]))
            for k in ks
            if k <= n_min
        },
        **mode_figures(samples),
        "per_level": {},
    }
    for level, part in samples.dropna(subset=["level"]).groupby("level"):
        metrics["per_level"][str(int(level))] = {
            "accuracy": float(part["correct"].mean()),
            "tokens": float(part["completion_tokens"].mean()),
            **mode_figures(part),
        }
    return metrics
