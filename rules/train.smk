# GRPO training runs: AutoThink's three stages, the no-balance ablation and the trained baselines.
# Checkpoints go to a run directory that is not an output (Snakemake deletes the outputs of failed
# jobs), so a rerun of a killed job resumes from the newest checkpoint there.


rule train:
    input:
        unpack(train_input),
    output:
        directory(model_dir(trained_model("{base}", "{run}"))),
    log:
        f"{RUN}/logs/train/{{base}}.{{run}}.log",
    benchmark:
        f"{RUN}/timings/train/{{base}}.{{run}}.tsv"
    wildcard_constraints:
        base="|".join(re.escape(m) for m in config["base_models"]),
        run="|".join(TRAIN_RUNS) or "^$",
    priority: lambda wildcards: 1 + runs_after(wildcards.run)  # every training before any evaluation
    conda:
        CONDA_ENV
    threads: lambda wildcards: train_spec(wildcards)["threads"]
    resources:
        gpu=config["training"].get("gpus", 0),
    params:
        init=train_init,
        spec=lambda wildcards: as_json(train_spec(wildcards)),
        run_dir=train_run_dir,
        pin_gpus=pin_gpus,
    shell:  # the launcher may name the job's resources, e.g. --num_processes {resources.gpu}
        f"{{params.pin_gpus}}{TRAIN_LAUNCHER} autothink.cli train --spec {{params.spec:q}} --init {{params.init:q}}"
        " --problems {input.problems} --out {output} --run-dir {params.run_dir} --threads {threads} > {log} 2>&1"


# The same runs again with each of `repeat_seeds`: models <base>.<run>.seed<k>, each chain (Stage 1
# -> 2 -> 3) within one seed.
use rule train as train_seed with:
    output:
        directory(model_dir(trained_model("{base}", "{run}", "{seed}"))),
    log:
        f"{RUN}/logs/train/{{base}}.{{run}}.seed{{seed}}.log",
    benchmark:
        f"{RUN}/timings/train/{{base}}.{{run}}.seed{{seed}}.tsv"
