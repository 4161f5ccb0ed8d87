"""The report's figures (matplotlib, written as PNG and SVG).

- accuracy vs tokens per base model, every measured method a point, the Pareto front drawn;
- no-think rate by difficulty level, before training (ellipsis prompt) and after each run;
- stage curves from the training logs, the no-balance ablation beside Stage 1;
- length distributions of think and no-think responses.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from autothink.atomic import atomic_path  # noqa: E402


def save(figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``; return both paths. The suffix is appended, never
    swapped: a stem such as ``plots/stage_curves_r1-distill-1.5b`` already holds a dot."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.parent / f"{stem.name}{suffix}" for suffix in (".png", ".svg")]
    for path in paths:
        with atomic_path(path) as partial:
            figure.savefig(partial, dpi=150, bbox_inches="tight")
    plt.close(figure)
    return paths


def pareto_front(tokens: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats on both axes (fewer tokens, higher accuracy),
    ordered by tokens."""
    order = np.lexsort((-accuracy, tokens))
    front, best = [], -np.inf
    for i in order:
        if accuracy[i] > best:
            front.append(i)
            best = accuracy[i]
    return np.asarray(front, dtype=int)


def accuracy_vs_tokens(
    table: pd.DataFrame, intervals: pd.DataFrame, base_model: str, budget_curves: dict[str, pd.DataFrame] | None = None
):
    """Average accuracy against average tokens for one base model's measured rows. Error bars are
    the mean of the per-benchmark 95% intervals' half-widths (a summary, not an exact interval), or
    for rows averaged over several training seeds the standard deviation over the seeds.
    Thinking-budget curves (`autothink.budget`), averaged over benchmarks like the rows, are drawn
    as dotted lines through their budgets."""
    rows = table[(table["base_model"] == base_model) & table["avg_acc"].notna() & table["avg_tok"].notna()].reset_index(
        drop=True
    )
    # a method can be both trained here and released (ThinkPrune iter-2k): the source tells them apart
    spans = intervals.set_index(["base_model", "method", "source"]) if not intervals.empty else None
    figure, ax = plt.subplots(figsize=(7.5, 5))
    colors = plt.cm.tab20(np.linspace(0, 1, 20))
    for i, row in rows.iterrows():
        xerr = yerr = None
        key = (base_model, row["method"], row["source"])
        if spans is not None and key in spans.index:
            ci = spans.loc[key]
            yerr = np.nanmean([(ci[c.replace("_lo", "_hi")] - ci[c]) / 2 for c in ci.index if c.endswith("_acc_lo")])
            xerr = np.nanmean([(ci[c.replace("_lo", "_hi")] - ci[c]) / 2 for c in ci.index if c.endswith("_tok_lo")])
        if row.get("seeds", 1) > 1:
            xerr, yerr = row["avg_tok_sd"], row["avg_acc_sd"]
        marker = {"evaluated": "s", "trained": "o", "oracle": "*"}.get(row["source"], "^")
        ax.errorbar(
            row["avg_tok"],
            row["avg_acc"],
            xerr=xerr,
            yerr=yerr,
            fmt=marker,
            capsize=3,
            color=colors[i % 20],
            label=row["method"],
        )
    methods = rows[rows["source"] != "oracle"]  # the oracles bound the methods; they are not one
    front = pareto_front(methods["avg_tok"].to_numpy(float), methods["avg_acc"].to_numpy(float))
    if len(front):
        ax.step(
            methods["avg_tok"].to_numpy()[front],
            methods["avg_acc"].to_numpy()[front],
            where="post",
            color="grey",
            linestyle="--",
            linewidth=1,
            label="Pareto front",
        )
    for row, curve in (budget_curves or {}).items():
        mean = curve.groupby("budget", sort=True)[["accuracy", "tokens"]].mean()
        ax.plot(
            mean["tokens"], 100 * mean["accuracy"], linestyle=":", marker=".", label=f"{row}, thinking cut at budget"
        )
    ax.set_xlabel("mean completion tokens (average over benchmarks)")
    ax.set_ylabel("accuracy % (average over benchmarks)")
    ax.set_title(f"{base_model}: accuracy vs tokens")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    return figure


GROUPING_AXES = {
    "level": "difficulty level (dataset)",
    "base_pass_rate": "difficulty by the base model's pass rate (1 = always right)",
}


