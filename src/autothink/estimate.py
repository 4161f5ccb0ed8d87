"""GPU-hours a config will cost, per rule and model, before anything is submitted.

A rough model, stated so users can check it: generated tokens = completions x mean completion
length, the mean being `compute.mean_completion_fraction` of the length limit; GPU time = tokens /
throughput per GPU (`compute.train_tokens_per_gpu_s` covers generation and the update of one
training step; `compute.eval_tokens_per_gpu_s` is vLLM sampling). The defaults reproduce the
paper's budget: ~700 H100-hours for the three stages on R1-Distill-1.5B.
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pandas as pd
import yaml

from autothink.plan import datasets, evaluations, repeat_seeds, trained_model
from autothink.runs import monitor_after, run_spec


def merged_config(paths: list[str]) -> dict:
    """Config files merged in order, nested keys updated, as Snakemake's `--configfile` does."""

    def update(base: dict, extra: dict) -> dict:
        for key, value in extra.items():
            base[key] = (
                update(dict(base.get(key, {})), value)
                if isinstance(value, dict) and isinstance(base.get(key), dict)
                else value
            )
        return base

    config: dict = {}
    for path in paths:
        update(config, yaml.safe_load(Path(path).read_text()))
    return config


def _throughput(table: dict, model: str, what: str) -> float:
    if model not in table:
        raise ValueError(f"compute.{what} has no throughput for {model!r}")
    return float(table[model])


def monitor_completions(spec: dict) -> int:
    """Rollouts a run samples on LASER-D's monitor set (`target_monitor`): before the first step
    and every `every` steps after it, except after the last."""
    monitor = spec.get("target_monitor")
    if not monitor:
        return 0
    passes = 1 + sum(monitor_after(step, spec["steps"], monitor["every"]) for step in range(1, spec["steps"] + 1))
    return passes * monitor["problems"] * spec["rollouts"]


def estimate(config: dict) -> pd.DataFrame:
    """One row per (rule, model) of the workflow plan: jobs, completions, generated tokens and GPU-hours."""
    compute = config.get("compute")
    if not compute:
        raise ValueError("the config has no `compute` section (throughputs for the estimate)")
    fraction = compute["mean_completion_fraction"]
    rows = []
    for base in config["base_models"]:
        for name, seed in product(config.get("train_runs", {}), [None, *repeat_seeds(config)]):
            spec = run_spec(config, name, base, seed)
            trained = spec["steps"] * spec["prompts_per_step"] * spec["rollouts"]
            monitored = monitor_completions(spec)  # sampled only: at the evaluation's throughput
            completions = trained + monitored
            tokens = completions * fraction * spec["max_completion_length"]
            hours = (
                trained / _throughput(compute["train_tokens_per_gpu_s"], base, "train_tokens_per_gpu_s")
                + monitored / _throughput(compute["eval_tokens_per_gpu_s"], base, "eval_tokens_per_gpu_s")
            ) * (fraction * spec["max_completion_length"] / 3600)
            rows.append(
                {
                    "rule": "train",
                    "model": trained_model(base, name, seed),
                    "jobs": 1,
                    "completions": completions,
                    "tokens": tokens,
                    "gpu_hours": hours,
                }
            )
    sampling = config["evaluation"]["sampling"]
    problems = sum(
        spec.get("count", 0) for name, spec in datasets(config, "results").items() if name in config["benchmarks"]
    )
    for (base, model), prompts in evaluations(config).items():
        completions = problems * sampling["n"] * len(prompts)
        tokens = completions * fraction * sampling["max_new_tokens"]
        hours = tokens / _throughput(compute["eval_tokens_per_gpu_s"], base, "eval_tokens_per_gpu_s") / 3600
        grouped = config["evaluation"].get("group_prompts") and set(prompts) == set(config["evaluation"]["prompts"])
        jobs = 1 if grouped else len(prompts) * config["evaluation"]["shards"]  # a job covers every benchmark
        rows.append(
            {
                "rule": "evaluate_shard",
                "model": model,
                "jobs": jobs,
                "completions": completions,
                "tokens": tokens,
                "gpu_hours": hours,
            }
        )
    return pd.DataFrame(rows)


def report(table: pd.DataFrame) -> str:
    """The estimate as text, with totals per rule and overall."""
    shown = table.assign(tokens=(table["tokens"] / 1e9).round(2), gpu_hours=table["gpu_hours"].round(1)).rename(
        columns={"tokens": "tokens_1e9"}
    )
    totals = table.groupby("rule")["gpu_hours"].sum().round(1)
    lines = [
        shown.to_string(index=False),
        "",
        "GPU-hours per rule: " + ", ".join(f"{rule} {hours:g}" for rule, hours in totals.items()),
    ]
    lines.append(f"total: {table['gpu_hours'].sum():.0f} GPU-hours")
    return "\n".join(lines)
