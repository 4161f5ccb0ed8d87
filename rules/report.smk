# Table 1, mode choice by difficulty, plots, and the files `snakemake --report` collects.


def table_spec():
    spec = {
        "entries": TABLE_ENTRIES,
        "benchmarks": BENCHMARKS,
        "level_benchmarks": config["report"]["level_benchmarks"],
        "provenance": {  # the seeds, and the summaries that record where each model was made
            "seeds": seeds(config),
            "summaries": [f"{RUN}/models/{m}/training_summary.json" for m in dict.fromkeys(e["model"] for e in TABLE_ENTRIES if e["source"] == "trained")]
            + ([f"{RUN}/tiny/distill_summary.json"] if TINY else []),
        },
    }
    if REFERENCE:
        spec["reference"] = REFERENCE
    return spec


REFERENCE = config["report"].get("reference")
if REFERENCE:
    REFERENCE = {**REFERENCE, "csv": shipped(REFERENCE["csv"])}


rule table:
    input:
        metrics=[f"{RUN}/metrics/{e['model']}/{e['prompt']}/{b}.json" for e in TABLE_ENTRIES for b in BENCHMARKS],
        samples=[
            f"{RUN}/samples/{e['model']}/{e['prompt']}/{b}.parquet"
            for e in TABLE_ENTRIES
            for b in config["report"]["level_benchmarks"]
        ],
        reference=[REFERENCE["csv"]] if REFERENCE else [],
    output:
        csv=report(f"{RUN}/table1.csv", caption="../report/captions/table1.rst", category="1. Table 1"),
        intervals=f"{RUN}/table1_intervals.csv",
        md=f"{RUN}/table1.md",
        tex=f"{RUN}/table1.tex",
        html=report(f"{RUN}/table1.html", caption="../report/captions/table1.rst", category="1. Table 1"),
        levels=report(f"{RUN}/think_rate_by_level.csv", caption="../report/captions/levels.rst", category="3. Mode by difficulty"),
        compared=f"{RUN}/paper_vs_reproduced.csv",
        provenance=f"{RUN}/provenance.json",
    params:
        spec=as_json(table_spec()),
    log:
        f"{RUN}/logs/table.log",
    benchmark:
        f"{RUN}/benchmarks/table.tsv"
    shell:
        "autothink table --spec {params.spec:q} --metrics-dir {RUN}/metrics --samples-dir {RUN}/samples"
        " --out-dir {RUN} > {log} 2>&1"


def plot_files(name, caption, category):
    """PNG and SVG per base model, flagged for the report (the PNG is what it shows)."""
    files = []
    for base in config["base_models"]:
        png, svg = f"{RUN}/plots/{name}_{base}.png", f"{RUN}/plots/{name}_{base}.svg"
        files += [report(png, caption=f"../report/captions/{caption}.rst", category=category, subcategory=base), svg]
    return files


def plot_spec():
    chain = [run for run in config["report"]["stage_chain"] if run in TRAIN_RUNS]
    beside = [run for run in config["report"]["beside_first"] if run in TRAIN_RUNS]
    return {
        "base_models": config["base_models"],
        "stage_chain": chain,
        "beside_first": beside,
        "level_methods": [prompt_row("ellipsis"), *chain, *beside],
        "length_methods": [prompt_row("ellipsis"), *chain[-1:]],
        "entries": TABLE_ENTRIES,
        "benchmarks": BENCHMARKS,
    }


PLOT_SPEC = plot_spec()


rule plots:
    input:
        table=f"{RUN}/table1.csv",
        intervals=f"{RUN}/table1_intervals.csv",
        levels=f"{RUN}/think_rate_by_level.csv",
        samples=[
            f"{RUN}/samples/{e['model']}/{e['prompt']}/{b}.parquet"
            for e in TABLE_ENTRIES
            if e["method"] in PLOT_SPEC["length_methods"]
            for b in BENCHMARKS
        ],
        models=[
            f"{RUN}/models/{trained_model(base, run)}"
            for base in config["base_models"]
            for run in PLOT_SPEC["stage_chain"] + PLOT_SPEC["beside_first"]
        ],
    output:
        plot_files("accuracy_vs_tokens", "accuracy_vs_tokens", "2. Accuracy vs tokens"),
        plot_files("no_think_by_level", "no_think_by_level", "3. Mode by difficulty"),
        plot_files("stage_curves", "stage_curves", "4. Training curves"),
        plot_files("length_distributions", "length_distributions", "5. Response lengths"),
    params:
        spec=as_json(PLOT_SPEC),
    log:
        f"{RUN}/logs/plots.log",
    benchmark:
        f"{RUN}/benchmarks/plots.tsv"
    shell:
        "autothink plots --spec {params.spec:q} --run-dir {RUN} --out-dir {RUN}/plots > {log} 2>&1"
