"""Command-line entry point: one subcommand per workflow rule.

Rules pass their settings as one JSON object (``--spec``), taken from the validated config, so a
rule's inputs, outputs and parameters are all visible in the Snakefile and a changed setting
reruns exactly the rules that use it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from autothink.atomic import atomic_path, write_parquet, write_text
from autothink.prompts import GENERATION_PROMPTS
from autothink.provenance import environment, gather
from autothink.runs import STEP_LOG, TRAINING_SUMMARY

log = logging.getLogger("autothink")


def _threads(n: int) -> None:
    import torch  # only the rules that run a model pay for importing torch

    torch.set_num_threads(max(1, n))


def cmd_tiny_data(args: argparse.Namespace) -> None:
    from autothink.tiny.data import make_tiny_data

    benchmarks = dict(pair.split("=", 1) for pair in args.benchmarks) if args.benchmarks else None
    make_tiny_data(args.spec, train=args.train, benchmarks=benchmarks, corpus=args.corpus)
    log.info("wrote %s", ", ".join(str(p) for p in [args.train, *(benchmarks or {}).values(), args.corpus] if p))


def cmd_distill(args: argparse.Namespace) -> None:
    from autothink.tiny.distill import distill

    _threads(args.threads)
    summary = {
        **distill(args.corpus, args.out, args.spec["model"], args.spec["training"], args.train_log),
        "environment": environment(),
    }
    log.info("distilled: %s", summary)
    write_text(args.summary, json.dumps(summary, indent=2) + "\n")


def cmd_tiny_profile(args: argparse.Namespace) -> None:
    import pandas as pd

    from autothink.generate import Sampling
    from autothink.tiny.profile import by_prompt_and_level, mode_accuracy_ratio, sample_modes

    _threads(args.threads)
    spec = args.spec
    problems = pd.concat([pd.read_parquet(p) for p in args.problems], ignore_index=True)
    per_level = problems.groupby("level").head(spec["problems_per_level"])
    sampling = Sampling(**spec["sampling"])
    samples = sample_modes(args.model, per_level, spec["prompts"], sampling, spec["batch_size"])
    summary = by_prompt_and_level(samples)
    with atomic_path(args.out_csv) as path:
        summary.to_csv(path, index=False)
    figures = {
        "no_think_to_think_accuracy_on_train_mix": mode_accuracy_ratio(summary, spec["train_mix"]),
        "per_prompt_level": summary.to_dict(orient="records"),
    }
    write_text(args.out_json, json.dumps(figures, indent=2) + "\n")
    log.info("profile:\n%s", summary.to_string(index=False, float_format="%.3f"))


def cmd_prepare_dataset(args: argparse.Namespace) -> None:
    from autothink.data import prepare

    frame = prepare(args.name, args.spec, args.out)
    log.info("%s: %d problems -> %s", args.name, len(frame), args.out)


def _benchmark_outputs(benchmarks: list[str], samples: list[str], metrics: list[str]) -> dict[str, tuple[str, str]]:
    """Benchmark -> (samples file, metrics file), from three lists the rule gives in one order."""
    if not (len(benchmarks) == len(samples) == len(metrics)):
        raise SystemExit(
            f"autothink: {len(benchmarks)} --benchmarks, {len(samples)} --samples and {len(metrics)} --metrics files"
        )
    return {bench: (sample, metric) for bench, sample, metric in zip(benchmarks, samples, metrics)}


def _prompt_outputs(args: argparse.Namespace) -> dict[str, dict[str, tuple[str, str]]]:
    """Prompt -> benchmark -> files; the rule lists every benchmark's files of each prompt in turn."""
    n = len(args.benchmarks)
    if not (len(args.samples) == len(args.metrics) == n * len(args.prompt)):
        raise SystemExit(
            f"autothink evaluate: {len(args.prompt)} --prompt x {n} --benchmarks need as many --samples and"
            f" --metrics files, got {len(args.samples)} and {len(args.metrics)}"
        )
    return {
        prompt: _benchmark_outputs(
            args.benchmarks, args.samples[i * n : (i + 1) * n], args.metrics[i * n : (i + 1) * n]
        )
        for i, prompt in enumerate(args.prompt)
    }


