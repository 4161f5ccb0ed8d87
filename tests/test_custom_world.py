"""config/custom.yaml, the template for a user's own model, runs as written on a CPU: the only
overlay is what a CPU needs (a tiny local R1-style model, tiny local files, small budgets)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_paper_world import CPU_EVALUATION, CPU_RUN, CPU_TRAINING, r1_style_model

REPO = Path(__file__).resolve().parents[1]
CUSTOM = yaml.safe_load((REPO / "config/custom.yaml").read_text())


def cpu_overlay(tmp_path: Path, random_model_dir: Path) -> dict:
    """The template's model and files replaced by local ones; budgets and GPU settings made small."""
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"problem": f"{i}+{i + 2}", "answer": str(2 * i + 2), "level": 1 + i % 3} for i in range(6)]
    pd.DataFrame(rows).to_json(data / "train.jsonl", orient="records", lines=True)
    pd.DataFrame(rows).to_json(data / "test.jsonl", orient="records", lines=True)
    model = r1_style_model(random_model_dir, tmp_path / "model")
    return {
        "external_models": {"my-model": str(model)},
        "datasets": {
            "train": {"source": str(data / "train.jsonl")},
            "mytest": {"source": str(data / "test.jsonl"), "count": 6, "fields": {"level": "level"}},
        },
        "evaluation": {**CPU_EVALUATION, "shards": 1},
        "training": CPU_TRAINING,
        "train_runs": {name: CPU_RUN for name in CUSTOM["train_runs"]},
    }


@pytest.mark.slow
def test_custom_template_runs_on_cpu(tmp_path, random_model_dir):
    overlay = tmp_path / "cpu.yaml"
    overlay.write_text(yaml.safe_dump(cpu_overlay(tmp_path, random_model_dir)))
    command = ["snakemake", "all", "--snakefile", str(REPO / "Snakefile"), "--cores", "2", "--directory", str(tmp_path)]
    result = subprocess.run(
        [*command, "--configfile", str(REPO / "config/custom.yaml"), str(overlay)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "results" / CUSTOM["run_name"]
    table = pd.read_csv(run / "table1.csv")
    expected = ["standard_prompt", "no_thinking_prompt", "ellipsis_prompt", *CUSTOM["train_runs"]]
    assert table["method"].tolist() == expected and table["mytest_acc"].notna().all()
    levels = pd.read_csv(run / "think_rate_by_level.csv")
    assert set(levels[levels["grouping"] == "level"]["level"]) == {1, 2, 3}
    assert (run / "plots" / "stage_curves_my-model.png").exists()
