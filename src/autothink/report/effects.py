"""Does a run show the paper's four effects? Each as a figure measured from the run's own outputs,
beside the target this project holds the tiny world to (config/README.md, "How the tiny world is
calibrated"), so a run says for itself what it reproduces instead of leaving it to be read off
Table 1 and the plots:

1. Stage 1's batch balance keeps both modes alive, where the mode-aware reward alone drifts to
   thinking on every problem (the training logs' think rate per step).
2. After Stage 3 the model is at least as accurate as under the standard prompt at no more than
   half of its tokens (Table 1's averages).
3. Stage 3's E-F1 beats every trained length-pruning baseline's (Table 1).
4. Stage 3 answers directly on easy problems and thinks on hard ones: its no-think rate falls with
   the difficulty level (`think_rate_by_level.csv`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from autothink.plan import prompt_row
from autothink.report.page import page
from autothink.report.plots import THINK_RATE_BAND

BAND_SHARE = 0.70  # Stage 1 inside THINK_RATE_BAND on at least this share of its steps
COLLAPSE = 0.90  # the ablation's think rate over its last LAST_STEPS steps, at least
LAST_STEPS = 5
TOKEN_SHARE = 0.50  # Stage 3's average tokens over the standard prompt's, at most
EASIEST_NO_THINK, HARDEST_NO_THINK = 0.90, 0.10  # Stage 3's no-think rate on the first / last level
# A rise smaller than this from one level to the next counts as sampling noise, not a reversal:
# ~3 standard errors of a rate near 0.99 measured on ~300 samples a level (the tiny world's).
LEVEL_SLACK = 0.02

ACCURACY = "Stage 3 at least as accurate as the standard prompt"
TOKENS = "Stage 3 at half the standard prompt's tokens or fewer"
E_F1 = "Stage 3's E-F1 above every trained baseline's"


@dataclass(frozen=True)
class Check:
    """One effect: what was measured, the target, and whether it holds (None: nothing to measure)."""

    effect: str
    measured: str
    target: str
    holds: bool | None


def think_rates(log: pd.DataFrame | None) -> pd.Series:
    """The think rate of each generation step of a training log (steps without rollouts dropped;
    none for a run that was not trained)."""
    if log is None or "rollouts/think_rate" not in log:
        return pd.Series(dtype=float)
    return log["rollouts/think_rate"].dropna().reset_index(drop=True)


def balance_checks(stage1: pd.DataFrame | None, ablation: pd.DataFrame | None) -> list[Check]:
    """Effect 1 from Stage 1's and the no-balance ablation's training logs (None: not trained)."""
    low, high = THINK_RATE_BAND
    checks = []
    rates = think_rates(stage1)
    inside = float(rates.between(low, high).mean()) if len(rates) else np.nan
    checks.append(
        Check(
            f"Stage 1 keeps its think rate in {low:.2f}-{high:.2f}",
            f"on {inside:.0%} of {len(rates)} steps" if len(rates) else "no Stage 1 in this run",
            f">= {BAND_SHARE:.0%} of its steps",
            bool(inside >= BAND_SHARE) if len(rates) else None,
        )
    )
    rates = think_rates(ablation)
    last = float(rates.tail(LAST_STEPS).mean()) if len(rates) else np.nan
    checks.append(
        Check(
            "without the balance, thinking takes over",
            f"think rate {last:.2f} over the last {LAST_STEPS} steps" if len(rates) else "no ablation in this run",
            f">= {COLLAPSE:.2f}",
            bool(last >= COLLAPSE) if len(rates) else None,
        )
    )
    return checks


def stage3_checks(table: pd.DataFrame, stage3: str | None, autothink_runs: list[str]) -> list[Check]:
    """Effects 2 and 3 from one base model's Table 1 rows: Stage 3 against the standard prompt and
    against every trained run that is not one of ``autothink_runs`` (the length-pruning baselines)."""
    rows = table.set_index("method")
    standard = prompt_row("standard")
    if stage3 not in rows.index or standard not in rows.index:
        missing = "no Stage 3 in this run" if stage3 not in rows.index else "no standard-prompt row"
        return [
            Check(ACCURACY, missing, ">=", None),
            Check(TOKENS, missing, f"<= {TOKEN_SHARE:.0%}", None),
            Check(E_F1, missing, ">", None),
        ]
    s3, std = rows.loc[stage3], rows.loc[standard]
    share = s3["avg_tok"] / std["avg_tok"]
    checks = [
        Check(
            ACCURACY,
            f"{s3['avg_acc']:.1f} vs {std['avg_acc']:.1f}",
            ">=",
            bool(s3["avg_acc"] >= std["avg_acc"]),
        ),
        Check(
            TOKENS,
            f"{share:.1%} ({s3['avg_tok']:.1f} of {std['avg_tok']:.1f})",
            f"<= {TOKEN_SHARE:.0%}",
            bool(share <= TOKEN_SHARE),
        ),
    ]
    trained = rows[(rows["source"] == "trained") & ~rows.index.isin(autothink_runs)]
    baselines = trained["e_f1"].dropna()
    if trained.empty:
        checks.append(Check(E_F1, "no trained baseline in this run", ">", None))
    elif baselines.empty or np.isnan(s3["e_f1"]):  # the standard and no-thinking prompts tie on accuracy or tokens
        checks.append(Check(E_F1, "E-F1 undefined in this run", ">", None))
    else:
        best = baselines.idxmax()
        checks.append(
            Check(
                E_F1,
                f"{s3['e_f1']:.1f} vs {baselines[best]:.1f} ({best}, the best of {len(baselines)})",
                ">",
                bool(s3["e_f1"] > baselines[best]),
            )
        )
    return checks


def level_check(levels: pd.DataFrame, stage3: str | None) -> Check:
    """Effect 4 from one base model's no-think rates by difficulty level."""
    effect = "Stage 3's no-think rate falls with the level"
    target = (
        f"non-increasing (a rise under {LEVEL_SLACK:.2f} is noise), >= {EASIEST_NO_THINK:.2f} on the first,"
        f" <= {HARDEST_NO_THINK:.2f} on the last"
    )
    rates = levels[(levels["method"] == stage3) & (levels["grouping"] == "level")].sort_values("level")
    if rates.empty:
        return Check(effect, "no Stage 3 in this run", target, None)
    values = rates["no_think_rate"].to_numpy()
    falls = (np.diff(values) < LEVEL_SLACK).all()
    holds = bool(falls and values[0] >= EASIEST_NO_THINK and values[-1] <= HARDEST_NO_THINK)
    shown = ", ".join(f"{level:g}: {rate:.2f}" for level, rate in zip(rates["level"], values))
    return Check(effect, shown, target, holds)