def cmd_evaluate(args: argparse.Namespace) -> None:
    """Each prompt in turn, in one process (a model evaluated under several prompts pays for the
    imports once); every prompt's sampling is seeded as in a job of its own."""
    import dataclasses

    from autothink.evaluate import read_benchmarks, score_samples, write_benchmarks
    from autothink.generate import Sampling, sample

    if not args.shard_out and not (args.samples and args.metrics):
        raise SystemExit("autothink evaluate: give --shard-out, or --samples and --metrics per benchmark")
    if args.shard_out and len(args.prompt) != 1:
        raise SystemExit("autothink evaluate: a shard (--shard-out) holds one prompt")
    outputs = None if args.shard_out else _prompt_outputs(args)
    _threads(args.threads)
    problems = read_benchmarks(args.problems, args.benchmarks, args.shard, args.shards)
    sampling = Sampling(**args.spec["sampling"])
    sampling = dataclasses.replace(sampling, seed=sampling.seed + args.shard)  # shards draw independently
    for prompt in args.prompt:
        completions = sample(args.model, problems["problem"].tolist(), prompt, sampling, args.spec)
        samples = score_samples(problems, completions, prompt)
        log.info(
            "%s, shard %d/%d: %d samples, accuracy %.3f",
            prompt,
            args.shard,
            args.shards,
            len(samples),
            samples["correct"].mean(),
        )
        if args.shard_out:
            write_parquet(args.shard_out, samples)
        else:
            write_benchmarks(
                samples,
                outputs[prompt],
                ks=args.spec["pass_k"],
                n_boot=args.spec["bootstrap"],
                environment=environment(),
            )


def cmd_collect(args: argparse.Namespace) -> None:
    import pandas as pd

    from autothink.evaluate import write_benchmarks

    outputs = _benchmark_outputs(args.benchmarks, args.samples, args.metrics)
    samples = pd.concat([pd.read_parquet(p) for p in args.shards], ignore_index=True)
    metrics = write_benchmarks(
        samples, outputs, ks=args.spec["pass_k"], n_boot=args.spec["bootstrap"], environment=environment()
    )
    for bench, m in metrics.items():
        log.info("%s: accuracy %.3f, tokens %.1f, think rate %.3f", bench, m["accuracy"], m["tokens"], m["think_rate"])


def cmd_budget(args: argparse.Namespace) -> None:
    from autothink.budget import answer_sampling, budget_curve
    from autothink.evaluate import read_by_benchmark

    if not (len(args.benchmarks) == len(args.problems) == len(args.samples)):
        raise SystemExit("autothink budget: give one --problems and one --samples file per --benchmarks name")
    _threads(args.threads)
    problems = read_by_benchmark(dict(zip(args.benchmarks, args.problems)))
    samples = read_by_benchmark(dict(zip(args.benchmarks, args.samples)))
    spec = args.spec
    sampling = answer_sampling(spec["evaluation"]["sampling"], spec["answer_tokens"])
    curve = budget_curve(args.model, problems, samples, args.prompt, spec["budgets"], sampling, spec["evaluation"])
    with atomic_path(args.out) as path:
        curve.to_csv(path, index=False, float_format="%.4g")
    log.info("budget curve:\n%s", curve.to_string(index=False))


def cmd_train(args: argparse.Namespace) -> None:
    import time

    import pandas as pd

    from autothink.train import train

    _threads(args.threads)
    started = time.perf_counter()
    summary = train(args.init, pd.read_parquet(args.problems), args.out, args.run_dir, args.spec)
    summary["wall_time_s"] = round(time.perf_counter() - started, 1)
    summary["environment"] = environment()
    if Path(args.out).is_dir():  # only the main process writes the model
        write_text(Path(args.out, TRAINING_SUMMARY), json.dumps(summary, indent=2) + "\n")
    log.info("trained: %s", summary)


TABLE_OUTPUTS = (
    "csv",
    "intervals",
    "md",
    "tex",
    "html",
    "levels",
    "compared",
    "seeds",
    "decisions",
    "explorer",
    "provenance",
)
PLOTS = ("accuracy_vs_tokens", "no_think_by_level", "stage_curves", "length_distributions", "decisions_by_level")


