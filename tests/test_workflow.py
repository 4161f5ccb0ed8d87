"""The workflow: the default DAG resolves, bad config is rejected by name, and a smoke-sized
tiny world runs data + distillation + profile end to end with the real libraries."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from autothink.generate import load_model

REPO = Path(__file__).resolve().parents[1]


def snakemake(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["snakemake", "--snakefile", str(REPO / "Snakefile"), *args], cwd=cwd, capture_output=True, text=True
    )


def write_config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_default_dag_dry_runs(tmp_path):
    result = snakemake("-n", "--cores", "2", "--directory", str(tmp_path), "--configfile", str(REPO / "config/config.yaml"))
    assert result.returncode == 0, result.stderr
    for rule in ("tiny_data", "distill", "tiny_profile", "evaluate_shard", "merge_samples", "metrics"):
        assert rule in result.stdout


def test_unknown_config_key_is_named(tmp_path, default_config):
    bad = {**default_config, "tiny": {**default_config["tiny"], "stepz": 3}}
    result = snakemake("-n", "--cores", "1", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, bad)))
    assert result.returncode != 0
    assert "stepz" in result.stdout + result.stderr


def smoke_config(default: dict) -> dict:
    """The default world shrunk to a couple of minutes: same rules, same code, small numbers."""
    tiny = default["tiny"]
    return {
        **default,
        "run_name": "smoke",
        "evaluation": {
            **default["evaluation"],
            "shards": 2,
            "bootstrap": 50,
            "sampling": {**default["evaluation"]["sampling"], "n": 2, "max_new_tokens": 40},
        },
        "tiny": {
            **tiny,
            "benchmarks": {name: {**spec, "n": 6} for name, spec in tiny["benchmarks"].items()},
            "train": {**tiny["train"], "n": 60},
            "distill": {**tiny["distill"], "n": 2000},
            "model": {**tiny["model"], "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2},
            "distill_training": {**tiny["distill_training"], "steps": 20, "batch_size": 16, "log_every": 5},
            "profile": {**tiny["profile"], "problems_per_level": 2, "sampling": {**tiny["profile"]["sampling"], "n": 2, "max_new_tokens": 40}},
        },
    }


@pytest.mark.slow
def test_smoke_world_runs_end_to_end(tmp_path, default_config):
    config = write_config(tmp_path, smoke_config(default_config))
    result = snakemake("--cores", "2", "--directory", str(tmp_path), "--configfile", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "results" / "smoke"
    model, tokenizer = load_model(str(run / "models" / "tiny-r1"))
    assert model.config.model_type == "qwen2" and model.config.vocab_size == len(tokenizer)
    log = pd.read_csv(run / "tiny" / "distill_log.csv")
    assert log["loss_per_token"].iloc[-1] < log["loss_per_token"].iloc[0]
    profile = json.loads((run / "tiny" / "distilled_profile.json").read_text())
    levels = {(row["prompt"], row["level"]) for row in profile["per_prompt_level"]}
    assert levels == {(p, lv) for p in ("ellipsis", "standard", "no_thinking") for lv in range(1, 7)}
    for name in ("tiny_data", "distill", "tiny_profile"):
        assert (run / "benchmarks" / f"{name}.tsv").exists() and (run / "logs" / f"{name}.log").exists()
    for prompt in ("standard", "no_thinking", "ellipsis"):
        for bench in default_config["benchmarks"]:
            samples = pd.read_parquet(run / "samples" / "tiny-r1" / prompt / f"{bench}.parquet")
            assert len(samples) == 6 * 2 and samples["problem_id"].nunique() == 6
            metrics = json.loads((run / "metrics" / "tiny-r1" / prompt / f"{bench}.json").read_text())
            assert metrics["n_samples"] == 12 and 0 <= metrics["accuracy"] <= 1
    no_thinking = pd.read_parquet(run / "samples" / "tiny-r1" / "no_thinking" / "math500.parquet")
    assert (no_thinking["mode"] == "no_think").all()  # the prompt closes the think block itself

    # an evaluation killed after one of its two shards reruns only the missing shard and what follows
    for done in ("aime24/shard1.parquet", "aime24.parquet"):
        (run / "samples" / "tiny-r1" / "ellipsis" / done).unlink()
    (run / "metrics" / "tiny-r1" / "ellipsis" / "aime24.json").unlink()
    plan = snakemake("-n", "--cores", "2", "--directory", str(tmp_path), "--configfile", str(config))
    jobs = [line.split()[1].rstrip(":") for line in plan.stdout.splitlines() if line.startswith(("rule ", "localrule "))]
    assert sorted(jobs) == ["all", "evaluate_shard", "merge_samples", "metrics"], plan.stdout[-2000:]
    assert "shard1.parquet" in plan.stdout and "aime24/shard0.parquet" not in plan.stdout.split("rule merge")[0]


def test_inconsistent_mix_is_named(tmp_path, default_config):
    tiny = default_config["tiny"]
    bad = {**default_config, "tiny": {**tiny, "train": {**tiny["train"], "mix": [1, 1]}}}
    result = snakemake("-n", "--cores", "1", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, bad)))
    assert result.returncode != 0
    assert "tiny.train.mix has 2 weights" in result.stdout + result.stderr


@pytest.mark.slow
def test_external_model_and_local_datasets_run_without_the_tiny_world(tmp_path, default_config, random_model_dir):
    """The paper world's path on CPU: datasets from local files, a base model from a local folder."""
    data = tmp_path / "mirror"
    data.mkdir()
    rows = [{"problem": f"{i}+1", "answer": str(i + 1), "level": f"Level {1 + i % 5}"} for i in range(4)]
    for name in ["train", *default_config["benchmarks"]]:
        pd.DataFrame(rows).to_json(data / f"{name}.jsonl", orient="records", lines=True)
    config = {key: value for key, value in default_config.items() if key != "tiny"}
    config.update(
        run_name="paperlike",
        base_models=["r1-like"],
        external_models={"r1-like": str(random_model_dir)},
        datasets={
            name: {"source": str(data / f"{name}.jsonl"), "count": 4, "fields": {"level": "level"}}
            for name in ["train", *default_config["benchmarks"]]
        },
        evaluation={**config["evaluation"], "bootstrap": 20, "sampling": {**config["evaluation"]["sampling"], "n": 2, "max_new_tokens": 8}},
    )
    result = snakemake("--cores", "2", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, config)))
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "results" / "paperlike"
    assert pd.read_parquet(run / "data" / "eval" / "math500.parquet")["level"].tolist() == [1, 2, 3, 4]
    metrics = json.loads((run / "metrics" / "r1-like" / "ellipsis" / "amc23.json").read_text())
    assert metrics["n_problems"] == 4 and set(metrics["per_level"]) == {"1", "2", "3", "4"}


def test_paper_world_requires_every_dataset(tmp_path, default_config):
    config = {key: value for key, value in default_config.items() if key != "tiny"}
    config["datasets"] = {"train": {"source": "owner/name"}}
    result = snakemake("-n", "--cores", "1", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, config)))
    assert result.returncode != 0
    assert "datasets has no entry for ['math500'" in result.stdout + result.stderr


def test_paper_config_dry_runs(tmp_path):
    result = snakemake("-n", "--cores", "8", "--directory", str(tmp_path), "--configfile", str(REPO / "config/paper_r1_distill_1.5b.yaml"))
    assert result.returncode == 0, result.stderr[-2000:]
    counts = {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines() if line[:1].isalpha() and len(line.split()) == 2 and line.split()[1].isdigit()}
    assert counts["prepare_dataset"] == 5  # the five benchmarks (train is used by the RL stages)
    assert counts["evaluate_shard"] == 3 * 5 * 8 and counts["metrics"] == 15
    assert "tiny_data" not in counts and "distill" not in counts
