"""Measure how the distilled tiny model behaves per difficulty level under each generation prompt:
no-think rate, accuracy per mode, tokens. These are the figures the tiny world is calibrated to
(R1-Distill-like: both modes under the ellipsis prompt at a flat rate, thinking under the standard
prompt, direct answers good on easy problems and poor on hard ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autothink.evaluate import mode_figures, score_samples
from autothink.generate import Sampling, generate_hf, load_model
from autothink.prompts import render_prompts


def sample_modes(
    model_dir: str, problems: pd.DataFrame, prompts: list[str], sampling: Sampling, batch_size: int
) -> pd.DataFrame:
    """Scored samples (the evaluation engine's rows) of every problem under each prompt."""
    model, tokenizer = load_model(model_dir)
    frames = []
    for prompt in prompts:
        texts = render_prompts(tokenizer, problems["problem"].tolist(), prompt)
        completions = generate_hf(model, tokenizer, texts, sampling, batch_size)
        frames.append(score_samples(problems, completions, prompt).assign(prompt=prompt))
    return pd.concat(frames, ignore_index=True)


def by_prompt_and_level(samples: pd.DataFrame) -> pd.DataFrame:
    """Per (prompt, level): n, no-think rate, accuracy overall and per mode, mean tokens per mode."""
    rows = []
    for (prompt, level), part in samples.groupby(["prompt", "level"]):
        figures = mode_figures(part)
        rows.append(
            {
                "prompt": prompt,
                "level": level,
                "n": figures["n_samples"],
                "no_think_rate": 1.0 - figures["think_rate"],
                "accuracy": part["correct"].mean(),
                "mean_tokens": part["completion_tokens"].mean(),
                **{
                    key: figures[key]
                    for key in ("think_accuracy", "no_think_accuracy", "think_tokens", "no_think_tokens")
                },
            }
        )
    return pd.DataFrame(rows).astype(
        {"think_accuracy": float, "no_think_accuracy": float, "think_tokens": float, "no_think_tokens": float}
    )


def mode_accuracy_ratio(summary: pd.DataFrame, mix: list[float]) -> float:
    """No-think over think accuracy under the ellipsis prompt, levels weighted by ``mix``.

    AutoThink's Stage 1 only keeps both modes alive when direct answers are often right: for
    R1-Distill-1.5B this ratio is about 0.75 (37.5 vs 48.6 over the five benchmarks).
    """
    ellipsis = summary[summary["prompt"] == "ellipsis"].sort_values("level")
    weights = np.asarray(mix, dtype=float) / np.sum(mix)
    return float(np.dot(weights, ellipsis["no_think_accuracy"]) / np.dot(weights, ellipsis["think_accuracy"]))
