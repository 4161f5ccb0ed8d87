"""Measure how the distilled tiny model behaves per difficulty level under each generation prompt:
no-think rate, accuracy per mode, tokens. These are the figures the tiny world is calibrated to
(R1-Distill-like: both modes under the ellipsis prompt at a flat rate, thinking under the standard
prompt, direct answers good on easy problems and poor on hard ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autothink.generate import Sampling, generate_hf, load_model
from autothink.evaluate import score_samples
from autothink.prompts import render_prompts


def sample_modes(model_dir: str, problems: pd.DataFrame, prompts: list[str], sampling: Sampling, batch_size: int) -> pd.DataFrame:
    """Scored samples (the evaluation engine's rows) of every problem under each prompt."""
    model, tokenizer = load_model(model_dir)
    frames = []
    for prompt in prompts:
        texts = render_prompts(tokenizer, problems["problem"].tolist(), prompt)
        completions = generate_hf(model, tokenizer, texts, sampling, batch_size)
        frames.append(score_samples(problems, completions, prompt).assign(prompt=prompt))
    return pd.concat(frames, ignore_index=True).rename(columns={"completion_tokens": "tokens"})


def summarise(samples: pd.DataFrame) -> pd.DataFrame:
    """Per (prompt, level): n, no-think rate, accuracy overall and per mode, mean tokens per mode."""

    def per_group(g: pd.DataFrame) -> pd.Series:
        think, no_think = g[g["mode"] == "think"], g[g["mode"] == "no_think"]
        return pd.Series(
            {
                "n": len(g),
                "no_think_rate": (g["mode"] == "no_think").mean(),
                "accuracy": g["correct"].mean(),
                "think_accuracy": think["correct"].mean() if len(think) else np.nan,
                "no_think_accuracy": no_think["correct"].mean() if len(no_think) else np.nan,
                "mean_tokens": g["tokens"].mean(),
                "think_tokens": think["tokens"].mean() if len(think) else np.nan,
                "no_think_tokens": no_think["tokens"].mean() if len(no_think) else np.nan,
            }
        )

    return samples.groupby(["prompt", "level"]).apply(per_group, include_groups=False).reset_index()


def mode_accuracy_ratio(summary: pd.DataFrame, mix: list[float]) -> float:
    """No-think over think accuracy under the ellipsis prompt, levels weighted by ``mix``.

    AutoThink's Stage 1 only keeps both modes alive when direct answers are often right: for
    R1-Distill-1.5B this ratio is about 0.75 (37.5 vs 48.6 over the five benchmarks).
    """
    ellipsis = summary[summary["prompt"] == "ellipsis"].sort_values("level")
    weights = np.asarray(mix, dtype=float) / np.sum(mix)
    return float(np.dot(weights, ellipsis["no_think_accuracy"]) / np.dot(weights, ellipsis["think_accuracy"]))
