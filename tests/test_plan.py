"""The workflow plan as plain functions of a config, without Snakemake."""

from __future__ import annotations

import copy

import pytest

from autothink import plan


def test_default_config_plans_prompt_rows_then_trained_rows(default_config):
    entries = plan.table_entries(default_config)
    methods = [e["method"] for e in entries]
    assert methods[:3] == ["standard_prompt", "no_thinking_prompt", "ellipsis_prompt"]
    assert methods[3:] == list(default_config["train_runs"])
    stage3 = entries[methods.index("autothink_stage3")]
    assert stage3 == dict(
        base_model="tiny-r1",
        method="autothink_stage3",
        source="trained",
        model="tiny-r1.autothink_stage3",
        prompt="ellipsis",
        seed=0,  # the training seed
    )
    assert entries[methods.index("shorterbetter")]["prompt"] == "standard"  # a run's own prompt beats training.prompt


def test_other_eval_prompts_get_their_own_rows_and_share_one_evaluation_per_prompt(default_config):
    config = copy.deepcopy(default_config)
    config["base_models"] = ["a", "b"]
    config["evaluation"]["forced_modes"] = False
    config["train_runs"] = {
        "stage3": {**config["train_runs"]["autothink_stage3"], "init": "base", "eval_prompts": ["ellipsis", "standard"]}
    }
    config["released_models"] = {
        "public": {"base_model": "b", "id": "org/public", "prompt": "standard"},
        "elsewhere": {"base_model": "c", "id": "org/other", "prompt": "standard"},
    }
    rows = [(e["base_model"], e["method"], e["model"], e["prompt"]) for e in plan.table_entries(config)]
    assert ("a", "stage3_standard_prompt", "a.stage3", "standard") in rows and (
        "a",
        "stage3",
        "a.stage3",
        "ellipsis",
    ) in rows
    assert ("b", "public", "public", "standard") in rows and not any(row[1] == "elsewhere" for row in rows)
    evaluations = plan.evaluations(config)
    assert evaluations[("a", "a")] == ["standard", "no_thinking", "ellipsis"]
    assert evaluations[("b", "b.stage3")] == ["ellipsis", "standard"]
    assert plan.external_models(config) == {"public": "org/public"}


def test_repeat_seeds_repeat_every_trained_row_and_its_evaluation(default_config):
    config = {**default_config, "repeat_seeds": [3]}
    repeats = plan.seed_entries(config)
    trained = [e for e in plan.table_entries(config) if e["source"] == "trained"]
    assert [e["model"] for e in repeats] == [e["model"] + ".seed3" for e in trained]
    assert {e["seed"] for e in repeats} == {3} and [e["method"] for e in repeats] == [e["method"] for e in trained]
    assert plan.evaluations(config)[("tiny-r1", "tiny-r1.autothink_stage3.seed3")] == ["ellipsis"]
    assert plan.seed_entries(default_config) == []


def test_tiny_splits_are_planned_under_the_run(default_config):
    splits = plan.datasets(default_config, "results/tiny")
    assert list(splits) == ["train", *default_config["benchmarks"]]
    assert splits["train"]["source"] == "results/tiny/tiny/data/train.parquet"
    assert splits["aime24"] == {
        "source": "results/tiny/tiny/data/eval/aime24.parquet",
        "count": 30,
        "fields": {"id": "id", "level": "level"},
    }


def test_prompt_rows_name_known_prompts_only():
    assert plan.prompt_row("no_thinking") == "no_thinking_prompt"
    with pytest.raises(ValueError, match="unknown generation prompt 'nothink'"):
        plan.prompt_row("nothink")


def test_forced_modes_add_evaluations_for_every_ellipsis_row(default_config):
    assert default_config["evaluation"]["forced_modes"]
    judged = [e["method"] for e in plan.decision_entries(default_config)]
    assert judged == [
        "ellipsis_prompt",
        "autothink_stage1",
        "autothink_stage2",
        "autothink_stage3",
        "autothink_no_balance",
    ]
    evaluations = plan.evaluations(default_config)
    assert evaluations[("tiny-r1", "tiny-r1.autothink_stage3")] == ["ellipsis", "standard", "no_thinking"]
    assert evaluations[("tiny-r1", "tiny-r1.shorterbetter")] == [
        "standard"
    ]  # trained with the standard prompt: no choice to judge
    off = copy.deepcopy(default_config)
    off["evaluation"]["forced_modes"] = False
    assert plan.decision_entries(off) == [] and plan.evaluations(off)[("tiny-r1", "tiny-r1.autothink_stage3")] == [
        "ellipsis"
    ]
