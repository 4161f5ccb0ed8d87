# Paths, settings shared by all rules, and the list of final outputs.
import json

RUN = f"results/{config['run_name']}"
BENCHMARKS = list(config["benchmarks"])
PROMPTS = list(config["evaluation"]["prompts"])
TINY = "tiny" in config
EXTERNAL_MODELS = config.get("external_models", {})


def tiny_datasets():
    """The tiny world's splits as `datasets` entries: they go through the same data rule."""
    splits = {"train": config["tiny"]["train"], **config["tiny"]["benchmarks"]}
    return {
        name: {
            "source": f"{RUN}/tiny/data/{'' if name == 'train' else 'eval/'}{name}.parquet",
            "count": spec["n"],
            "fields": {"id": "id", "level": "level"},
        }
        for name, spec in splits.items()
    }


DATASETS = tiny_datasets() if TINY else config["datasets"]


wildcard_constraints:
    prompt="|".join(PROMPTS),
    bench="|".join(BENCHMARKS),
    shard=r"\d+",
    model=r"[A-Za-z0-9_.-]+",


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


def final_outputs():
    outputs = expand(
        f"{RUN}/metrics/{{model}}/{{prompt}}/{{bench}}.json",
        model=config["base_models"],
        prompt=PROMPTS,
        bench=BENCHMARKS,
    )
    if TINY:
        outputs += [f"{RUN}/tiny/distilled_profile.json"]
    return outputs
