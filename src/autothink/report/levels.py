"""Mode choice by difficulty: no-think rate, accuracy and tokens per level for every table entry.

The paper's analysis splits MATH500 by difficulty; the tiny world has its synthetic levels. Which
benchmarks are pooled is a config choice (`report.level_benchmarks`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ["base_model", "method", "level", "no_think_rate", "accuracy", "mean_tokens", "n"]


def load_samples(entries: list[dict], samples_dir: Path, benchmarks: list[str]) -> pd.DataFrame:
    """Every sample of the given entries on the given benchmarks, tagged with base model and method."""
    frames = []
    for entry in entries:
        for bench in benchmarks:
            frame = pd.read_parquet(Path(samples_dir) / entry["model"] / entry["prompt"] / f"{bench}.parquet")
            frames.append(frame.assign(base_model=entry["base_model"], method=entry["method"], bench=bench))
    return pd.concat(frames, ignore_index=True)


def by_level(samples: pd.DataFrame) -> pd.DataFrame:
    """One row per (base model, method, level); samples without a level are left out."""
    known = samples.dropna(subset=["level"]).assign(no_think=lambda s: s["mode"] == "no_think")
    grouped = known.groupby(["base_model", "method", "level"], sort=False)
    table = grouped.agg(
        no_think_rate=("no_think", "mean"),
        accuracy=("correct", "mean"),
        mean_tokens=("completion_tokens", "mean"),
        n=("correct", "size"),
    ).reset_index()
    table["level"] = table["level"].astype(int)
    order = {method: i for i, method in enumerate(dict.fromkeys(samples["method"]))}  # table order
    table = table.sort_values(["base_model", "method", "level"], key=lambda c: c.map(order) if c.name == "method" else c)
    return table[COLUMNS].reset_index(drop=True)
