"""The oracle router and decision regret, by hand on four problems."""

from __future__ import annotations

import pandas as pd
import pytest

from autothink.report.decisions import REGRET_COLUMNS, analyse

# per problem: level, (think accuracy, tokens), (no-think accuracy, tokens), the model's own samples
PROBLEMS = {
    "p1": (1, (1.0, 100), (1.0, 10), [("no_think", True, 10)] * 4),
    "p2": (1, (1.0, 100), (0.5, 10), [("think", True, 100)] * 4),
    "p3": (2, (0.5, 200), (0.0, 10), [("no_think", False, 10)] * 2 + [("think", True, 200), ("think", False, 200)]),
    "p4": (2, (0.25, 200), (0.25, 10), [("think", True, 200)] + [("think", False, 200)] * 3),
}


def _samples(rows: list[tuple[str, str, bool, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["problem_id", "mode", "correct", "completion_tokens", "level"])


def _forced(mode: str, which: int) -> pd.DataFrame:
    rows = []
    for problem, (level, *forced, _) in PROBLEMS.items():
        accuracy, tokens = forced[which]
        rows += [(problem, mode, k < 4 * accuracy, tokens, level) for k in range(4)]
    return _samples(rows)


@pytest.fixture
def decision_entry(tmp_path):
    chosen = _samples([(p, m, c, t, lv) for p, (lv, _, _, own) in PROBLEMS.items() for m, c, t in own])
    files = {}
    for part, frame in (("chosen", chosen), ("think", _forced("think", 0)), ("no_think", _forced("no_think", 1))):
        frame.to_parquet(tmp_path / f"{part}.parquet")
        files[part] = {"bench": tmp_path / f"{part}.parquet"}
    return {"base_model": "m", "method": "stage3", **files}


def test_oracle_rows_take_the_better_mode_per_problem(decision_entry):
    rows, _ = analyse([decision_entry], ["bench"], ["bench"], tolerance=0.05)
    rows = rows.set_index("method")
    assert set(rows["source"]) == {"oracle"}
    # reward oracle: no-think only on p1 (2 x 1 - 0 >= 1); p4's equal accuracies favour thinking (+0.25 > -0.25)
    assert rows.loc["stage3_oracle", "bench_acc"] == pytest.approx(100 * (1 + 1 + 0.5 + 0.25) / 4)
    assert rows.loc["stage3_oracle", "bench_tok"] == pytest.approx((10 + 100 + 200 + 200) / 4)
    # cheap oracle: no-think also on p4, where it is as accurate as thinking
    assert rows.loc["stage3_oracle_cheap", "bench_acc"] == pytest.approx(100 * (1 + 1 + 0.5 + 0.25) / 4)
    assert rows.loc["stage3_oracle_cheap", "bench_tok"] == pytest.approx((10 + 100 + 200 + 10) / 4)


def test_regret_by_level_counts_the_models_samples_in_the_other_mode(decision_entry):
    _, regret = analyse([decision_entry], ["bench"], ["bench"], tolerance=0.05)
    assert list(regret.columns) == REGRET_COLUMNS
    reward = regret[regret["oracle"] == "oracle"].set_index("level")
    assert reward.loc[1, ["no_think_rate", "oracle_no_think_rate", "regret"]].tolist() == [0.5, 0.5, 0.0]
    assert reward.loc[2, ["no_think_rate", "oracle_no_think_rate", "regret"]].tolist() == [0.25, 0.0, 0.25]
    # p3: the model answers 1 in 4 right (two wrong no-think answers), the oracle's think mode 2 in 4
    assert reward.loc[2, "accuracy_gain"] == pytest.approx(100 * (0.25 + 0.0) / 2)
    assert reward.loc[2, "tokens_saved"] == pytest.approx((105 - 200 + 0) / 2)
    assert reward.loc[1, "n_problems"] == 2


def test_without_decision_entries_nothing_is_analysed():
    rows, regret = analyse([], ["bench"], ["bench"], tolerance=0.05)
    assert rows.empty and regret.empty and list(regret.columns) == REGRET_COLUMNS
