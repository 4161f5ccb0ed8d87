# The tiny world: synthetic data and the distilled 0.6M-parameter R1-style base model.


rule tiny_data:
    output:
        train=DATASETS["train"]["source"],  # where the data rule expects them (autothink.plan.datasets)
        benchmarks=[DATASETS[bench]["source"] for bench in BENCHMARKS],
    log:
        f"{RUN}/logs/tiny_data.log",
    benchmark:
        f"{RUN}/timings/tiny_data.tsv"
    conda:
        CONDA_ENV
    params:
        spec=tiny_spec("train"),
        benchmarks=lambda wildcards, output: [f"{b}={path}" for b, path in zip(BENCHMARKS, output.benchmarks)],
    shell:
        "autothink tiny-data --spec {params.spec:q} --train {output.train} --benchmarks {params.benchmarks} > {log} 2>&1"


rule tiny_corpus:
    output:
        f"{RUN}/tiny/data/distill.parquet",
    log:
        f"{RUN}/logs/tiny_corpus.log",
    benchmark:
        f"{RUN}/timings/tiny_corpus.tsv"
    conda:
        CONDA_ENV
    params:
        spec=tiny_spec("distill", "teacher"),
    shell:
        "autothink tiny-data --spec {params.spec:q} --corpus {output} > {log} 2>&1"


rule distill:
    input:
        corpus=rules.tiny_corpus.output[0],
    output:
        model=directory(model_dir("tiny-r1")),
        train_log=f"{RUN}/tiny/distill_log.csv",
        summary=f"{RUN}/tiny/distill_summary.json",
    log:
        f"{RUN}/logs/distill.log",
    benchmark:
        f"{RUN}/timings/distill.tsv"
    conda:
        CONDA_ENV
    threads: config["tiny"]["distill_training"]["threads"]
    params:
        spec=as_json({"model": config["tiny"]["model"], "training": config["tiny"]["distill_training"]}),
    shell:
        "autothink distill --spec {params.spec:q} --corpus {input.corpus} --out {output.model}"
        " --train-log {output.train_log} --summary {output.summary} --threads {threads} > {log} 2>&1"


rule tiny_profile:
    input:
        model=rules.distill.output.model,
        problems=prepared_dataset("train"),
    output:
        csv=f"{RUN}/tiny/distilled_profile.csv",
        json=f"{RUN}/tiny/distilled_profile.json",
    log:
        f"{RUN}/logs/tiny_profile.log",
    benchmark:
        f"{RUN}/timings/tiny_profile.tsv"
    priority: 100  # right after the distillation, beside Stage 1 (training priorities are chain lengths)
    conda:
        CONDA_ENV
    threads: evaluation_threads
    params:
        spec=as_json({**config["tiny"]["profile"], "train_mix": config["tiny"]["train"]["mix"]}),
    shell:
        "autothink tiny-profile --spec {params.spec:q} --model {input.model} --problems {input.problems}"
        " --out-csv {output.csv} --out-json {output.json} --threads {threads} > {log} 2>&1"