def effects(
    table: pd.DataFrame,
    levels: pd.DataFrame,
    logs: dict[str, pd.DataFrame],
    stage_chain: list[str],
    beside_first: list[str],
) -> list[Check]:
    """The four effects for one base model: its Table 1 rows, its no-think rates by level, and the
    training logs of the stage chain (Stage 1 first, Stage 3 last) and of the no-balance ablation
    (the first run drawn beside Stage 1)."""
    stage1, stage3 = (stage_chain[0], stage_chain[-1]) if stage_chain else (None, None)
    ablation = beside_first[0] if beside_first else None
    return [
        *balance_checks(logs.get(stage1), logs.get(ablation)),
        *stage3_checks(table, stage3, stage_chain + beside_first),
        level_check(levels, stage3),
    ]


def _verdict(holds: bool | None) -> str:
    return {True: "yes", False: "no", None: "-"}[holds]


def as_markdown(sections: dict[str, list[Check]]) -> str:
    """One table per base model."""
    lines = []
    for base, checks in sections.items():
        lines += [f"## {base}", "", "| effect | measured | target | holds |", "|---|---|---|---|"]
        lines += [f"| {c.effect} | {c.measured} | {c.target} | {_verdict(c.holds)} |" for c in checks]
        held = sum(c.holds is True for c in checks)
        lines += ["", f"{held} of {len(checks)} hold.", ""]
    return "\n".join(lines)


def as_html(sections: dict[str, list[Check]]) -> str:
    """A self-contained page for the Snakemake report."""
    body = ""
    for base, checks in sections.items():
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(v)}</td>" for v in (c.effect, c.measured, c.target, _verdict(c.holds)))
            + "</tr>"
            for c in checks
        )
        body += (
            f"<h2>{html.escape(base)}</h2><table><tr><th>effect</th><th>measured</th><th>target</th><th>holds</th></tr>"
            f"{rows}</table>"
        )
    return page("The paper's effects", body)
