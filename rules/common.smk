# Paths, settings shared by all rules, and the list of final outputs.
import json
import os
import re

from snakemake.exceptions import WorkflowError
from autothink.plan import FORCED_MODES, datasets, decision_entries, evaluations, external_models, prompt_row
from autothink.plan import seed_entries, table_entries, trained_model
from autothink.prompts import GENERATION_PROMPTS
from autothink.provenance import seeds
from autothink.runs import run_spec

RUN = f"results/{config['run_name']}"
BENCHMARKS = list(config["benchmarks"])
TINY = "tiny" in config
EXTERNAL_MODELS = external_models(config)
TRAIN_RUNS = config.get("train_runs", {})
DATASETS = datasets(config, RUN)


def evaluation_file(kind, model, prompt, bench):
    """The results layout of evaluations, in one place: per (model, prompt, benchmark) the scored
    samples (`kind` "samples", parquet) and their metrics (`kind` "metrics", JSON). Wildcards
    such as "{model}" pass through."""
    extension = {"samples": "parquet", "metrics": "json"}[kind]
    return f"{RUN}/{kind}/{model}/{prompt}/{bench}.{extension}"


def prepared_dataset(name):
    """A split, normalised by the prepare_dataset job: `train`, or a benchmark under eval/."""
    return f"{RUN}/data/{'' if name == 'train' else 'eval/'}{name}.parquet"


def budget_curve_file(model, prompt):
    """The thinking-budget curve of a model under a prompt (`autothink budget`)."""
    return f"{RUN}/budget/{model}/{prompt}.csv"


def model_dir(name):
    """A model the workflow builds (distilled or trained); wildcards such as "{model}" pass through."""
    return f"{RUN}/models/{name}"


def plot_stem(name, base):
    """A figure for one base model: the stem of its .png and .svg."""
    return f"{RUN}/plots/{name}_{base}"


def pin_gpus(wildcards, resources):
    """The command prefix of a GPU job: on a shared workstation (profiles/local-gpu) each job is
    pinned to free GPUs; SLURM pins them itself."""
    return f"autothink pin-gpus --count {resources.gpu} -- " if config.get("pin_gpus") else ""


def shipped(text):
    """`{workflow_dir}` in a config value names the workflow's own folder, so files shipped with
    the workflow (accelerate/*.yaml, the paper's Table 1) are found from any `--directory`."""
    return text.replace("{workflow_dir}", workflow.basedir)


# The software environment of every rule, for `--sdm conda` (envs/cpu.yaml or envs/gpu.yaml). The
# environment files install this workflow's own package from AUTOTHINK_WORKFLOW.
CONDA_ENV = f"{workflow.basedir}/{config['conda_env']}"
os.environ.setdefault("AUTOTHINK_WORKFLOW", workflow.basedir)


# The command that starts training (`python -m`, or `accelerate launch ... -m` for GPUs).
TRAIN_LAUNCHER = shipped(config.get("training", {}).get("launcher", "python -m"))


wildcard_constraints:
    prompt="|".join(GENERATION_PROMPTS),
    bench="|".join(BENCHMARKS),
    shard=r"\d+",
    model=r"[A-Za-z0-9_.-]+",


def evaluation_threads(wildcards):
    """Threads of an evaluation job: `evaluation.threads` where set (several jobs side by side), else
    every core; 1 where Snakemake has no core count (`snakemake --report` without --cores), since
    nothing runs then."""
    threads = config["evaluation"].get("threads")
    if threads is not None:
        return threads
    try:
        return workflow.cores
    except WorkflowError:
        return 1


def as_json(obj):
    """A config section as a JSON string for a rule's `--spec` (quote with `:q` in shell)."""
    return json.dumps(obj, sort_keys=True)


def model_location(wildcards):
    """Hub id or local path of an external model; otherwise the folder the workflow builds."""
    return EXTERNAL_MODELS.get(wildcards.model, model_dir(wildcards.model))


def model_input(wildcards):
    """Models built by the workflow are inputs (so they get built first); external ones are not."""
    return {} if wildcards.model in EXTERNAL_MODELS else {"model": model_dir(wildcards.model)}


def dataset_key(dataset):
    """`eval/math500` -> `math500`: the config key under `datasets`."""
    return dataset.split("/")[-1]


def dataset_input(wildcards):
    """A dataset's source is an input when the workflow builds it (the tiny world's splits)."""
    source = DATASETS[dataset_key(wildcards.dataset)]["source"]
    return [source] if source.startswith(f"{RUN}/") else []


def repeat_seed(wildcards):
    """The repeat seed of a training job (`train_seed`), None for the first seed's (`train`)."""
    return int(wildcards.seed) if "seed" in wildcards.keys() else None


def train_spec(wildcards):
    """A run's settings: the shared `training` ones, the run's own, then its per-model overrides."""
    return run_spec(config, wildcards.run, wildcards.base, repeat_seed(wildcards))


def train_init(wildcards):
    """The model a run starts from: its base model or the same base model trained by `init` (with
    the same seed)."""
    init = TRAIN_RUNS[wildcards.run]["init"]
    model = wildcards.base if init == "base" else trained_model(wildcards.base, init, repeat_seed(wildcards))
    return EXTERNAL_MODELS.get(model, model_dir(model))


def train_run_dir(wildcards):
    """Where a run keeps its checkpoints (not an output: a killed job resumes from them)."""
    return f"{RUN}/train/{trained_model(wildcards.base, wildcards.run, repeat_seed(wildcards))}"


def train_input(wildcards):
    inputs = {"problems": prepared_dataset("train")}
    init = train_init(wildcards)
    if init.startswith(f"{RUN}/"):
        inputs["init"] = init
    return inputs