def no_think_by_level(levels: pd.DataFrame, base_model: str, methods: list[str]):
    """No-think rate per difficulty for the given methods (the ellipsis prompt = before training):
    one panel per grouping of the problems (`autothink.report.levels`)."""
    rows = levels[levels["base_model"] == base_model]
    groupings = [g for g in GROUPING_AXES if g in set(rows["grouping"])]
    figure, axes = plt.subplots(1, len(groupings), figsize=(6.5 * len(groupings), 4), squeeze=False)
    for ax, grouping in zip(axes[0], groupings):
        for method in methods:
            part = rows[(rows["method"] == method) & (rows["grouping"] == grouping)]
            if len(part):
                ax.plot(part["level"], part["no_think_rate"], marker="o", label=method)
        ax.set_xlabel(GROUPING_AXES[grouping])
        ax.set_ylabel("no-think rate")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    figure.suptitle(f"{base_model}: when does the model skip thinking?")
    return figure


def decisions_by_level(regret: pd.DataFrame, base_model: str, oracle: str = "oracle"):
    """Per difficulty level, each model's no-think rate (solid) beside its oracle's (dashed), and
    the share of its samples in the other mode than the oracle's (`autothink.report.decisions`)."""
    rows = regret[(regret["base_model"] == base_model) & (regret["oracle"] == oracle)]
    figure, (rates, regrets) = plt.subplots(1, 2, figsize=(13, 4))
    colors = plt.cm.tab10(np.linspace(0, 1, 10))
    for i, (method, part) in enumerate(rows.groupby("method", sort=False)):
        color = colors[i % 10]
        rates.plot(part["level"], part["no_think_rate"], marker="o", color=color, label=method)
        rates.plot(
            part["level"], part["oracle_no_think_rate"], linestyle="--", color=color, label=f"{method} ({oracle})"
        )
        regrets.plot(part["level"], part["regret"], marker="o", color=color, label=method)
    for ax, label in ((rates, "no-think rate"), (regrets, "share of samples in the other mode than the oracle's")):
        ax.set_xlabel("difficulty level (dataset)")
        ax.set_ylabel(label)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    rates.legend(fontsize=7)
    figure.suptitle(f"{base_model}: the learned decision to think against the oracle router")
    return figure


def read_training_log(path: Path) -> pd.DataFrame:
    return pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()])


# Stage 1's aim: a think rate that stays inside this band (both modes alive), drawn on its curve
THINK_RATE_BAND = (0.35, 0.70)

CURVES = [
    ("think rate", ["rollouts/think_rate"]),
    ("mean length (tokens)", ["rollouts/think/mean_length", "rollouts/no_think/mean_length"]),
    ("accuracy", ["rollouts/think/accuracy", "rollouts/no_think/accuracy"]),
    ("reward", ["rollouts/reward"]),
    ("share of prompt groups", ["balance/changed_groups", "rollouts/zero_variance_groups"]),
    ("truncated share", ["rollouts/truncated_rate"]),
]


def stage_curves(logs: dict[str, pd.DataFrame], chain: list[str], beside_first: list[str]):
    """Training curves of consecutive runs (``chain``: Stage 1 -> 2 -> 3) on one step axis; the
    runs in ``beside_first`` (the ablation) start at step 0 next to the first run."""
    figure, axes = plt.subplots(3, 2, figsize=(10, 9.5), sharex=True)
    offsets, start = {}, 0
    for run in chain:
        offsets[run] = start
        start += len(logs[run])
    for run in beside_first:
        offsets[run] = 0
    colors = {run: f"C{i}" for i, run in enumerate(chain + beside_first)}
    for ax, (title, keys) in zip(axes.flat, CURVES):
        for run, offset in offsets.items():
            log = logs[run]
            for key, style in zip(keys, ["-", ":"]):
                if key in log:
                    label = run if len(keys) == 1 else f"{run} ({key.split('/')[1].replace('_', '-')})"
                    linestyle = "--" if run in beside_first and style == "-" else style
                    ax.plot(
                        log["step"] + offset,
                        log[key],
                        linestyle=linestyle,
                        color=colors[run],
                        label=label,
                        linewidth=1.2,
                    )
        ax.set_title(title)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("training step (stages back to back)")
    axes[0, 0].axhspan(*THINK_RATE_BAND, color="green", alpha=0.06)
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].legend(fontsize=6)
    axes[2, 0].legend(fontsize=6)
    return figure


def length_distributions(samples: pd.DataFrame, methods: list[str]):
    """Histograms of completion tokens by mode, one panel per method."""
    figure, axes = plt.subplots(1, len(methods), figsize=(4 * len(methods), 3.2), squeeze=False, sharey=True)
    bins = np.linspace(0, max(1, samples["completion_tokens"].max()), 40)
    for ax, method in zip(axes[0], methods):
        part = samples[samples["method"] == method]
        for mode, color in (("think", "C0"), ("no_think", "C1")):
            tokens = part.loc[part["mode"] == mode, "completion_tokens"]
            ax.hist(tokens, bins=bins, alpha=0.6, color=color, label=f"{mode} ({len(tokens)})")
        ax.set_title(method, fontsize=9)
        ax.set_xlabel("completion tokens")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("responses")
    return figure
