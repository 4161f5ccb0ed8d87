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

import torch

log = logging.getLogger("autothink")


def _threads(n: int) -> None:
    torch.set_num_threads(max(1, n))


def cmd_tiny_data(args: argparse.Namespace) -> None:
    from autothink.tiny.data import make_tiny_data

    written = make_tiny_data(args.spec, args.out_dir)
    log.info("wrote %s", ", ".join(str(p) for p in written.values()))


def cmd_distill(args: argparse.Namespace) -> None:
    from autothink.tiny.distill import distill

    _threads(args.threads)
    summary = distill(args.corpus, args.out, args.spec["model"], args.spec["training"], args.train_log)
    log.info("distilled: %s", summary)
    Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n")


def cmd_tiny_profile(args: argparse.Namespace) -> None:
    import pandas as pd

    from autothink.generate import Sampling
    from autothink.tiny.profile import mode_accuracy_ratio, sample_modes, summarise

    _threads(args.threads)
    spec = args.spec
    problems = pd.concat([pd.read_parquet(p) for p in args.problems], ignore_index=True)
    per_level = problems.groupby("level").head(spec["problems_per_level"])
    sampling = Sampling(**spec["sampling"])
    samples = sample_modes(args.model, per_level, spec["prompts"], sampling, spec["batch_size"])
    summary = summarise(samples)
    summary.to_csv(args.out_csv, index=False)
    figures = {
        "no_think_to_think_accuracy_on_train_mix": mode_accuracy_ratio(summary, spec["train_mix"]),
        "per_prompt_level": summary.to_dict(orient="records"),
    }
    Path(args.out_json).write_text(json.dumps(figures, indent=2) + "\n")
    log.info("profile:\n%s", summary.to_string(index=False, float_format="%.3f"))


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
    p.add_argument("--out-dir", required=True)
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
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
