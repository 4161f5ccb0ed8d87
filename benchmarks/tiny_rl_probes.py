"""Two short correctness-only GRPO probes of the distilled tiny model: what can RL fix?

The tiny world is calibrated so that RL meets the same two facts as on R1-Distill:
- thinking errors are the policy's own slips (a forgotten carry is a sampled token), so GRPO on
  correctness under the standard prompt raises think accuracy within a few steps;
- direct-answer errors are the model's limit (carries beyond its one-pass reach, fixed per problem),
  so the same training under the no-thinking prompt barely moves accuracy on the hard levels.

Each probe trains ``--steps`` steps (ThinkPrune's reward, 1 if correct else 0, with a completion
limit no response reaches) from the distilled model with the config's shared training settings,
and samples the same held-out problems before and after. Run once the tiny world is built
(`snakemake --cores all results/tiny/tiny/distilled_profile.json`):

    python benchmarks/tiny_rl_probes.py [--configfile config/config.yaml] [--steps 15]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
import torch
import yaml

from autothink.evaluate import score_samples
from autothink.generate import Sampling, generate_hf, load_model
from autothink.prompts import render_prompts
from autothink.train import train


def accuracy_by_level(model_dir: str, problems: pd.DataFrame, prompt: str, sampling: Sampling) -> pd.Series:
    model, tokenizer = load_model(model_dir)
    completions = generate_hf(
        model, tokenizer, render_prompts(tokenizer, problems["problem"].tolist(), prompt), sampling, 256
    )
    return score_samples(problems, completions, prompt).groupby("level")["correct"].mean()


def probe(
    config: dict,
    model_dir: str,
    train_problems: pd.DataFrame,
    held_out: pd.DataFrame,
    prompt: str,
    steps: int,
    out: Path,
) -> pd.DataFrame:
    sampling = Sampling(**{**config["evaluation"]["sampling"], "n": 4})
    spec = {
        **config["training"],
        "prompt": prompt,
        "reward_method": "thinkprune",
        "reward": {},
        "prompts_per_step": 16,
        "rollouts": 8,
        "max_completion_length": sampling.max_new_tokens,
        "steps": steps,
        "save_steps": steps,
    }
    before = accuracy_by_level(model_dir, held_out, prompt, sampling)
    train(model_dir, train_problems, str(out / "model"), str(out / "run"), spec)
    after = accuracy_by_level(str(out / "model"), held_out, prompt, sampling)
    return pd.DataFrame({"before": before, "after": after, "gain_points": 100 * (after - before)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config/config.yaml")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--per-level", type=int, default=40, help="held-out problems per level")
    args = parser.parse_args()
    config = yaml.safe_load(open(args.configfile))
    run = Path("results") / config["run_name"]
    torch.set_num_threads(config["training"]["threads"])
    train_problems = pd.read_parquet(run / "data" / "train.parquet")
    held_out = pd.concat(
        [pd.read_parquet(run / "tiny" / "data" / "eval" / f"{b}.parquet") for b in config["benchmarks"]]
    )
    held_out = held_out.drop_duplicates("problem").groupby("level").head(args.per_level).sort_values("level")
    hard = [int(lv) for lv in sorted(held_out["level"].unique()) if lv > len(config["tiny"]["levels"]) / 2]
    with tempfile.TemporaryDirectory() as tmp:
        for prompt in ("standard", "no_thinking"):
            table = probe(
                config,
                str(run / "models" / "tiny-r1"),
                train_problems,
                held_out,
                prompt,
                args.steps,
                Path(tmp) / prompt,
            )
            weights = held_out.groupby("level").size()
            overall = {col: (table[col] * weights).sum() / weights.sum() for col in ("before", "after")}
            print(f"\n{prompt} prompt, {args.steps} correctness-only GRPO steps:\n{table.round(3).to_string()}")
            print(
                f"all levels: {overall['before']:.3f} -> {overall['after']:.3f}"
                f" ({100 * (overall['after'] - overall['before']):+.1f} points)"
            )
            hard_gain = (table.loc[hard, "gain_points"] * weights[hard]).sum() / weights[hard].sum()
            print(f"hard levels {hard}: {hard_gain:+.1f} points")


if __name__ == "__main__":
    main()
