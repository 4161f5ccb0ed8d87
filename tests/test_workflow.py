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


def dry_run_jobs(stdout: str) -> list[dict]:
    """The jobs a dry run plans: rule, wildcards, resources and shell command of each."""
    jobs = []
    for block in stdout.split("\nrule ")[1:] + stdout.split("\nlocalrule ")[1:]:
        lines = block.splitlines()
        job = {"rule": lines[0].rstrip(":"), "resources": "", "shell": "", "output": ""}
        for line in lines[1:]:
            key = line.strip().split(":")[0]
            if key in ("output", "resources", "wildcards"):
                job[key] = line.split(":", 1)[1].strip()
            elif line.startswith("Shell command:"):
                job["shell"] = line
        jobs.append(job)
    return jobs


def test_one_paper_base_model_dry_runs(tmp_path):
    result = snakemake(
        "-n", "--printshellcmds", "--cores", "8", "--directory", str(tmp_path),
        "--configfile", str(REPO / "config/paper.yaml"), str(REPO / "config/paper_r1_distill_1.5b.yaml"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = dry_run_jobs(result.stdout)
    count = lambda rule: sum(job["rule"] == rule for job in jobs)  # noqa: E731
    assert count("prepare_dataset") == 6  # the training set and the five benchmarks
    trained = {job["output"].split("/")[-1] for job in jobs if job["rule"] == "train"}
    assert {"r1-distill-1.5b.autothink_stage1", "r1-distill-1.5b.autothink_stage3", "r1-distill-1.5b.thinkprune_iter2k"} <= trained
    assert "tiny_data" not in {job["rule"] for job in jobs} and "distill" not in {job["rule"] for job in jobs}
    # 3 prompts for the base model, one per trained run and released checkpoint; 5 benchmarks x 8 shards
    assert count("metrics") == 5 * (3 + len(trained) + 5) and count("evaluate_shard") == 8 * count("metrics")


def test_slurm_profile_runs_the_whole_paper_table(tmp_path):
    """`snakemake --profile slurm all` from the repository root, on a machine without SLURM."""
    result = subprocess.run(
        ["snakemake", "-n", "--printshellcmds", "--profile", "slurm", "all", "--directory", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = dry_run_jobs(result.stdout)
    train = [job for job in jobs if job["rule"] == "train"]
    for base in ("r1-distill-1.5b", "deepscaler-1.5b", "r1-distill-7b"):
        for stage in (1, 2, 3):
            assert any(job["output"].endswith(f"{base}.autothink_stage{stage}") for job in train), (base, stage)
    assert all("gpu=8" in job["resources"] and "slurm_partition=gpu" in job["resources"] for job in train)
    assert all("accelerate launch --config_file" in job["shell"] and "--num_processes 8 -m autothink.cli train" in job["shell"] for job in train)
    shards = [job for job in jobs if job["rule"] == "evaluate_shard"]
    assert shards and all("gpu=1" in job["resources"] for job in shards)
    assert all("gpu=" not in job["resources"] for job in jobs if job["rule"] in ("prepare_dataset", "table", "plots", "metrics"))
    steps = {job["output"].split("/")[-1]: json.loads(job["shell"].split("--spec '")[1].split("'")[0])["steps"] for job in train}
    assert (steps["r1-distill-7b.autothink_stage3"], steps["deepscaler-1.5b.autothink_stage1"], steps["r1-distill-1.5b.autothink_stage2"]) == (20, 110, 440)


def test_local_gpu_profile_pins_jobs_to_gpus(tmp_path):
    result = subprocess.run(
        ["snakemake", "-n", "--printshellcmds", "--profile", "profiles/local-gpu", "all", "--directory", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = dry_run_jobs(result.stdout)
    assert all(job["shell"].startswith("Shell command: autothink pin-gpus --count 8 -- accelerate") for job in jobs if job["rule"] == "train")
    assert all(job["shell"].startswith("Shell command: autothink pin-gpus --count 1 -- autothink evaluate") for job in jobs if job["rule"] == "evaluate_shard")


def test_compute_estimate_matches_the_papers_budget():
    result = subprocess.run(
        ["autothink", "estimate", "--configfile", "config/paper.yaml", "config/paper_r1_distill_1.5b.yaml"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    stages = [float(line.split()[-1]) for line in result.stdout.splitlines() if "autothink_stage" in line and line.split()[0] == "train"]
    assert len(stages) == 3 and 600 <= sum(stages) <= 800  # the paper: ~700 H100-hours
    assert "total:" in result.stdout
