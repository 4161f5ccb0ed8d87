"""The workflow plan: what a config asks the workflow to build, as plain functions of the config.

The rules (`rules/common.smk`) and `autothink estimate` both read the plan from here, so the jobs
that run and the GPU-hours quoted before submitting cannot disagree. Names only: where files go
is the rules' business (the result layout lives in `rules/common.smk`).
"""

from __future__ import annotations

from autothink.prompts import GENERATION_PROMPTS
from autothink.runs import run_spec


def trained_model(base: str, run: str, seed=None) -> str:
    """Trained models are named `<base model>.<run>`; a repetition with another training seed
    (`repeat_seeds`) `<base model>.<run>.seed<k>`."""
    return f"{base}.{run}" + ("" if seed is None else f".seed{seed}")


def _with_seed(entry: dict, seed: int) -> dict:
    """A trained Table 1 entry as trained again with a repeat seed."""
    run = entry["model"][len(entry["base_model"]) + 1 :]
    return {**entry, "model": trained_model(entry["base_model"], run, seed), "seed": seed}


def repeat_seeds(config: dict) -> list[int]:
    """Further training seeds: every training run is repeated with each (`repeat_seeds`, default none)."""
    return list(config.get("repeat_seeds", []))


def prompt_row(prompt: str) -> str:
    """Table 1's name for a base model evaluated under a generation prompt."""
    if prompt not in GENERATION_PROMPTS:
        raise ValueError(f"unknown generation prompt {prompt!r}; choose one of {sorted(GENERATION_PROMPTS)}")
    return f"{prompt}_prompt"


def training_prompt(config: dict, run: str) -> str:
    """The generation prompt a run trains with: its own, else the shared `training.prompt`."""
    return config["train_runs"][run].get("prompt", config["training"]["prompt"])


def released_models(config: dict) -> dict[str, dict]:
    """Released checkpoints of this config's base models (Table 1 rows evaluated as they are)."""
    return {
        name: r for name, r in config.get("released_models", {}).items() if r["base_model"] in config["base_models"]
    }


def external_models(config: dict) -> dict[str, str]:
    """Models the workflow does not build, by name: hub id or local path."""
    return {**config.get("external_models", {}), **{name: r["id"] for name, r in released_models(config).items()}}


def datasets(config: dict, run_dir: str) -> dict[str, dict]:
    """Every split the data rule prepares (`train` and each benchmark): the config's `datasets`, or
    in the tiny world the splits its `tiny_data` rule writes under ``run_dir``."""
    if "tiny" not in config:
        return config["datasets"]
    splits = {"train": config["tiny"]["train"], **config["tiny"]["benchmarks"]}
    return {
        name: {
            "source": f"{run_dir}/tiny/data/{'' if name == 'train' else 'eval/'}{name}.parquet",
            "count": spec["n"],
            "fields": {"id": "id", "level": "level"},
        }
        for name, spec in splits.items()
    }


def table_entries(config: dict) -> list[dict]:
    """What Table 1 shows, one entry per row and base model (in table order): each base model under
    every evaluation prompt (`prompt_row`), each trained model under its run's `eval_prompts`
    (default: the prompt it trained with; the row is named after the run, or `<run>_<prompt>_prompt`
    for another prompt), and released checkpoints under the prompt each expects. An entry names
    the row (`method`), where it comes from (`source`), the model and the prompt."""
    entries = []
    for base in config["base_models"]:
        for prompt in config["evaluation"]["prompts"]:
            entries.append(
                dict(base_model=base, method=prompt_row(prompt), source="evaluated", model=base, prompt=prompt)
            )
        for run_name, run in config.get("train_runs", {}).items():
            trained_with = training_prompt(config, run_name)
            for prompt in run.get("eval_prompts", [trained_with]):
                method = run_name if prompt == trained_with else f"{run_name}_{prompt_row(prompt)}"
                entries.append(
                    dict(
                        base_model=base,
                        method=method,
                        source="trained",
                        model=trained_model(base, run_name),
                        prompt=prompt,
                        seed=run_spec(config, run_name, base)["seed"],
                    )
                )
        for name, released in released_models(config).items():
            if released["base_model"] == base:
                entries.append(
                    dict(
                        base_model=base,
                        method=name,
                        source="released_checkpoint",
                        model=name,
                        prompt=released["prompt"],
                    )
                )
    return entries


def seed_entries(config: dict) -> list[dict]:
    """The trained rows of Table 1 again, once per repeat seed, with the seed's model: Table 1
    shows their mean and spread over seeds; the other analyses use the first seed's models."""
    return [
        _with_seed(entry, seed)
        for seed in repeat_seeds(config)
        for entry in table_entries(config)
        if entry["source"] == "trained"
    ]


FORCED_MODES = {"think": "standard", "no_think": "no_thinking"}  # the prompts that force each mode


def decision_entries(config: dict) -> list[dict]:
    """With `evaluation.forced_modes`, every Table 1 row evaluated under the ellipsis prompt, whose
    choice of mode is judged against the same model with the mode forced (`report.decisions`)."""
    if not config["evaluation"].get("forced_modes"):
        return []
    return [entry for entry in table_entries(config) if entry["prompt"] == "ellipsis"]


def evaluations(config: dict) -> dict[tuple[str, str], list[str]]:
    """(base model, model) -> the prompts it is evaluated under: one evaluation per pair, whatever
    number of table rows share it; forced-mode evaluations included."""
    planned: dict[tuple[str, str], list[str]] = {}
    forced = [(entry, prompt) for entry in decision_entries(config) for prompt in FORCED_MODES.values()]
    rows = table_entries(config) + seed_entries(config)
    for entry, prompt in [(entry, entry["prompt"]) for entry in rows] + forced:
        prompts = planned.setdefault((entry["base_model"], entry["model"]), [])
        if prompt not in prompts:
            prompts.append(prompt)
    return planned
