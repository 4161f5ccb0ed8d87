"""How good is the learned decision to think: each model's choice under the ellipsis prompt
against an oracle router built from the same model with the mode forced.

Per problem, the standard prompt gives the model's accuracy and tokens when it thinks, the
no-thinking prompt when it does not. Two oracles pick a mode per problem from these:

- ``oracle``: the mode with the higher expected mode-aware reward (think: accuracy; no-think:
  2 x accuracy - 1 x (1 - accuracy)), the cheaper mode on a tie: what AutoThink's reward asks for;
- ``oracle_cheap``: no-think whenever its accuracy is within ``tolerance`` of thinking's.

An oracle's Table 1 row (source `oracle`) is the accuracy and tokens of always taking its mode:
the upper bound of adaptive thinking for that model. Decision regret per difficulty level is the
share of the model's own (ellipsis) samples whose mode differs from the oracle's choice for their
problem, with the accuracy the oracle would gain and the tokens it would save there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autothink.evaluate import read_by_benchmark

ORACLES = ("oracle", "oracle_cheap")
REGRET_COLUMNS = [
    "base_model",
    "method",
    "oracle",
    "level",
    "no_think_rate",
    "oracle_no_think_rate",
    "regret",
    "accuracy_gain",
    "tokens_saved",
    "n_problems",
]


def per_problem(samples: pd.DataFrame) -> pd.DataFrame:
    """Accuracy, mean tokens, no-think rate and level of each (benchmark, problem)."""
    return (
        samples.assign(no_think=samples["mode"] == "no_think")
        .groupby(["bench", "problem_id"], sort=False)
        .agg(
            accuracy=("correct", "mean"),
            tokens=("completion_tokens", "mean"),
            no_think_rate=("no_think", "mean"),
            level=("level", "first"),
        )
    )


def oracle_skips_thinking(think: pd.DataFrame, no_think: pd.DataFrame, oracle: str, tolerance: float) -> pd.Series:
    """Per problem, whether the oracle picks no-think (both frames from `per_problem`, same index)."""
    if oracle == "oracle":
        return 3 * no_think["accuracy"] - 1 >= think["accuracy"]
    if oracle == "oracle_cheap":
        return no_think["accuracy"] >= think["accuracy"] - tolerance
    raise ValueError(f"unknown oracle {oracle!r}; choose one of {ORACLES}")


def _routed(think: pd.DataFrame, no_think: pd.DataFrame, skip: pd.Series) -> pd.DataFrame:
    """Accuracy and tokens per problem of taking the chosen mode."""
    return pd.DataFrame(
        {
            "accuracy": np.where(skip, no_think["accuracy"], think["accuracy"]),
            "tokens": np.where(skip, no_think["tokens"], think["tokens"]),
            "level": think["level"],
        },
        index=think.index,
    )


def analyse(
    entries: list[dict], benchmarks: list[str], level_benchmarks: list[str], tolerance: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 1 rows of both oracles per entry, and regret by level (on ``level_benchmarks``).

    Each entry names a row (base_model, method) and the per-benchmark samples files of the model
    under its own prompt (``chosen``), the standard prompt (``think``) and the no-thinking prompt
    (``no_think``)."""
    rows, regret = [], []
    for entry in entries:
        frames = {
            part: read_by_benchmark({bench: entry[part][bench] for bench in benchmarks})
            for part in ("chosen", "think", "no_think")
        }
        problems = {part: per_problem(frame) for part, frame in frames.items()}
        think = problems["think"]
        no_think, chosen = problems["no_think"].loc[think.index], problems["chosen"].loc[think.index]
        for oracle in ORACLES:
            skip = oracle_skips_thinking(think, no_think, oracle, tolerance)
            routed = _routed(think, no_think, skip)
            row = {"base_model": entry["base_model"], "method": f"{entry['method']}_{oracle}", "source": "oracle"}
            for bench in benchmarks:
                part = routed.loc[bench]
                row[f"{bench}_acc"], row[f"{bench}_tok"] = 100 * part["accuracy"].mean(), part["tokens"].mean()
            rows.append(row)
            regret.append(_regret(entry, oracle, frames["chosen"], chosen, routed, skip, level_benchmarks))
    table_rows = pd.DataFrame(rows, columns=["base_model", "method", "source"] + _columns(benchmarks))
    regret_table = pd.concat(regret, ignore_index=True) if regret else pd.DataFrame(columns=REGRET_COLUMNS)
    return table_rows, regret_table


def _columns(benchmarks: list[str]) -> list[str]:
    return [f"{bench}_{kind}" for bench in benchmarks for kind in ("acc", "tok")]


def _regret(entry, oracle, chosen_samples, chosen, routed, skip, level_benchmarks) -> pd.DataFrame:
    """Per level: the model's and the oracle's no-think rates, the share of the model's samples in
    the other mode than the oracle's, and what the oracle would gain (accuracy points) and save
    (tokens per response)."""
    samples = chosen_samples[chosen_samples["bench"].isin(level_benchmarks)].dropna(subset=["level"])
    oracle_skip = skip.rename("oracle_skip")
    samples = samples.join(oracle_skip, on=["bench", "problem_id"])
    samples = samples.assign(no_think=samples["mode"] == "no_think")
    samples = samples.assign(disagrees=samples["no_think"] != samples["oracle_skip"])
    keep = chosen.index.get_level_values("bench").isin(level_benchmarks) & chosen["level"].notna().to_numpy()
    problems = pd.DataFrame(
        {
            "level": chosen["level"][keep].astype(int),
            "oracle_skip": skip[keep],
            "gain": 100 * (routed["accuracy"] - chosen["accuracy"])[keep],
            "saved": (chosen["tokens"] - routed["tokens"])[keep],
        }
    )
    by_level = problems.groupby("level").agg(
        oracle_no_think_rate=("oracle_skip", "mean"),
        accuracy_gain=("gain", "mean"),
        tokens_saved=("saved", "mean"),
        n_problems=("gain", "size"),
    )
    sample_level = samples.assign(level=samples["level"].astype(int)).groupby("level")
    by_level["no_think_rate"] = sample_level["no_think"].mean()
    by_level["regret"] = sample_level["disagrees"].mean()
    table = by_level.reset_index().assign(base_model=entry["base_model"], method=entry["method"], oracle=oracle)
    return table[REGRET_COLUMNS]
