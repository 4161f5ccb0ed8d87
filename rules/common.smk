# Paths, settings shared by all rules, and the list of final outputs.
import json
import re

from autothink.plan import datasets, external_models, prompt_row, released_models, table_entries, trained_model
from autothink.prompts import GENERATION_PROMPTS
from autothink.provenance import seeds
from autothink.runs import run_spec

RUN = f"results/{config['run_name']}"
BENCHMARKS = list(config["benchmarks"])
PROMPTS = list(config["evaluation"]["prompts"])
TINY = "tiny" in config
RELEASED = released_models(config)
EXTERNAL_MODELS = external_models(config)
TRAIN_RUNS = config.get("train_runs", {})
DATASETS = datasets(config, RUN)


# On a shared workstation (profiles/local-gpu) each GPU job is pinned to free GPUs; SLURM pins
# them itself.
PIN_GPUS = "autothink pin-gpus --count {resources.gpu} -- " if config.get("pin_gpus") else ""


def shipped(text):
    """`{workflow_dir}` in a config value names the workflow's own folder, so files shipped with
    the workflow (accelerate/*.yaml, the paper's Table 1) are found from any `--directory`."""
    return text.replace("{workflow_dir}", workflow.basedir)


# The command that starts training (`python -m`, or `accelerate launch ... -m` for GPUs).
TRAIN_LAUNCHER = shipped(config.get("training", {}).get("launcher", "python -m"))


wildcard_constraints:
    prompt="|".join(GENERATION_PROMPTS),
    bench="|".join(BENCHMARKS),
    shard=r"\d+",
    model=r"[A-Za-z0-9_.-]+",


def all_cores(wildcards):
    """Threads of the model-running rules: every core Snakemake was given (read at run time, so
    `snakemake --report` works without --cores)."""
    return workflow.cores


def evaluation_threads(wildcards):
    """Threads of an evaluation job: `evaluation.threads` where set (several jobs side by side), else every core."""
    return config["evaluation"].get("threads", workflow.cores)


def as_json(obj):
    """A config section as a JSON string for a rule's `--spec` (quote with `:q` in shell)."""
    return json.dumps(obj, sort_keys=True)


def model_location(wildcards):
    """Hub id or local path of an external model; otherwise the folder the workflow builds."""
    return EXTERNAL_MODELS.get(wildcards.model, f"{RUN}/models/{wildcards.model}")


def model_input(wildcards):
    """Models built by the workflow are inputs (so they get built first); external ones are not."""
    return {} if wildcards.model in EXTERNAL_MODELS else {"model": f"{RUN}/models/{wildcards.model}"}


def dataset_key(dataset):
    """`eval/math500` -> `math500`: the config key under `datasets`."""
    return dataset.split("/")[-1]


def dataset_input(wildcards):
    """A dataset's source is an input when the workflow builds it (the tiny world's splits)."""
    source = DATASETS[dataset_key(wildcards.dataset)]["source"]
    return [source] if source.startswith(f"{RUN}/") else []


def train_spec(wildcards):
    """A run's settings: the shared `training` ones, the run's own, then its per-model overrides."""
    return run_spec(config, wildcards.run, wildcards.base)


def train_init(wildcards):
    """The model a run starts from: its base model or the same base model trained by `init`."""
    init = TRAIN_RUNS[wildcards.run]["init"]
    model = wildcards.base if init == "base" else trained_model(wildcards.base, init)
    return EXTERNAL_MODELS.get(model, f"{RUN}/models/{model}")


def train_input(wildcards):
    inputs = {"problems": f"{RUN}/data/train.parquet"}
    init = train_init(wildcards)
    if init.startswith(f"{RUN}/"):
        inputs["init"] = init
    return inputs


TABLE_ENTRIES = table_entries(config)


def final_outputs():
    outputs = []
    for entry in TABLE_ENTRIES:
        outputs += expand(f"{RUN}/metrics/{entry['model']}/{entry['prompt']}/{{bench}}.json", bench=BENCHMARKS)
    if TINY:
        outputs += [f"{RUN}/tiny/distilled_profile.json"]
    outputs += [f"{RUN}/table1.csv", f"{RUN}/plots/accuracy_vs_tokens_{config['base_models'][0]}.png"]
    return outputs
