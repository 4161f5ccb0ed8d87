# Evaluation: sample every (model, prompt, benchmark) in shards, merge, and compute metrics.


rule evaluate_shard:
    input:
        unpack(model_input),
        problems=f"{RUN}/data/eval/{{bench}}.parquet",
    output:
        f"{RUN}/samples/{{model}}/{{prompt}}/{{bench}}/shard{{shard}}.parquet",
    params:
        model=model_location,
        spec=as_json(config["evaluation"]),
        shards=config["evaluation"]["shards"],
    threads: all_cores
    resources:
        gpu=config["evaluation"].get("gpus", 0),
    log:
        f"{RUN}/logs/evaluate/{{model}}/{{prompt}}/{{bench}}/shard{{shard}}.log",
    benchmark:
        f"{RUN}/benchmarks/evaluate/{{model}}/{{prompt}}/{{bench}}/shard{{shard}}.tsv"
    shell:
        PIN_GPUS + "autothink evaluate --spec {params.spec:q} --model {params.model:q} --problems {input.problems}"
        " --prompt {wildcards.prompt} --shard {wildcards.shard} --shards {params.shards}"
        " --out {output} --threads {threads} > {log} 2>&1"


rule merge_samples:
    input:
        expand(
            f"{RUN}/samples/{{{{model}}}}/{{{{prompt}}}}/{{{{bench}}}}/shard{{shard}}.parquet",
            shard=range(config["evaluation"]["shards"]),
        ),
    output:
        f"{RUN}/samples/{{model}}/{{prompt}}/{{bench}}.parquet",
    log:
        f"{RUN}/logs/merge_samples/{{model}}/{{prompt}}/{{bench}}.log",
    benchmark:
        f"{RUN}/benchmarks/merge_samples/{{model}}/{{prompt}}/{{bench}}.tsv"
    shell:
        "autothink merge-samples --shards {input} --out {output} > {log} 2>&1"


rule metrics:
    input:
        f"{RUN}/samples/{{model}}/{{prompt}}/{{bench}}.parquet",
    output:
        f"{RUN}/metrics/{{model}}/{{prompt}}/{{bench}}.json",
    params:
        spec=as_json({k: config["evaluation"][k] for k in ("pass_k", "bootstrap")}),
    log:
        f"{RUN}/logs/metrics/{{model}}/{{prompt}}/{{bench}}.log",
    benchmark:
        f"{RUN}/benchmarks/metrics/{{model}}/{{prompt}}/{{bench}}.tsv"
    shell:
        "autothink metrics --spec {params.spec:q} --samples {input} --out {output} > {log} 2>&1"
