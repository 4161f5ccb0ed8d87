"""Checks on the workflow config that a JSON schema cannot express (the schema runs first)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config value that is well-typed but inconsistent; the message names the key."""


def check_config(config: dict) -> None:
    tiny = config.get("tiny")
    if tiny is None:
        missing = [name for name in ["train", *config["benchmarks"]] if name not in config.get("datasets", {})]
        if missing:
            raise ConfigError(f"datasets has no entry for {missing} (needed when there is no `tiny` section)")
        return
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