def _outputs(text: str, names: tuple[str, ...]) -> dict:
    """The --outputs JSON of a report command: one file (or file stem) per name."""
    outputs = _spec(text)
    missing = [name for name in names if name not in outputs]
    if missing:
        raise SystemExit(f"autothink: --outputs lacks {missing}")
    return outputs


def cmd_table(args: argparse.Namespace) -> None:
    from autothink.evaluate import read_by_benchmark
    from autothink.report import table as T
    from autothink.report.decisions import analyse
    from autothink.report.explorer import pick_samples, render
    from autothink.report.levels import by_level, load_samples

    spec, out = args.spec, _outputs(args.outputs, TABLE_OUTPUTS)
    oracles, regret = analyse(spec["decisions"], spec["benchmarks"], spec["level_benchmarks"], spec["oracle_tolerance"])
    table, intervals, compared, seeds = T.build(spec, oracles)
    markdown = T.to_markdown(table)
    samples = load_samples(spec["entries"], spec["level_benchmarks"])
    levels = by_level(samples)
    golds = read_by_benchmark(spec["explorer"]["problems"], columns=["id", "answer"])
    golds = golds.rename(columns={"id": "problem_id", "answer": "gold"})
    explorer = render(pick_samples(samples, golds, spec["explorer"]["per_cell"]), "Sampled responses")
    frames = [
        ("csv", table),
        ("intervals", intervals),
        ("compared", compared),
        ("seeds", seeds),
        ("levels", levels),
        ("decisions", regret),
    ]
    for name, frame in frames:
        with atomic_path(out[name]) as path:
            frame.to_csv(path, index=False, float_format="%.4g")
    write_text(out["md"], markdown)
    write_text(out["tex"], T.to_latex(table))
    write_text(out["html"], T.to_html(table, intervals))
    write_text(out["explorer"], explorer)
    made = [Path(e["metrics"][b]) for e in spec["entries"] + spec["seed_entries"] for b in spec["benchmarks"]]
    made += [
        Path(model, TRAINING_SUMMARY)
        for model in spec["provenance"]["models"]
        if Path(model, TRAINING_SUMMARY).exists()
    ]
    made += [p for p in map(Path, spec["provenance"]["summaries"]) if p.exists()]
    write_text(out["provenance"], json.dumps(gather(spec["provenance"]["seeds"], made), indent=2) + "\n")
    log.info("table 1:\n%s", markdown)


def _stage_logs(spec: dict, base: str) -> dict:
    """The per-step training logs of the stage chain and the runs drawn beside Stage 1, by run."""
    from autothink.report.plots import read_training_log

    models = spec["trained_models"][base]
    return {run: read_training_log(Path(models[run], STEP_LOG)) for run in spec["stage_chain"] + spec["beside_first"]}


def cmd_plots(args: argparse.Namespace) -> None:
    import pandas as pd

    from autothink.report import plots as P
    from autothink.report.levels import load_samples

    spec, outputs = args.spec, _outputs(args.outputs, tuple(args.spec["base_models"]))
    table, intervals, levels = pd.read_csv(args.table), pd.read_csv(args.intervals), pd.read_csv(args.levels)
    regret = pd.read_csv(args.decisions)
    for base in spec["base_models"]:
        out = {name: outputs[base][name] for name in PLOTS}
        curves = {row: pd.read_csv(path) for row, path in spec["budget_curves"][base].items()}
        P.save(P.accuracy_vs_tokens(table, intervals, base, curves), out["accuracy_vs_tokens"])
        P.save(P.no_think_by_level(levels, base, spec["level_methods"]), out["no_think_by_level"])
        P.save(P.stage_curves(_stage_logs(spec, base), spec["stage_chain"], spec["beside_first"]), out["stage_curves"])
        entries = [e for e in spec["entries"] if e["base_model"] == base and e["method"] in spec["length_methods"]]
        samples = load_samples(entries, spec["benchmarks"])
        P.save(P.length_distributions(samples, [e["method"] for e in entries]), out["length_distributions"])
        P.save(P.decisions_by_level(regret, base), out["decisions_by_level"])
    log.info("plots written: %s", ", ".join(str(stem) for figures in outputs.values() for stem in figures.values()))


