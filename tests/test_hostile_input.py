"""Bad input never passes silently: each probe feeds one bad config, dataset or model output and
asserts that the error names the culprit (key, run, file, row, id) or that the result is right."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from snakemake.utils import validate

from autothink.atomic import atomic_path, write_text
from autothink.config import ConfigError, check_config
from autothink.data import DataError, prepare, read_source
from autothink.generate import Sampling, sample
from autothink.gpus import acquire
from autothink.grading import extract_answer, grade_many, usable_cpus
from autothink.train import newest_checkpoint

REPO = Path(__file__).resolve().parents[1]


def checked(config: dict) -> None:
    """What the Snakefile does before any job runs: the schema, then the cross-key checks."""
    validate(config, str(REPO / "config/schema.yaml"), set_default=True)
    check_config(config)


@pytest.fixture()
def config(default_config) -> dict:
    return copy.deepcopy(default_config)


# --- config ---------------------------------------------------------------------------------


@pytest.mark.parametrize("override, culprit", [({"steps": -5}, "-5"), ({"stepz": 3}, "stepz")])
def test_per_model_overrides_are_validated(config, override, culprit):
    config["train_runs"]["autothink_stage2"]["overrides"] = {"tiny-r1": override}
    with pytest.raises(Exception, match=culprit):
        checked(config)


def test_overrides_are_checked_as_merged_settings(config):
    """A per-model batch that does not split is named with its run and model before any job runs."""
    config["train_runs"]["autothink_stage1"]["overrides"] = {"tiny-r1": {"micro_batch": 48}}
    with pytest.raises(ConfigError, match=r"train_runs.autothink_stage1 \(for tiny-r1\): .* do not split"):
        checked(config)


@pytest.mark.parametrize(
    "grpo, culprit", [({"max_steps": 3}, "max_steps"), ({"num_train_epoch": 1}, "num_train_epoch")]
)
def test_grpo_passthrough_must_be_a_free_trl_field(config, grpo, culprit):
    config["training"]["grpo"] = {**config["training"]["grpo"], **grpo}
    with pytest.raises(ConfigError, match=rf"train_runs\.\w+: grpo sets \['{culprit}'\]"):
        checked(config)


@pytest.mark.parametrize(
    "where, key",
    [
        (("train_runs", "shorterbetter"), "prompt"),
        (("train_runs", "autothink_stage3"), "eval_prompts"),
        (("evaluation",), "prompts"),
    ],
)
def test_unknown_prompt_names_are_named_with_their_key(config, where, key):
    section = config
    for name in where:
        section = section[name]
    section[key] = "nothinking" if key == "prompt" else ["ellipsis", "nothinking"]
    with pytest.raises(ConfigError, match=rf"{'.'.join(where)}.{key} names \['nothinking'\]: generation prompts are"):
        checked(config)


def test_report_runs_must_exist(config):
    config["report"]["stage_chain"] = ["autothink_stage1", "autothink_stag2"]
    with pytest.raises(ConfigError, match=r"report.stage_chain names \['autothink_stag2'\]"):
        checked(config)


def test_released_checkpoint_base_model_must_exist():
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    paper["released_models"]["adaptthink"]["base_model"] = "r1-distil-1.5b"
    with pytest.raises(ConfigError, match=r"released_models.adaptthink.base_model is 'r1-distil-1.5b'"):
        checked(paper)


def test_more_shards_than_problems_is_named(config):
    config["evaluation"]["shards"] = 35
    with pytest.raises(ConfigError, match=r"shards is 35 but \{'aime24': 30\}"):
        checked(config)
    config["evaluation"]["shards"] = 10000
    with pytest.raises(Exception, match="10000"):
        checked(config)


def test_grouped_prompts_with_shards_is_refused(config):
    assert config["evaluation"]["group_prompts"]  # the tiny world groups
    config["evaluation"]["shards"] = 2
    with pytest.raises(ConfigError, match="group_prompts needs evaluation.shards: 1"):
        checked(config)


def test_an_empty_shard_samples_nothing(random_model_dir):
    assert (
        sample(str(random_model_dir), [], "ellipsis", Sampling(2, 0.6, 0.95, 8, 0), {"backend": "hf", "batch_size": 8})
        == []
    )


# --- datasets -------------------------------------------------------------------------------


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROWS = [{"problem": "1+1", "answer": "2", "unique_id": "a"}, {"problem": "2+2", "answer": "4", "unique_id": "b"}]


@pytest.mark.parametrize(
    "rows, spec, message",
    [
        (
            [*ROWS, {"problem": "3+3", "answer": "6", "unique_id": "a"}],
            {"fields": {"id": "unique_id"}},
            "problem id 'a' occurs more than once",
        ),
        ([{"problem": None, "answer": "2"}, ROWS[1]], {}, r"row 0 has no problem \('problem' is null\)"),
    ],
)
def test_bad_rows_are_named(tmp_path, rows, spec, message):
    source = write_jsonl(tmp_path / "bench.jsonl", rows)
    with pytest.raises(DataError, match=message):
        prepare("math500", {"source": str(source), **spec}, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_empty_benchmark_is_named(tmp_path):
    pd.DataFrame({"problem": pd.Series([], dtype=str), "answer": pd.Series([], dtype=str)}).to_parquet(
        tmp_path / "empty.parquet"
    )
    with pytest.raises(DataError, match=r"empty.parquet \(math500\): no problems"):
        prepare("math500", {"source": str(tmp_path / "empty.parquet")}, tmp_path / "out.parquet")


def test_unreadable_files_are_named(tmp_path):
    (tmp_path / "cut.jsonl").write_text(json.dumps(ROWS[0]) + "\n" + '{"problem": "2+2", "ans')
    with pytest.raises(DataError, match=r"cut.jsonl: cannot be read as jsonl"):
        read_source(str(tmp_path / "cut.jsonl"), "test")
    (tmp_path / "latin.jsonl").write_bytes('{"problem": "caf\xe9", "answer": "1"}\n'.encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.jsonl: cannot be read"):
        read_source(str(tmp_path / "latin.jsonl"), "test")


def test_directory_reads_the_split_and_subset_once(tmp_path):
    root = tmp_path / "mirror"
    write_jsonl(root / "comp" / "test.jsonl", ROWS)
    write_jsonl(root / "comp" / "latest_contest.jsonl", ROWS)  # `test` inside a word: not the split
    write_jsonl(root / "other" / "test.jsonl", [ROWS[0]])  # another subset
    write_jsonl(root / ".cache" / "comp" / "test.jsonl", ROWS)  # a hidden folder
    assert read_source(str(root), "test", "comp")["unique_id"].tolist() == ["a", "b"]
    with pytest.raises(DataError, match="no data files for subset 'nope'"):
        read_source(str(root), "test", "nope")
    pd.DataFrame(ROWS).to_parquet(root / "comp" / "test.parquet")  # the same data in a second format
    with pytest.raises(DataError, match=r"several formats \(.jsonl, .parquet\)"):
        read_source(str(root), "test", "comp")


def test_missing_relative_path_is_not_tried_as_a_hub_id():
    started = time.perf_counter()
    with pytest.raises(DataError, match="mirror/train.jsonl: no such file"):
        read_source("mirror/train.jsonl", "train")
    assert time.perf_counter() - started < 5  # no hub requests and retries


# --- untrusted model output -----------------------------------------------------------------


def test_nested_boxes_are_extracted_in_linear_time():
    def seconds(depth: int) -> float:
        response = "</think>" + "\\boxed{" * depth + "7" + "}" * depth
        started = time.perf_counter()
        assert extract_answer(response) == "7"
        return time.perf_counter() - started

    small, large = seconds(20_000), seconds(200_000)
    assert large < 25 * small + 0.05  # 10x the input: ~10x the time, not ~100x


def test_huge_gold_answer_does_not_fail_the_batch():
    """More digits than Python converts to an int: that pair is wrong, the rest are graded."""
    digits = "9" * 5000
    assert grade_many(["</think> \\boxed{5}", "</think> \\boxed{2}", "</think> \\boxed{1}"], [digits, "2", "3"]) == [
        False,
        True,
        False,
    ]
    assert grade_many(["</think> \\boxed{%s}" % digits], [digits]) == [True]  # the same long number is right


def test_grading_pool_uses_the_cpus_it_may(monkeypatch):
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "1")
    assert usable_cpus() == 1
    monkeypatch.delenv("SLURM_CPUS_PER_TASK")
    assert 1 <= usable_cpus() <= len(__import__("os").sched_getaffinity(0))


# --- shared machines ------------------------------------------------------------------------


def test_planted_symlink_in_the_gpu_lock_folder_harms_nothing(tmp_path):
    locks, victim = tmp_path / "locks", tmp_path / "victim.txt"
    locks.mkdir(mode=0o700)
    victim.write_text("precious")
    (locks / "gpu0.lock").symlink_to(victim)
    with pytest.raises(RuntimeError, match=r"gpu0.lock: cannot be used as a GPU lock file"):
        acquire(1, total=2, lock_dir=locks)
    assert victim.read_text() == "precious"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RuntimeError, match="linked: not a folder of this user"):
        acquire(1, total=2, lock_dir=tmp_path / "linked")


def test_grading_at_import_time_fails_fast_with_advice(tmp_path):
    """A script that grades without a main guard: its spawned workers re-import it and die."""
    script = tmp_path / "unguarded.py"
    grading = "print(grade('</think> \\\\boxed{2\\\\pi}', '\\\\pi\\\\cdot 2'))"  # an answer only math-verify reads
    script.write_text(f"from autothink.grading import grade\n{grading}\n")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240)
    assert result.returncode != 0 and 'if __name__ == "__main__":' in result.stderr, result.stderr[-2000:]
    assert time.perf_counter() - started < 120  # not the 300-s start-up bound


# --- crash safety ---------------------------------------------------------------------------


def test_outputs_appear_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out" / "table1.csv"
    write_text(target, "finished\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as partial:
            partial.write_text("half a")
            raise KeyboardInterrupt  # the job is killed while writing
    assert target.read_text() == "finished\n" and [p.name for p in target.parent.iterdir()] == ["table1.csv"]
    model = tmp_path / "model"
    model.mkdir()
    (model / "old.safetensors").write_text("old")
    with atomic_path(model) as partial:
        partial.mkdir()
        (partial / "model.safetensors").write_text("new")
    assert [p.name for p in model.iterdir()] == ["model.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "out"]


def test_damaged_newest_checkpoint_falls_back_to_the_older_one(tmp_path, random_model_dir):
    checkpoints = tmp_path / "checkpoints"
    for step in (2, 4):
        folder = checkpoints / f"checkpoint-{step}"
        shutil.copytree(random_model_dir, folder)
        (folder / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        torch.save({"step": step}, folder / "optimizer.pt")
    assert newest_checkpoint(checkpoints).name == "checkpoint-4"
    weights = checkpoints / "checkpoint-4" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # a copy cut short
    assert newest_checkpoint(checkpoints).name == "checkpoint-2"
    optimizer = checkpoints / "checkpoint-2" / "optimizer.pt"
    optimizer.write_bytes(optimizer.read_bytes()[:-30])
    assert newest_checkpoint(checkpoints) is None
