# Benchmarks and the RL training set, normalised and checked: from the hub or a local mirror in
# the paper world, from the synthetic splits in the tiny world.


rule prepare_dataset:
    input:
        dataset_input,
    output:
        f"{RUN}/data/{{dataset}}.parquet",  # dataset: train or eval/<benchmark> (prepared_dataset)
    log:
        f"{RUN}/logs/prepare_dataset/{{dataset}}.log",
    benchmark:
        f"{RUN}/timings/prepare_dataset/{{dataset}}.tsv"
    conda:
        CONDA_ENV
    params:
        spec=lambda wc: as_json(DATASETS[dataset_key(wc.dataset)]),
        name=lambda wc: dataset_key(wc.dataset),
    shell:
        "autothink prepare-dataset --name {params.name} --spec {params.spec:q} --out {output} > {log} 2>&1"
