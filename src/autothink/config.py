"""Checks on the workflow config that a JSON schema cannot express (the schema runs first)."""

from __future__ import annotations

from autothink.runs import grpo_settings, run_spec


class ConfigError(ValueError):
    """A config value that is well-typed but inconsistent; the message names the key."""


def check_train_runs(config: dict) -> None:
    """Every run starts from `base` or another run (no cycles), names a known reward method with
    parameters it accepts, and overrides settings only for models the config knows."""
    from autothink.methods import ADAPTIVE_TARGETS, check_method

    runs = config.get("train_runs", {})
    if runs and "training" not in config:
        raise ConfigError("train_runs needs the shared `training` settings")
    for name, run in runs.items():
        params = dict(run["reward"])
        if "target_monitor" in run:
            if run["reward_method"] not in ADAPTIVE_TARGETS or "targets" in params:
                raise ConfigError(
                    f"train_runs.{name}.target_monitor chooses the targets of {' or '.join(ADAPTIVE_TARGETS)};"
                    f" this run is {run['reward_method']!r}"
                    + (" and also sets reward.targets" if "targets" in params else "")
                )
            params["targets"] = {}  # chosen during training
        try:
            check_method(run["reward_method"], params)
        except ValueError as error:
            raise ConfigError(f"train_runs.{name}: {error}") from error
        unknown = set(run.get("overrides", {})) - set(config["base_models"]) - set(config.get("external_models", {}))
        if unknown:
            raise ConfigError(
                f"train_runs.{name}.overrides names {sorted(unknown)}, which are neither base_models nor"
                " external_models"
            )
        seen = [name]
        while run["init"] != "base":
            if run["init"] not in runs:
                raise ConfigError(f"train_runs.{seen[-1]}.init is {run['init']!r}: neither `base` nor a run name")
            if run["init"] in seen:
                raise ConfigError(f"train_runs form a cycle: {' -> '.join(seen + [run['init']])}")
            seen.append(run["init"])
            run = runs[run["init"]]
    for seed in config.get("repeat_seeds", []):
        clash = [
            f"train_runs.{name}" for name in runs if run_spec(config, name, config["base_models"][0])["seed"] == seed
        ]
        if clash:
            raise ConfigError(f"repeat_seeds lists {seed}, the seed {', '.join(clash)} already trains with")
    for name in runs:  # once every run is well-formed: the settings each becomes, per base model
        for base in config["base_models"]:
            check_run_settings(config, name, base)


def check_run_settings(config: dict, name: str, base: str) -> None:
    """The merged settings of one run for one base model become valid TRL settings: batches that
    split, no `grpo` field that the workflow sets itself, no `grpo` field TRL does not know."""
    from dataclasses import fields

    from trl import GRPOConfig

    spec = run_spec(config, name, base)
    where = f"train_runs.{name}" + (f" (for {base})" if base in config["train_runs"][name].get("overrides", {}) else "")
    world = max(1, config["train_runs"][name].get("gpus", config["training"].get("gpus", 1)))
    try:
        grpo_settings(spec, "checkpoints", world, use_cpu=False)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from error
    monitor = spec.get("target_monitor")
    if monitor and monitor["lower_bound"] > spec["max_completion_length"]:
        raise ConfigError(
            f"{where}: target_monitor.lower_bound {monitor['lower_bound']} exceeds max_completion_length"
            f" {spec['max_completion_length']}: no target to choose from"
        )
    unknown = sorted(set(spec.get("grpo", {})) - {field.name for field in fields(GRPOConfig)})
    if unknown:
        raise ConfigError(f"{where}: grpo sets {unknown}, which are not trl.GRPOConfig fields")


