# Table 1, mode choice by difficulty, plots, and the files `snakemake --report` collects.


rule table:
    input:
        metrics=[e["metrics"][b] for e in REPORT_ENTRIES + SEED_REPORT_ENTRIES for b in BENCHMARKS],
        samples=[e["samples"][b] for e in REPORT_ENTRIES for b in config["report"]["level_benchmarks"]],
        decisions=[e[part][b] for e in DECISION_ENTRIES for part in ("chosen", *FORCED_MODES) for b in BENCHMARKS],
        problems=[prepared_dataset(b) for b in config["report"]["level_benchmarks"]],
        reference=[REFERENCE["csv"]] if REFERENCE else [],
    output:
        csv=report(f"{RUN}/table1.csv", caption="../report/captions/table1.rst", category="1. Table 1"),
        intervals=f"{RUN}/table1_intervals.csv",
        md=f"{RUN}/table1.md",
        tex=f"{RUN}/table1.tex",
        html=report(f"{RUN}/table1.html", caption="../report/captions/table1.rst", category="1. Table 1"),
        levels=report(
            f"{RUN}/think_rate_by_level.csv", caption="../report/captions/levels.rst", category="3. Mode by difficulty"
        ),
        compared=f"{RUN}/paper_vs_reproduced.csv",
        seeds=f"{RUN}/table1_seeds.csv",
        decisions=report(
            f"{RUN}/decision_regret.csv", caption="../report/captions/decisions.rst", category="3. Mode by difficulty"
        ),
        explorer=report(f"{RUN}/explorer.html", caption="../report/captions/explorer.rst", category="6. Samples"),
        provenance=f"{RUN}/provenance.json",
    log:
        f"{RUN}/logs/table.log",
    benchmark:
        f"{RUN}/timings/table.tsv"
    conda:
        CONDA_ENV
    params:
        spec=as_json(table_spec()),
        outputs=lambda wildcards, output: as_json(dict(output.items())),
    shell:
        "autothink table --spec {params.spec:q} --outputs {params.outputs:q} > {log} 2>&1"


rule plots:
    input:
        table=f"{RUN}/table1.csv",
        intervals=f"{RUN}/table1_intervals.csv",
        levels=f"{RUN}/think_rate_by_level.csv",
        decisions=f"{RUN}/decision_regret.csv",
        samples=[
            e["samples"][b] for e in REPORT_ENTRIES if e["method"] in PLOT_SPEC["length_methods"] for b in BENCHMARKS
        ],
        models=[model for models in PLOT_SPEC["trained_models"].values() for model in models.values()],
        budget_curves=[path for curves in PLOT_SPEC["budget_curves"].values() for path in curves.values()],
    output:
        plot_files(),
    log:
        f"{RUN}/logs/plots.log",
    benchmark:
        f"{RUN}/timings/plots.tsv"
    conda:
        CONDA_ENV
    params:
        spec=as_json(PLOT_SPEC),
        outputs=as_json({base: {name: plot_stem(name, base) for name in PLOTS} for base in config["base_models"]}),
    shell:
        "autothink plots --spec {params.spec:q} --table {input.table} --intervals {input.intervals} --levels {input.levels}"
        " --decisions {input.decisions} --outputs {params.outputs:q} > {log} 2>&1"


rule effects:
    """Which of the paper's four effects this run shows, each with its figures (`autothink effects`)."""
    input:
        table=f"{RUN}/table1.csv",
        levels=f"{RUN}/think_rate_by_level.csv",
        models=[model for models in PLOT_SPEC["trained_models"].values() for model in models.values()],
    output:
        md=f"{RUN}/paper_effects.md",
        html=report(f"{RUN}/paper_effects.html", caption="../report/captions/effects.rst", category="1. Table 1"),
    log:
        f"{RUN}/logs/effects.log",
    benchmark:
        f"{RUN}/timings/effects.tsv"
    localrule: True
    conda:
        CONDA_ENV
    params:
        spec=as_json({key: PLOT_SPEC[key] for key in ("base_models", "stage_chain", "beside_first", "trained_models")}),
    shell:
        "autothink effects --spec {params.spec:q} --table {input.table} --levels {input.levels}"
        " --md {output.md} --html {output.html} > {log} 2>&1"


rule run_time:
    """Where this run's time went (`autothink run-time`): it waits for every other output, then
    reads their jobs' benchmark files."""
    input:
        final_outputs(),
    output:
        md=f"{RUN}/run_time.md",
        html=report(f"{RUN}/run_time.html", caption="../report/captions/run_time.rst", category="7. Run time"),
    log:
        f"{RUN}/logs/run_time.log",
    localrule: True
    conda:
        CONDA_ENV
    params:
        snakefile=workflow.main_snakefile,
        config=lambda wildcards: as_json(config),  # a function: Snakemake would read "{...}" in a string as wildcards
    shell:
        "autothink run-time --snakefile {params.snakefile:q} --config {params.config:q}"
        " --md {output.md} --html {output.html} > {log} 2>&1"
