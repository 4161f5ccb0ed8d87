"""The paper's four effects, judged from a run's Table 1, its no-think rates by level and its
training logs (`autothink.report.effects`)."""

from __future__ import annotations

import pandas as pd

from autothink.report.effects import as_html, as_markdown, effects

CHAIN, BESIDE = ["autothink_stage1", "autothink_stage2", "autothink_stage3"], ["autothink_no_balance"]


def table(stage3_acc=86.7, stage3_tok=43.3, stage3_e_f1=96.9, baseline_e_f1=(76.4, 0.0)) -> pd.DataFrame:
    rows = [
        ("standard_prompt", "evaluated", 61.9, 86.8, None),
        ("ellipsis_prompt", "evaluated", 55.1, 70.5, None),
        ("autothink_stage3", "trained", stage3_acc, stage3_tok, stage3_e_f1),
        ("autothink_no_balance", "trained", 84.7, 47.5, 120.0),  # AutoThink's own: not a baseline
        ("shorterbetter", "trained", 98.0, 57.0, baseline_e_f1[0]),
        ("laser", "trained", 91.4, 103.0, baseline_e_f1[1]),
        ("autothink_stage3_oracle", "oracle", 90.0, 40.0, 130.0),  # an oracle row: not a baseline either
    ]
    frame = pd.DataFrame(rows, columns=["method", "source", "avg_acc", "avg_tok", "e_f1"])
    return frame.assign(base_model="tiny-r1")


def levels(no_think=(1.0, 0.99, 1.0, 0.0, 0.0, 0.0)) -> pd.DataFrame:
    rows = [("autothink_stage3", "level", level, rate) for level, rate in enumerate(no_think, start=1)]
    rows += [("autothink_stage3", "base_pass_rate", 1, 0.0)]  # another grouping, ignored
    return pd.DataFrame(rows, columns=["method", "grouping", "level", "no_think_rate"]).assign(base_model="tiny-r1")


def log(rates) -> pd.DataFrame:
    """A training log as `read_training_log` returns it: rollout rows, and a final summary row without them."""
    return pd.DataFrame([{"rollouts/think_rate": rate} for rate in rates] + [{"train_loss": 0.1}])


def verdicts(checks) -> list:
    return [check.holds for check in checks]


def test_a_run_that_shows_every_effect():
    logs = {"autothink_stage1": log([0.8] * 3 + [0.5] * 7), "autothink_no_balance": log([0.6] * 5 + [0.95] * 5)}
    checks = effects(table(), levels(), logs, CHAIN, BESIDE)
    assert verdicts(checks) == [True] * 6
    assert checks[0].measured == "on 70% of 10 steps"  # the summary row is not a step
    assert checks[4].measured.startswith("96.9 vs 76.4 (shorterbetter, the best of 2)")
    markdown = as_markdown({"tiny-r1": checks})
    assert markdown.count("| yes |") == 6 and "6 of 6 hold." in markdown


def test_each_effect_fails_on_its_own_figure():
    logs = {"autothink_stage1": log([0.8] * 4 + [0.5] * 6), "autothink_no_balance": log([0.95] * 5 + [0.85] * 5)}
    checks = effects(table(stage3_acc=61.0, stage3_tok=43.5), levels((0.95, 0.9, 1.0, 0, 0, 0)), logs, CHAIN, BESIDE)
    assert verdicts(checks) == [False, False, False, False, True, False]
    assert checks[3].measured == "50.1% (43.5 of 86.8)"
    assert not effects(table(stage3_e_f1=76.4), levels(), logs, CHAIN, BESIDE)[4].holds  # a tie is not above
    assert not effects(table(), levels((0.85, 0.8, 0.5, 0, 0, 0)), logs, CHAIN, BESIDE)[5].holds  # too few direct
    assert not effects(table(), levels((1.0, 1.0, 1.0, 0, 0, 0.2)), logs, CHAIN, BESIDE)[5].holds  # too many


def test_a_run_without_the_ablation_the_baselines_or_a_defined_e_f1_says_so():
    logs = {"autothink_stage1": log([0.5] * 10)}
    no_ablation = table()[lambda t: t.method.isin(["standard_prompt", "ellipsis_prompt", "autothink_stage3"])]
    checks = effects(no_ablation, levels(), logs, CHAIN, [])
    assert verdicts(checks) == [True, None, True, True, None, True]
    assert checks[1].measured == "no ablation in this run" and checks[4].measured == "no trained baseline in this run"
    undefined = effects(table(stage3_e_f1=float("nan")), levels(), logs, CHAIN, BESIDE)[4]
    assert undefined.holds is None and undefined.measured == "E-F1 undefined in this run"
    checks = effects(table()[lambda t: t.method != "autothink_stage3"], levels().iloc[:0], {}, [], [])
    assert verdicts(checks) == [None] * 6
    page = as_html({"tiny-r1": checks})
    assert page.count("<tr>") == 7 and "no Stage 3 in this run" in page and "<script" not in page