TABLE_ENTRIES = table_entries(config)


SEED_ENTRIES = seed_entries(config)


def models_under_every_prompt():
    """The models evaluated under every configured prompt (Table 1's rows, forced modes and repeat
    seeds together): with `evaluation.group_prompts` one job evaluates each of them."""
    every = set(config["evaluation"]["prompts"])
    return sorted({model for (base, model), prompts in evaluations(config).items() if set(prompts) == every})


def final_outputs():
    outputs = []
    for entry in TABLE_ENTRIES + SEED_ENTRIES:
        outputs += [evaluation_file("metrics", entry["model"], entry["prompt"], bench) for bench in BENCHMARKS]
    if TINY:
        outputs += [f"{RUN}/tiny/distilled_profile.json"]
    outputs += [f"{RUN}/table1.csv", f"{RUN}/paper_effects.md"]
    outputs += [plot_stem("accuracy_vs_tokens", config["base_models"][0]) + ".png"]
    return outputs


# --- training ---


def runs_after(run):
    """The longest chain of runs that start from `run`: chains start first, so that on few cores
    Stage 1 -> 2 -> 3 does not run alone at the end. Training jobs rank above every evaluation
    (priority 0), so the short evaluations fill both cores at the end instead of one training
    running alone."""
    return max((1 + runs_after(other) for other, spec in TRAIN_RUNS.items() if spec["init"] == run), default=0)


# --- the tiny world ---


def tiny_spec(*keys):
    """The part of the `tiny` section a data rule depends on (so other changes do not rerun it)."""
    return as_json({key: config["tiny"][key] for key in ("seed", "levels", "benchmarks", *keys)})


# --- report ---


def with_files(entry):
    """A table entry with the samples and metrics file of its evaluation on each benchmark."""
    files = {
        kind: {b: evaluation_file(kind, entry["model"], entry["prompt"], b) for b in BENCHMARKS}
        for kind in ("samples", "metrics")
    }
    return {**entry, **files}


REPORT_ENTRIES = [with_files(entry) for entry in TABLE_ENTRIES]
SEED_REPORT_ENTRIES = [with_files(entry) for entry in SEED_ENTRIES]


def decision_files(entry):
    """A decision entry with the samples files of its model under its own prompt and each forced mode."""
    prompts = {"chosen": entry["prompt"], **FORCED_MODES}
    files = {
        part: {b: evaluation_file("samples", entry["model"], p, b) for b in BENCHMARKS} for part, p in prompts.items()
    }
    return {**entry, **files}


DECISION_ENTRIES = [decision_files(entry) for entry in decision_entries(config)]
BUDGET_ENTRIES = [entry for entry in TABLE_ENTRIES if entry["method"] in config["report"]["budget_rows"]]


def table_spec():
    spec = {
        "entries": REPORT_ENTRIES,
        "seed_entries": SEED_REPORT_ENTRIES,
        "benchmarks": BENCHMARKS,
        "level_benchmarks": config["report"]["level_benchmarks"],
        "decisions": DECISION_ENTRIES,
        "oracle_tolerance": config["report"]["oracle_tolerance"],
        "explorer": {  # the sample explorer: golds from the prepared benchmarks
            "per_cell": config["report"]["explorer_samples"],
            "problems": {b: prepared_dataset(b) for b in config["report"]["level_benchmarks"]},
        },
        "provenance": {  # the seeds, and the summaries that record where each model was made
            "seeds": seeds(config),
            "models": [
                model_dir(m) for m in dict.fromkeys(e["model"] for e in TABLE_ENTRIES if e["source"] == "trained")
            ],
            "summaries": [f"{RUN}/tiny/distill_summary.json"] if TINY else [],
        },
    }
    if REFERENCE:
        spec["reference"] = REFERENCE
    return spec


REFERENCE = config["report"].get("reference")
if REFERENCE:
    REFERENCE = {**REFERENCE, "csv": shipped(REFERENCE["csv"])}


PLOTS = {  # figure (and its caption in report/captions/) -> report category
    "accuracy_vs_tokens": "2. Accuracy vs tokens",
    "no_think_by_level": "3. Mode by difficulty",
    "stage_curves": "4. Training curves",
    "length_distributions": "5. Response lengths",
    "decisions_by_level": "3. Mode by difficulty",
}


def plot_files():
    """PNG and SVG of every figure per base model, flagged for the report (the PNG is what it shows)."""
    files = []
    for name, category in PLOTS.items():
        for base in config["base_models"]:
            stem, caption = plot_stem(name, base), f"../report/captions/{name}.rst"
            files += [report(f"{stem}.png", caption=caption, category=category, subcategory=base), f"{stem}.svg"]
    return files


def plot_spec():
    chain = [run for run in config["report"]["stage_chain"] if run in TRAIN_RUNS]
    beside = [run for run in config["report"]["beside_first"] if run in TRAIN_RUNS]
    return {
        "base_models": config["base_models"],
        "stage_chain": chain,
        "beside_first": beside,
        "trained_models": {
            base: {run: model_dir(trained_model(base, run)) for run in chain + beside} for base in config["base_models"]
        },
        "budget_curves": {
            base: {
                e["method"]: budget_curve_file(e["model"], e["prompt"])
                for e in BUDGET_ENTRIES
                if e["base_model"] == base
            }
            for base in config["base_models"]
        },
        "level_methods": [prompt_row("ellipsis"), *chain, *beside],
        "length_methods": [prompt_row("ellipsis"), *chain[-1:]],
        "entries": REPORT_ENTRIES,
        "benchmarks": BENCHMARKS,
    }


PLOT_SPEC = plot_spec()
