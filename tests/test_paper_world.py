"""The paper world executed, not only resolved: config/paper.yaml with a CPU overlay runs every
rule end to end. The base model is a tiny Qwen2 saved with R1-Distill's chat template, the
released checkpoints are local copies of it, and every dataset is a small local file in the real
dataset's own format and field names (MATH-500's `unique_id` and `Level n`, Minerva's `question`,
OlympiadBench's list-valued `final_answer`, AIME 2024's `id`, DeepScaleR's AMC file with numeric
answers), so the loaders meet what a cluster's mirror holds. With two evaluation shards, it also
checks that an evaluation killed after one shard reruns only that shard."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import trl
import yaml
from transformers import AutoTokenizer

REPO = Path(__file__).resolve().parents[1]
PAPER = yaml.safe_load((REPO / "config/paper.yaml").read_text())
BASE = "r1-distill-1.5b"


def problems(n: int) -> list[tuple[str, str]]:
    return [(f"{i}+{i + 1}", str(2 * i + 1)) for i in range(n)]


def write_mirror(root: Path, n: int) -> dict[str, Path]:
    """Each dataset as its hub version stores it, ``n`` problems each; returns name -> file."""
    root.mkdir()
    rows = problems(n)
    tables = {
        "train": [{"problem": p, "answer": a, "solution": f"So {a}."} for p, a in rows],
        "math500": [
            {
                "problem": p,
                "solution": "",
                "answer": a,
                "subject": "Algebra",
                "level": 1 + i % 5,
                "unique_id": f"test/algebra/{i}.json",
            }
            for i, (p, a) in enumerate(rows)
        ],
        "minerva": [{"question": p, "answer": a} for p, a in rows],
        "olympiad": [
            {
                "id": 1000 + i,
                "question": p,
                "solution": [f"So {a}."],
                "final_answer": [a],
                "unit": None,
                "is_multiple_answer": False,
            }
            for i, (p, a) in enumerate(rows)
        ],
        "aime24": [
            {"id": 60 + i, "problem": p, "solution": "", "answer": a, "url": "", "year": "2024"}
            for i, (p, a) in enumerate(rows)
        ],
        "amc23": [{"problem": p, "answer": float(a), "url": ""} for p, a in rows],
    }
    files = {}
    for name, table in tables.items():
        suffix = ".parquet" if name in ("train", "olympiad") else ".jsonl"
        files[name] = root / f"{name}{suffix}"
        frame = pd.DataFrame(table)
        frame.to_parquet(files[name]) if suffix == ".parquet" else frame.to_json(
            files[name], orient="records", lines=True
        )
    return files


def r1_style_model(source: Path, out: Path) -> Path:
    """A copy of the random tiny model whose tokenizer carries R1-Distill's own chat template."""
    shutil.copytree(source, out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    tokenizer.chat_template = (Path(trl.__file__).parent / "chat_templates" / "deepseek_r1_distill.jinja").read_text()
    tokenizer.save_pretrained(out)
    return out


# GPU-world settings a CPU replaces (shared with the custom-template test): the transformers
# backend, tiny sampling, one thread and no GPU, vLLM or bf16 in training.
CPU_EVALUATION = {
    "backend": "hf",
    "batch_size": 16,
    "pass_k": [1, 2],
    "bootstrap": 20,
    "sampling": {"n": 2, "max_new_tokens": 8},
}
CPU_TRAINING = {
    "micro_batch": 2,
    "threads": 1,
    "gpus": 0,
    "launcher": "python -m",
    "grpo": {
        "bf16": False,
        "gradient_checkpointing": False,
        "model_init_kwargs": {"dtype": "float32"},
        "use_vllm": False,
        "vllm_enable_sleep_mode": False,
    },
}
CPU_RUN = {"steps": 2, "prompts_per_step": 2, "rollouts": 2, "max_completion_length": 8}
CPU_MONITOR = {"problems": 2, "every": 1, "lower_bound": 4, "interval": 2}  # LASER-D's, within the 8 tokens


def cpu_run(run: dict) -> dict:
    """A paper run's CPU budget (and its LASER-D monitor, if it has one, shrunk to fit)."""
    return {**CPU_RUN, **({"target_monitor": CPU_MONITOR} if "target_monitor" in run else {})}


def cpu_overlay(files: dict[str, Path], n: int, models: Path, random_model_dir: Path) -> dict:
    """What differs on a CPU: local sources and models, tiny budgets, no GPU settings."""
    base = r1_style_model(random_model_dir, models / "r1-distill")
    released = {name: r for name, r in PAPER["released_models"].items() if r["base_model"] == BASE}
    return {
        "run_name": "paper_cpu",
        "base_models": [BASE],
        "external_models": {BASE: str(base)},
        "released_models": {name: {"id": str(shutil.copytree(base, models / name))} for name in released},
        "datasets": {name: {"source": str(path), "count": n} for name, path in files.items()},
        "evaluation": {**CPU_EVALUATION, "shards": 2},
        "training": CPU_TRAINING,
        "train_runs": {name: cpu_run(run) for name, run in PAPER["train_runs"].items()},
    }


@pytest.mark.slow
@pytest.mark.paper_world
def test_paper_world_runs_every_rule_on_cpu(tmp_path, random_model_dir):
    n = 5  # with 2 shards, shard 1 holds 2 problems of each benchmark and shard 0 holds 3
    files = write_mirror(tmp_path / "mirror", n)
    models = tmp_path / "models"
    models.mkdir()
    overlay = tmp_path / "cpu.yaml"
    overlay.write_text(yaml.safe_dump(cpu_overlay(files, n, models, random_model_dir)))
    result = paper_snakemake(tmp_path, overlay, "all", "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "results" / "paper_cpu"
    rules = {
        line.split()[1].rstrip(":") for line in result.stderr.splitlines() if line.startswith(("rule ", "localrule "))
    }
    assert {"prepare_dataset", "train", "evaluate_shard", "collect_shards", "table", "plots"} <= rules, rules

    math500 = pd.read_parquet(run / "data" / "eval" / "math500.parquet")
    assert math500["id"].tolist()[:2] == ["test/algebra/0.json", "test/algebra/1.json"] and math500[
        "level"
    ].tolist() == [1, 2, 3, 4, 5]
    assert (
        float(pd.read_parquet(run / "data" / "eval" / "amc23.parquet")["answer"].tolist()[0]) == 1.0
    )  # numeric gold, as text
    trained = [f"{BASE}.{name}" for name in PAPER["train_runs"]]
    for model in trained:
        log = [json.loads(line) for line in (run / "models" / model / "training_log.jsonl").read_text().splitlines()]
        assert log and log[-1]["step"] >= 2, model
    samples = pd.read_parquet(run / "samples" / BASE / "ellipsis" / "olympiad.parquet")
    assert sorted(samples["problem_id"].unique()) == [str(1000 + i) for i in range(n)] and len(samples) == 2 * n

    table = pd.read_csv(run / "table1.csv")
    released = [name for name, r in PAPER["released_models"].items() if r["base_model"] == BASE]
    assert set(PAPER["train_runs"]) | set(released) <= set(table["method"]), sorted(table["method"])
    assert (table["source"] == "copied_from_its_paper").any()  # the paper's reported-only rows sit beside ours
    assert not pd.read_csv(run / "paper_vs_reproduced.csv").empty and any((run / "plots").glob("*.png"))

    report = paper_snakemake(tmp_path, overlay, "--report", str(tmp_path / "report.html"))  # no --cores, as the README
    assert report.returncode == 0, report.stderr[-3000:]
    assert "paper_vs_reproduced.csv" in (tmp_path / "report.html").read_text(errors="replace")

    # an evaluation killed after one of its two shards reruns only the missing shard and what follows
    (run / "samples" / BASE / "ellipsis" / "shards" / "shard1.parquet").unlink()
    (run / "metrics" / BASE / "ellipsis" / "aime24.json").unlink()
    plan = paper_snakemake(tmp_path, overlay, "all", "-n", "--cores", "2")
    assert plan.returncode == 0, plan.stderr[-3000:]
    jobs = [
        line.split()[1].rstrip(":") for line in plan.stdout.splitlines() if line.startswith(("rule ", "localrule "))
    ]
    assert jobs.count("evaluate_shard") == 1 and jobs.count("collect_shards") == 1, plan.stdout[-3000:]
    assert (
        "shards/shard1.parquet" in plan.stdout
        and "shards/shard0.parquet" not in plan.stdout.split("rule collect_shards")[0]
    )


def paper_snakemake(workdir: Path, overlay: Path, *args: str) -> subprocess.CompletedProcess:
    """The workflow on the paper config with the CPU overlay, in ``workdir``."""
    return subprocess.run(
        ["snakemake", *args, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
        + ["--configfile", str(REPO / "config/paper.yaml"), str(overlay)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
