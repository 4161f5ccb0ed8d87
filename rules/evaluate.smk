# Evaluation: one job samples and scores every benchmark under one (model, prompt), so the model
# loads once; with `evaluation.group_prompts` (the tiny world), one job takes a model evaluated under
# every prompt through all of them, so the imports (~6 s a job on a CPU) are paid once, not three
# times. With `evaluation.shards: 1` the job also writes the per-benchmark samples and metrics; with
# more (the paper world: one GPU per shard) each shard job takes every n-th problem of each
# benchmark and `collect_shards` joins them.

SHARDS = config["evaluation"]["shards"]
PROMPTS = config["evaluation"]["prompts"]
EVAL_PROBLEMS = [prepared_dataset(bench) for bench in BENCHMARKS]


EVAL_OUTPUTS = {
    kind: [evaluation_file(kind, "{model}", "{prompt}", bench) for bench in BENCHMARKS]
    for kind in ("samples", "metrics")
}
EVALUATE = (
    "{params.pin_gpus}autothink evaluate --spec {params.spec:q} --model {params.model:q} --problems {input.problems}"
    " --benchmarks {params.benchmarks} --prompt {params.prompts} --threads {threads}"
)
EVERY_PROMPT_MODELS = models_under_every_prompt() if config["evaluation"]["group_prompts"] else []


if EVERY_PROMPT_MODELS:

    rule evaluate_every_prompt:
        input:
            unpack(model_input),
            problems=EVAL_PROBLEMS,
        output:
            **{
                kind: [evaluation_file(kind, "{model}", prompt, bench) for prompt in PROMPTS for bench in BENCHMARKS]
                for kind in ("samples", "metrics")
            },
        log:
            f"{RUN}/logs/evaluate/{{model}}/every_prompt.log",
        benchmark:
            f"{RUN}/timings/evaluate/{{model}}/every_prompt.tsv"
        wildcard_constraints:
            model="|".join(re.escape(m) for m in EVERY_PROMPT_MODELS),
        conda:
            CONDA_ENV
        threads: evaluation_threads
        resources:
            gpu=config["evaluation"].get("gpus", 0),
        params:
            model=model_location,
            spec=as_json(config["evaluation"]),
            benchmarks=BENCHMARKS,
            prompts=PROMPTS,
            pin_gpus=pin_gpus,
        shell:
            f"{EVALUATE} --samples {{output.samples}} --metrics {{output.metrics}} > {{log}} 2>&1"

    ruleorder: evaluate_every_prompt > evaluate


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
            prompts=lambda wildcards: wildcards.prompt,
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
            prompts=lambda wildcards: wildcards.prompt,
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