def cmd_pin_gpus(args: argparse.Namespace) -> None:
    from autothink.gpus import run_pinned

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    sys.exit(run_pinned(args.count, command))


def cmd_estimate(args: argparse.Namespace) -> None:
    from autothink.estimate import estimate, merged_config, report

    print(report(estimate(merged_config(args.configfile))))


def cmd_effects(args: argparse.Namespace) -> None:
    import pandas as pd

    from autothink.report.effects import as_html, as_markdown, effects

    spec = args.spec
    table, levels = pd.read_csv(args.table), pd.read_csv(args.levels)
    sections = {}
    for base in spec["base_models"]:
        sections[base] = effects(
            table[table["base_model"] == base],
            levels[levels["base_model"] == base],
            _stage_logs(spec, base),
            spec["stage_chain"],
            spec["beside_first"],
        )
    write_text(args.md, as_markdown(sections))
    write_text(args.html, as_html(sections))
    log.info("the paper's effects:\n%s", as_markdown(sections))


def cmd_run_time(args: argparse.Namespace) -> None:
    from autothink.report.timings import as_html, as_markdown, run_time

    table, sentences = run_time(args.snakefile, args.directory, args.configfile or [], args.config)
    if not (args.md or args.html):
        print(as_markdown(table, sentences), end="")
    for out, render in ((args.md, as_markdown), (args.html, as_html)):
        if out:
            write_text(out, render(table, sentences))