def check_report(config: dict) -> None:
    """Runs named in the plot settings exist; released checkpoints name a known base model
    (a typo would silently drop a curve or a Table 1 row)."""
    runs = config.get("train_runs", {})
    for key in ("stage_chain", "beside_first"):
        unknown = [name for name in config.get("report", {}).get(key, []) if name not in runs]
        if unknown:
            raise ConfigError(f"report.{key} names {unknown}, which are not train_runs")
    models = set(config["base_models"]) | set(config.get("external_models", {}))
    for name, released in config.get("released_models", {}).items():
        if released["base_model"] not in models:
            raise ConfigError(
                f"released_models.{name}.base_model is {released['base_model']!r}, neither a base model nor an"
                " external model"
            )


def check_shards(config: dict) -> None:
    """Every evaluation shard gets problems of every benchmark (where the sizes are known)."""
    shards = config["evaluation"]["shards"]
    tiny = config.get("tiny")
    sizes = (
        {name: spec["n"] for name, spec in tiny["benchmarks"].items()}
        if tiny
        else {
            name: spec["count"]
            for name, spec in config.get("datasets", {}).items()
            if name in config["benchmarks"] and "count" in spec
        }
    )
    small = {name: n for name, n in sizes.items() if n < shards}
    if small:
        raise ConfigError(f"evaluation.shards is {shards} but {small} have fewer problems: some shards would get none")
    if shards > 1 and config["evaluation"].get("group_prompts"):
        raise ConfigError(
            f"evaluation.group_prompts needs evaluation.shards: 1 (it is {shards}): a grouped job covers every problem"
        )


PROMPT_KEYS = ("prompt", "prompts", "eval_prompts")  # config keys whose values name generation prompts


def check_prompts(config, where: str = "") -> None:
    """Every generation prompt the config names is one that `autothink.prompts` defines (the schema
    only knows they are strings, so the names live in one place)."""
    from autothink.prompts import GENERATION_PROMPTS

    if isinstance(config, dict):
        for key, value in config.items():
            here = f"{where}.{key}" if where else str(key)
            if key in PROMPT_KEYS and isinstance(value, (str, list)):
                unknown = [
                    name for name in ([value] if isinstance(value, str) else value) if name not in GENERATION_PROMPTS
                ]
                if unknown:
                    raise ConfigError(f"{here} names {unknown}: generation prompts are {list(GENERATION_PROMPTS)}")
            else:
                check_prompts(value, here)


def check_config(config: dict) -> None:
    check_prompts(config)
    check_train_runs(config)
    check_report(config)
    check_shards(config)
    tiny = config.get("tiny")
    if tiny is None:
        missing = [name for name in ["train", *config["benchmarks"]] if name not in config.get("datasets", {})]
        if missing:
            raise ConfigError(f"datasets has no entry for {missing} (needed when there is no `tiny` section)")
        return
    if "datasets" in config:
        raise ConfigError("datasets must not be set in the tiny world: its splits are generated by the tiny_data rule")
    n_levels = len(tiny["levels"])
    mixes = {f"tiny.benchmarks.{name}.mix": spec["mix"] for name, spec in tiny["benchmarks"].items()}
    mixes["tiny.train.mix"] = tiny["train"]["mix"]
    mixes["tiny.distill.mix"] = tiny["distill"]["mix"]
    for key, mix in mixes.items():
        if len(mix) != n_levels:
            raise ConfigError(f"{key} has {len(mix)} weights but tiny.levels has {n_levels} levels")
        if sum(mix) <= 0:
            raise ConfigError(f"{key} must have a positive sum")
    if set(tiny["benchmarks"]) != set(config["benchmarks"]):
        raise ConfigError(
            f"tiny.benchmarks defines {sorted(tiny['benchmarks'])} but benchmarks lists {sorted(config['benchmarks'])}"
        )
    if sum(tiny["distill"]["kinds"].values()) <= 0:
        raise ConfigError("tiny.distill.kinds must have a positive sum")
    positions = tiny["model"]["max_position_embeddings"]
    vllm_length = config["evaluation"].get("vllm", {}).get("max_model_len", 0)
    if vllm_length > positions:
        raise ConfigError(
            f"evaluation.vllm.max_model_len is {vllm_length} but the tiny model has {positions} positions"
            " (tiny.model.max_position_embeddings): vLLM would refuse to start on a GPU machine"
        )
