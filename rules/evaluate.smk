# Evaluation: one job samples and scores every benchmark under one (model, prompt), so the model
# loads once. With `evaluation.shards: 1` (the tiny world) that job also writes the per-benchmark
# samples and metrics; with more (the paper world: one GPU per shard) each shard job takes every
# n-th problem of each benchmark and `collect_shards` joins them.

SHARDS = config["evaluation"]["shards"]
EVAL_PROBLEMS = [prepared_dataset(bench) for bench in BENCHMARKS]


EVAL_OUTPUTS = {
    kind: [evaluation_file(kind, "{model}", "{prompt}", bench) for bench in BENCHMARKS]
    for kind in ("samples", "metrics")
}
EVALUATE = (
    "{params.pin_gpus}autothink evaluate --spec {params.spec:q} --model {params.model:q} --problems {input.problems}"
    " --benchmarks {params.benchmarks} --prompt {wildcards.prompt} --threads {threads}"
)


if SHARDS == 1:

    rule evaluate:
        input:
            unpack(model_input),
            problems=EVAL_PROBLEMS,
        output:
            **EVAL_OUTPUTS,
        log:
            f"{RUN}/logs/evaluate/{{model}}/{{prompt}}.log",
        benchmark:
            f"{RUN}/timings/evaluate/{{model}}/{{prompt}}.tsv"
        conda:
            CONDA_ENV
        threads: evaluation_threads
        resources:
            gpu=config["evaluation"].get("gpus", 0),
        params:
            model=model_location,
            spec=as_json(config["evaluation"]),
            benchmarks=BENCHMARKS,
            pin_gpus=pin_gpus,
        shell:
            f"{EVALUATE} --samples {{output.samples}} --metrics {{output.metrics}} > {{log}} 2>&1"

else:

    rule evaluate_shard:
        input:
            unpack(model_input),
            problems=EVAL_PROBLEMS,
        output:
            f"{RUN}/samples/{{model}}/{{prompt}}/shards/shard{{shard}}.parquet",
        log:
            f"{RUN}/logs/evaluate/{{model}}/{{prompt}}/shard{{shard}}.log",
        benchmark:
            f"{RUN}/timings/evaluate/{{model}}/{{prompt}}/shard{{shard}}.tsv"
        conda:
            CONDA_ENV
        threads: evaluation_threads
        resources:
            gpu=config["evaluation"].get("gpus", 0),
        params:
            model=model_location,
            spec=as_json(config["evaluation"]),
            benchmarks=BENCHMARKS,
            pin_gpus=pin_gpus,
        shell:
            f"{EVALUATE} --shard {{wildcards.shard}} --shards {SHARDS} --shard-out {{output}} > {{log}} 2>&1"

    rule collect_shards:
        input:
            expand(f"{RUN}/samples/{{{{model}}}}/{{{{prompt}}}}/shards/shard{{shard}}.parquet", shard=range(SHARDS)),
        output:
            **EVAL_OUTPUTS,
        log:
            f"{RUN}/logs/collect_shards/{{model}}/{{prompt}}.log",
        benchmark:
            f"{RUN}/timings/collect_shards/{{model}}/{{prompt}}.tsv"
        conda:
            CONDA_ENV
        params:
            spec=as_json({k: config["evaluation"][k] for k in ("pass_k", "bootstrap")}),
            benchmarks=BENCHMARKS,
        shell:
            "autothink collect --spec {params.spec:q} --shards {input} --benchmarks {params.benchmarks}"
            " --samples {output.samples} --metrics {output.metrics} > {log} 2>&1"


rule budget:
    input:
        unpack(model_input),
        problems=EVAL_PROBLEMS,
        samples=[evaluation_file("samples", "{model}", "{prompt}", bench) for bench in BENCHMARKS],
    output:
        budget_curve_file("{model}", "{prompt}"),
    log:
        f"{RUN}/logs/budget/{{model}}/{{prompt}}.log",
    benchmark:
        f"{RUN}/timings/budget/{{model}}/{{prompt}}.tsv"
    conda:
        CONDA_ENV
    threads: evaluation_threads
    resources:
        gpu=config["evaluation"].get("gpus", 0),
    params:
        model=model_location,
        spec=as_json(
            {
                "evaluation": config["evaluation"],
                "budgets": config["report"]["budgets"],
                "answer_tokens": config["report"]["budget_answer_tokens"],
            }
        ),
        benchmarks=BENCHMARKS,
        pin_gpus=pin_gpus,
    shell:
        "{params.pin_gpus}autothink budget --spec {params.spec:q} --model {params.model:q} --prompt {wildcards.prompt}"
        " --benchmarks {params.benchmarks} --problems {input.problems} --samples {input.samples} --out {output}"
        " --threads {threads} > {log} 2>&1"
