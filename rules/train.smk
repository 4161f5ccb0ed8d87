# GRPO training runs: AutoThink's three stages, the no-balance ablation and the trained baselines.
# Checkpoints go to a run directory that is not an output (Snakemake deletes the outputs of failed
# jobs), so a rerun of a killed job resumes from the newest checkpoint there.


def runs_after(run):
    """The longest chain of runs that start from `run`: chains start first, so that on few cores
    Stage 1 -> 2 -> 3 does not run alone at the end."""
    return max((1 + runs_after(other) for other, spec in TRAIN_RUNS.items() if spec["init"] == run), default=0)


rule train:
    input:
        unpack(train_input),
    output:
        directory(f"{RUN}/models/{{base}}.{{run}}"),
    wildcard_constraints:
        base="|".join(re.escape(m) for m in config["base_models"]),
        run="|".join(TRAIN_RUNS) or "^$",
    params:
        init=train_init,
        spec=lambda wildcards: as_json(train_spec(wildcards)),
        run_dir=f"{RUN}/train/{{base}}.{{run}}",
    threads: lambda wildcards: train_spec(wildcards)["threads"]
    priority: lambda wildcards: runs_after(wildcards.run)
    resources:
        gpu=config["training"].get("gpus", 0),
    log:
        f"{RUN}/logs/train/{{base}}.{{run}}.log",
    benchmark:
        f"{RUN}/benchmarks/train/{{base}}.{{run}}.tsv"
    shell:
        PIN_GPUS + TRAIN_LAUNCHER + " autothink.cli train --spec {params.spec:q} --init {params.init:q} --problems {input.problems}"
        " --out {output} --run-dir {params.run_dir} --threads {threads} > {log} 2>&1"
