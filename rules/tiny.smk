# The tiny world: synthetic data and the distilled ~1M-parameter R1-style base model.


def tiny_spec(*keys):
    """The part of the `tiny` section a data rule depends on (so other changes do not rerun it)."""
    return as_json({key: config["tiny"][key] for key in ("seed", "levels", "benchmarks", *keys)})


rule tiny_data:
    output:
        train=f"{RUN}/tiny/data/train.parquet",
        benchmarks=expand(f"{RUN}/tiny/data/eval/{{bench}}.parquet", bench=BENCHMARKS),
    params:
        spec=tiny_spec("train"),
        out_dir=f"{RUN}/tiny/data",
    log:
        f"{RUN}/logs/tiny_data.log",
    benchmark:
        f"{RUN}/benchmarks/tiny_data.tsv"
    shell:
        "autothink tiny-data --parts splits --spec {params.spec:q} --out-dir {params.out_dir} > {log} 2>&1"


rule tiny_corpus:
    output:
        f"{RUN}/tiny/data/distill.parquet",
    params:
        spec=tiny_spec("distill", "teacher"),
        out_dir=f"{RUN}/tiny/data",
    log:
        f"{RUN}/logs/tiny_corpus.log",
    benchmark:
        f"{RUN}/benchmarks/tiny_corpus.tsv"
    shell:
        "autothink tiny-data --parts corpus --spec {params.spec:q} --out-dir {params.out_dir} > {log} 2>&1"


rule distill:
    input:
        corpus=f"{RUN}/tiny/data/distill.parquet",
    output:
        model=directory(f"{RUN}/models/tiny-r1"),
        train_log=f"{RUN}/tiny/distill_log.csv",
        summary=f"{RUN}/tiny/distill_summary.json",
    params:
        spec=as_json({"model": config["tiny"]["model"], "training": config["tiny"]["distill_training"]}),
    threads: all_cores
    log:
        f"{RUN}/logs/distill.log",
    benchmark:
        f"{RUN}/benchmarks/distill.tsv"
    shell:
        "autothink distill --spec {params.spec:q} --corpus {input.corpus} --out {output.model}"
        " --train-log {output.train_log} --summary {output.summary} --threads {threads} > {log} 2>&1"


rule tiny_profile:
    input:
        model=f"{RUN}/models/tiny-r1",
        problems=f"{RUN}/data/train.parquet",
    output:
        csv=f"{RUN}/tiny/distilled_profile.csv",
        json=f"{RUN}/tiny/distilled_profile.json",
    params:
        spec=as_json({**config["tiny"]["profile"], "train_mix": config["tiny"]["train"]["mix"]}),
    threads: all_cores
    log:
        f"{RUN}/logs/tiny_profile.log",
    benchmark:
        f"{RUN}/benchmarks/tiny_profile.tsv"
    shell:
        "autothink tiny-profile --spec {params.spec:q} --model {input.model} --problems {input.problems}"
        " --out-csv {output.csv} --out-json {output.json} --threads {threads} > {log} 2>&1"
