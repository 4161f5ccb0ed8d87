"""Mode choice by difficulty: no-think rate, accuracy and tokens per difficulty level for every
table entry, under two groupings of the problems.

- ``level``: the dataset's own levels (MATH500's 1-5, the tiny world's synthetic levels). Which
  benchmarks are pooled is a config choice (`report.level_benchmarks`).
- ``base_pass_rate``: the paper's grouping. Problems are ranked by how often the base model
  answers them right under the standard prompt and cut into `PASS_RATE_BUCKETS` equal-width
  pass-rate buckets, 1 = always right, 8 = never. With n samples per problem only n + 1 pass
  rates exist, so with few samples some buckets stay empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autothink.evaluate import read_by_benchmark
from autothink.report.table import STANDARD_ROW

COLUMNS = ["base_model", "method", "grouping", "level", "no_think_rate", "accuracy", "mean_tokens", "n"]
PASS_RATE_BUCKETS = 8


def load_samples(entries: list[dict], benchmarks: list[str]) -> pd.DataFrame:
    """Every sample of the given entries (each naming its ``samples`` file per benchmark) on the
    given benchmarks, tagged with base model and method."""
    frames = [
        read_by_benchmark({bench: entry["samples"][bench] for bench in benchmarks}).assign(
            base_model=entry["base_model"], method=entry["method"]
        )
        for entry in entries
    ]
    return pd.concat(frames, ignore_index=True)


def pass_rate_buckets(samples: pd.DataFrame, buckets: int = PASS_RATE_BUCKETS) -> pd.Series:
    """Per sample, the difficulty bucket (1 .. ``buckets``) of its problem by the base model's
    pass rate under the standard prompt; NaN where that base model has no standard-prompt samples
    of the problem."""
    reference = samples[samples["method"] == STANDARD_ROW]
    pass_rate = reference.groupby(["base_model", "bench", "problem_id"])["correct"].mean().rename("pass_rate")
    rates = samples[["base_model", "bench", "problem_id"]].join(pass_rate, on=["base_model", "bench", "problem_id"])[
        "pass_rate"
    ]
    return 1 + np.minimum(buckets - 1, np.floor((1 - rates) * buckets))


def _aggregate(samples: pd.DataFrame, grouping: str) -> pd.DataFrame:
    known = samples.dropna(subset=["level"]).assign(no_think=lambda s: s["mode"] == "no_think")
    grouped = known.groupby(["base_model", "method", "level"], sort=False)
    table = grouped.agg(
        no_think_rate=("no_think", "mean"),
        accuracy=("correct", "mean"),
        mean_tokens=("completion_tokens", "mean"),
        n=("correct", "size"),
    ).reset_index()
    return table.assign(grouping=grouping, level=table["level"].astype(int))


def by_level(samples: pd.DataFrame) -> pd.DataFrame:
    """One row per (base model, method, grouping, level); samples without a level are left out."""
    table = pd.concat(
        [_aggregate(samples, "level"), _aggregate(samples.assign(level=pass_rate_buckets(samples)), "base_pass_rate")],
        ignore_index=True,
    )
    order = {method: i for i, method in enumerate(dict.fromkeys(samples["method"]))}  # table order
    groupings = {"level": 0, "base_pass_rate": 1}
    table = table.sort_values(
        ["base_model", "method", "grouping", "level"],
        key=lambda c: c.map(order) if c.name == "method" else c.map(groupings) if c.name == "grouping" else c,
    )
    return table[COLUMNS].reset_index(drop=True)
