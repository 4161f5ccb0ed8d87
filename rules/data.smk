# Paper world: benchmarks and the RL training set from the hub or a local mirror.


rule prepare_dataset:
    output:
        f"{RUN}/data/{{dataset}}.parquet",
    params:
        spec=lambda wc: as_json(config["datasets"][dataset_key(wc.dataset)]),
        name=lambda wc: dataset_key(wc.dataset),
    log:
        f"{RUN}/logs/prepare_dataset/{{dataset}}.log",
    benchmark:
        f"{RUN}/benchmarks/prepare_dataset/{{dataset}}.tsv"
    shell:
        "autothink prepare-dataset --name {params.name} --spec {params.spec:q} --out {output} > {log} 2>&1"
