"""What the paper world's first GPU run needs, checked without a GPU: the launcher's packages, the
vLLM context of each world, TRL's vLLM settings, SLURM requests that a cluster accepts and that
cover the estimated run times, and a multi-process training run's final save."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from autothink.config import ConfigError, check_config
from autothink.estimate import estimate, merged_config
from autothink.generate import check_model_length
from autothink.train import grpo_config

REPO = Path(__file__).resolve().parents[1]
HELPERS = Path(__file__).parent / "helpers"


def test_every_accelerate_launcher_has_its_package_in_the_gpu_extra():
    extra = " ".join(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["gpu"])
    needs = {"DEEPSPEED": "deepspeed", "FSDP": "torch"}
    for path in (REPO / "accelerate").glob("*.yaml"):
        kind = yaml.safe_load(path.read_text())["distributed_type"]
        assert needs[kind] == "torch" or needs[kind] in extra, f"{path.name} launches {kind} but the gpu extra lacks it"


def test_vllm_context_must_fit_the_tiny_model(default_config):
    check_config(default_config)  # the default world fits
    positions = default_config["tiny"]["model"]["max_position_embeddings"]
    longer = {
        **default_config,
        "evaluation": {**default_config["evaluation"], "vllm": {"max_model_len": positions + 1}},
    }
    with pytest.raises(ConfigError, match="max_model_len is .* positions"):
        check_config(longer)


def test_vllm_context_is_checked_against_a_saved_model(random_model_dir):
    positions = json.loads((random_model_dir / "config.json").read_text())["max_position_embeddings"]
    check_model_length(str(random_model_dir), positions)
    check_model_length(str(random_model_dir), None)
    with pytest.raises(ValueError, match=f"max_model_len is {positions + 1} but .* has {positions} positions"):
        check_model_length(str(random_model_dir), positions + 1)


def test_trl_vllm_context_is_the_prompt_plus_the_completion_limit(tmp_path):
    spec = json.loads((HELPERS / "train_spec.json").read_text())
    vllm = {"use_vllm": True, "vllm_mode": "colocate"}
    with pytest.raises(ValueError, match="max_prompt_tokens"):
        grpo_config({**spec, "grpo": vllm}, str(tmp_path))
    config = grpo_config({**spec, "grpo": vllm, "max_prompt_tokens": 100}, str(tmp_path))
    assert config.vllm_max_model_length == 100 + spec["max_completion_length"]
    assert grpo_config(spec, str(tmp_path)).vllm_max_model_length is None  # no vLLM, nothing set


def test_paper_training_bounds_vllm_memory():
    config = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    grpo = config["training"]["grpo"]
    assert grpo["use_vllm"] and grpo["vllm_enable_sleep_mode"] and config["training"]["max_prompt_tokens"] >= 512


def test_slurm_requests_one_node_and_enough_time_for_every_training_run():
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    train = profile["set-resources"]["train"]
    assert train["nodes"] == 1, "an 8-GPU request without nodes: 1 may be spread over nodes"
    for rule, resources in profile["set-resources"].items():
        merged = {**profile["default-resources"], **resources}
        assert not ("cpus_per_task" in merged and "cpus_per_gpu" in merged), f"{rule}: SLURM takes one of the two"
    hours_per_job = train["runtime"] / 60 * (1 + profile["retries"])  # each retry resumes from checkpoints
    table = estimate(merged_config([str(REPO / "config/paper.yaml")]))
    wall_hours = table[table["rule"] == "train"]["gpu_hours"] / train["gpu"]
    longest = table.loc[wall_hours.idxmax(), "model"]
    assert wall_hours.max() <= hours_per_job, (
        f"{longest} needs {wall_hours.max():.0f} h; the profile allows {hours_per_job:.0f} h"
    )


def test_a_two_process_run_saves_one_whole_model(tmp_path, random_model_dir):
    """Every process takes part in the final save (FSDP and ZeRO-3 gather weights collectively), yet
    one complete model lands in place and the checkpoints are gone. accelerate refuses FSDP without
    a GPU, so this runs the same code path on two CPU processes."""
    launcher = tmp_path / "two_cpus.yaml"
    launcher.write_text(
        yaml.safe_dump(
            {
                "distributed_type": "MULTI_CPU",
                "num_processes": 2,
                "num_machines": 1,
                "machine_rank": 0,
                "use_cpu": True,
                "mixed_precision": "no",
            }
        )
    )
    problems = tmp_path / "train.parquet"
    pd.DataFrame({"problem": ["1+2", "3+4"], "answer": ["3", "7"], "level": [1, 1]}).to_parquet(problems)
    spec = {**json.loads((HELPERS / "train_spec.json").read_text()), "micro_batch": 4}  # 8 completions over 2 processes
    out, run = tmp_path / "model", tmp_path / "run"
    result = subprocess.run(
        [
            "accelerate",
            "launch",
            "--config_file",
            str(launcher),
            "-m",
            "autothink.cli",
            "train",
            "--spec",
            json.dumps(spec),
            "--init",
            str(random_model_dir),
            "--problems",
            str(problems),
            "--out",
            str(out),
            "--run-dir",
            str(run),
            "--threads",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert {"model.safetensors", "config.json", "tokenizer.json", "training_log.jsonl", "training_summary.json"} <= {
        p.name for p in out.iterdir()
    }
    assert len((out / "training_log.jsonl").read_text().splitlines()) == 2
    assert not (run / "checkpoints").exists() and not list(tmp_path.glob(".*partial*"))