def _spec(text: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"--spec is not valid JSON: {err}") from err


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autothink", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tiny-data", help="generate the tiny world's splits and distillation corpus")
    p.add_argument("--spec", type=_spec, required=True, help="the config's `tiny` section as JSON")
    p.add_argument("--train", help="the RL training split to write (with --benchmarks)")
    p.add_argument("--benchmarks", nargs="+", metavar="NAME=FILE", help="the evaluation splits to write")
    p.add_argument("--corpus", help="the distillation corpus to write")
    p.set_defaults(func=cmd_tiny_data)

    p = sub.add_parser("distill", help="train the tiny R1-style model from scratch on the corpus")
    p.add_argument("--spec", type=_spec, required=True, help="{model: architecture, training: settings}")
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--train-log", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_distill)

    p = sub.add_parser("tiny-profile", help="measure the distilled model's modes per level and prompt")
    p.add_argument("--spec", type=_spec, required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--problems", nargs="+", required=True, help="parquet files of problems")
    p.add_argument("--out-csv", required=True)
    p.add_argument("--out-json", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_tiny_profile)

    p = sub.add_parser("prepare-dataset", help="load a paper-world dataset, normalise and check it")
    p.add_argument("--name", required=True)
    p.add_argument("--spec", type=_spec, required=True, help="the dataset's entry under `datasets`")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_prepare_dataset)

    p = sub.add_parser("evaluate", help="sample and score one shard of every benchmark under each prompt")
    p.add_argument("--spec", type=_spec, required=True, help="the config's `evaluation` section")
    p.add_argument("--model", required=True, help="model folder or hub id")
    p.add_argument("--problems", nargs="+", required=True, help="benchmark files, in --benchmarks order")
    p.add_argument("--benchmarks", nargs="+", required=True, help="benchmark names")
    p.add_argument("--prompt", nargs="+", required=True, choices=list(GENERATION_PROMPTS))
    p.add_argument("--shard", type=int, default=0)
    p.add_argument("--shards", type=int, default=1)
    p.add_argument("--shard-out", help="write the scored samples of this shard to one file (for `collect`)")
    p.add_argument("--samples", nargs="+", help="without --shard-out: the samples file of each prompt and benchmark")
    p.add_argument("--metrics", nargs="+", help="without --shard-out: the metrics file of each prompt and benchmark")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("collect", help="join evaluation shards, split them by benchmark and compute the metrics")
    p.add_argument("--spec", type=_spec, required=True, help="{pass_k, bootstrap}")
    p.add_argument("--shards", nargs="+", required=True)
    p.add_argument("--benchmarks", nargs="+", required=True)
    p.add_argument("--samples", nargs="+", required=True, help="the samples file of each benchmark")
    p.add_argument("--metrics", nargs="+", required=True, help="the metrics file of each benchmark")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("budget", help="a thinking-budget curve: accuracy when thinking is cut at each budget")
    p.add_argument("--spec", type=_spec, required=True, help="{evaluation, budgets, answer_tokens}")
    p.add_argument("--model", required=True, help="model folder or hub id")
    p.add_argument("--prompt", required=True, choices=list(GENERATION_PROMPTS))
    p.add_argument("--benchmarks", nargs="+", required=True)
    p.add_argument("--problems", nargs="+", required=True, help="the prepared benchmark files, in --benchmarks order")
    p.add_argument("--samples", nargs="+", required=True, help="the evaluation's samples files, in --benchmarks order")
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_budget)

    p = sub.add_parser("train", help="one GRPO training run (an AutoThink stage or a baseline)")
    p.add_argument("--spec", type=_spec, required=True, help="the `training` settings merged with the run's entry")
    p.add_argument("--init", required=True, help="model folder or hub id to start from")
    p.add_argument("--problems", required=True, help="training problems (parquet)")
    p.add_argument("--out", required=True, help="folder for the final model")
    p.add_argument("--run-dir", required=True, help="folder for checkpoints (kept across reruns for resuming)")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("table", help="Table 1 (csv, md, tex, html), its intervals, and mode choice by level")
    p.add_argument(
        "--spec",
        type=_spec,
        required=True,
        help="{entries (with their metrics and samples files), benchmarks, level_benchmarks, reference, provenance}",
    )
    p.add_argument("--outputs", required=True, help=f"JSON: the file for each of {', '.join(TABLE_OUTPUTS)}")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("plots", help="the report's figures (PNG and SVG)")
    p.add_argument(
        "--spec",
        type=_spec,
        required=True,
        help="{base_models, entries, trained_models, stage_chain, beside_first, ...}",
    )
    p.add_argument("--table", required=True)
    p.add_argument("--intervals", required=True)
    p.add_argument("--levels", required=True)
    p.add_argument("--decisions", required=True, help="decision regret by level (empty without forced modes)")
    p.add_argument(
        "--outputs", required=True, help=f"JSON: base model -> figure ({', '.join(PLOTS)}) -> file stem (.png and .svg)"
    )
    p.set_defaults(func=cmd_plots)

    p = sub.add_parser("pin-gpus", help="run a command on free GPUs of this machine (CUDA_VISIBLE_DEVICES)")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    p.set_defaults(func=cmd_pin_gpus)

    p = sub.add_parser("estimate", help="GPU-hours per rule and model of a config, before submitting it")
    p.add_argument("--configfile", nargs="+", required=True, help="config file(s), merged in order like snakemake's")
    p.set_defaults(func=cmd_estimate)

    p = sub.add_parser("effects", help="which of the paper's four effects a finished run shows, with the figures")
    p.add_argument("--spec", type=_spec, required=True, help="{base_models, stage_chain, beside_first, trained_models}")
    p.add_argument("--table", required=True, help="table1.csv")
    p.add_argument("--levels", required=True, help="think_rate_by_level.csv")
    p.add_argument("--md", required=True)
    p.add_argument("--html", required=True, help="the report's copy")
    p.set_defaults(func=cmd_effects)

    p = sub.add_parser("run-time", help="where a finished run's time went: per rule, critical path, elapsed")
    p.add_argument("--snakefile", type=Path, default=Path("Snakefile"), help="the workflow's Snakefile")
    p.add_argument("--directory", type=Path, default=Path("."), help="the workflow's working directory")
    given = p.add_mutually_exclusive_group()
    given.add_argument("--configfile", nargs="+", help="the run's config file(s), as given to snakemake")
    given.add_argument("--config", type=_spec, help="the run's whole config as JSON (how the run_time rule passes it)")
    p.add_argument("--md", help="write the summary as Markdown here (default: print it)")
    p.add_argument("--html", help="write it as an HTML page here (the report's copy)")
    p.set_defaults(func=cmd_run_time)

    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
