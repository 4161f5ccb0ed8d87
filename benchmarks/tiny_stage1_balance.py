"""Stage 1 against the no-balance ablation, from the distilled tiny model, in ~2 minutes.

Does the batch balance keep both modes alive where the unbalanced mode-aware reward drifts to
thinking? The whole DAG answers that after ~20 minutes; this script trains only the two runs
(`autothink_stage1` and `autothink_no_balance` as the config defines them, side by side, one
thread each) and prints their think rate per step, the share of Stage 1's steps inside the
0.35-0.70 band, the ablation's mean over its last 5 steps, and the think rate by level and each
mode's accuracy at the end.
``--set`` overrides a setting of both runs (e.g. ``--set learning_rate=3e-5``), ``--problems``
trains on another split (a parquet file with the RL split's columns). Run once the tiny world is
built (`snakemake --cores all results/tiny/tiny/distilled_profile.json`):

    python benchmarks/tiny_stage1_balance.py [--configfile config/config.yaml [overlay.yaml]]
        [--set learning_rate=3e-5] [--problems results/tiny/data/train.parquet]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import torch

from autothink.estimate import merged_config
from autothink.report.effects import LAST_STEPS
from autothink.report.plots import THINK_RATE_BAND, read_training_log
from autothink.runs import STEP_LOG, run_spec
from autothink.train import train

RUNS = ("autothink_stage1", "autothink_no_balance")


def train_one(model_dir: str, problems: str, out: str, spec: dict) -> pd.DataFrame:
    """One run on one thread (the trainer's own log printing silenced); its per-step log rows that
    carry rollout statistics."""
    torch.set_num_threads(1)
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        train(model_dir, pd.read_parquet(problems), out, out + "_run", spec)
    return read_training_log(Path(out) / STEP_LOG).dropna(subset=["rollouts/think_rate"])


def summary(name: str, log: pd.DataFrame, levels: int) -> None:
    rates = log["rollouts/think_rate"]
    low, high = THINK_RATE_BAND
    # the last 8 steps; a level or mode no step sampled reads as NaN
    last = log.tail(8).reindex(
        columns=[f"rollouts/think_rate/level{level}" for level in range(1, levels + 1)]
        + ["rollouts/think/accuracy", "rollouts/no_think/accuracy"]
    )
    means = last.mean()
    print(f"\n{name}: think rate per step\n  " + " ".join(f"{z:.2f}" for z in rates))
    print(f"  in the {low:.2f}-{high:.2f} band on {rates.between(low, high).mean():.0%} of steps")
    print(f"  last {LAST_STEPS} steps {rates.tail(LAST_STEPS).mean():.2f}")
    print("  by level over the last 8 steps: " + " ".join(f"{z:.2f}" for z in means.iloc[:levels]))
    print(f"  accuracy over the last 8 steps: think {means.iloc[-2]:.2f}, no_think {means.iloc[-1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="+", default=["config/config.yaml"], help="merged in order")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="override a run setting")
    parser.add_argument("--problems", help="the training split (default: the run's own)")
    args = parser.parse_args()
    config = merged_config(args.configfile)
    run = Path("results") / config["run_name"]
    base = config["base_models"][0]
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    problems = args.problems or str(run / "data" / "train.parquet")
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(2) as pool:
        jobs = {
            name: pool.submit(
                train_one,
                str(run / "models" / base),
                problems,
                str(Path(tmp) / name),
                {**run_spec(config, name, base), **overrides},
            )
            for name in RUNS
        }
        for name, job in jobs.items():
            summary(name, job.result(), len(config["tiny"]["levels"]))


if __name__ == "__main__":
    main()
