"""Table 1, mode choice by level and the figures, on small hand-made metrics and samples."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autothink.report import plots as P
from autothink.report import table as T
from autothink.report.levels import by_level

REFERENCE = Path(__file__).resolve().parents[1] / "config" / "reference" / "paper_table1.csv"
BENCHES = ["math500", "aime24"]


def test_e_f1_reproduces_the_paper():
    paper = pd.read_csv(REFERENCE).set_index(["base_model", "method"])

    def score(base, method):
        row, std, no = (paper.loc[(base, m)] for m in (method, "standard_prompt", "no_thinking_prompt"))
        return T.e_f1(
            row.avg_acc, row.avg_tok, std_acc=std.avg_acc, std_tok=std.avg_tok, no_acc=no.avg_acc, no_tok=no.avg_tok
        )

    assert score("DeepSeek-R1-Distill-Qwen-1.5B", "autothink_stage3") == pytest.approx(39.6, abs=0.05)
    assert score("DeepSeek-R1-Distill-Qwen-1.5B", "thinkprune_4k") == pytest.approx(18.7, abs=0.05)
    assert score("DeepScaleR-1.5B-Preview", "autothink_stage2") == pytest.approx(7.5, abs=0.06)  # from rounded averages
    assert score("DeepSeek-R1-Distill-Qwen-1.5B", "autothink_stage1") == 0.0  # lower accuracy than standard


def _with_files(entries: list[dict], root: Path) -> list[dict]:
    """Entries as the workflow hands them over: with their metrics file per benchmark."""
    return [{**e, "metrics": {b: root / e["model"] / e["prompt"] / f"{b}.json" for b in BENCHES}} for e in entries]


def _write_metrics(root: Path, model: str, prompt: str, acc: float, tok: float) -> None:
    for bench in BENCHES:
        path = root / model / prompt / f"{bench}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        metrics = {
            "accuracy": acc,
            "tokens": tok,
            "accuracy_ci": [acc - 0.05, acc + 0.05],
            "tokens_ci": [tok - 5, tok + 5],
        }
        path.write_text(json.dumps(metrics))


ENTRIES = [
    {"base_model": "m", "method": "standard_prompt", "source": "evaluated", "model": "m", "prompt": "standard"},
    {"base_model": "m", "method": "no_thinking_prompt", "source": "evaluated", "model": "m", "prompt": "no_thinking"},
    {
        "base_model": "m",
        "method": "autothink_stage3",
        "source": "trained",
        "model": "m.autothink_stage3",
        "prompt": "ellipsis",
    },
]


# ThinkPrune iter-2k, trained here and released under the same name: two rows told apart by source
THINKPRUNE_TWICE = [
    {"base_model": "m", "method": "thinkprune_iter2k", "source": source, "model": model, "prompt": "standard"}
    for source, model in (("trained", "m.thinkprune_iter2k"), ("released_checkpoint", "thinkprune_iter2k"))
]


@pytest.fixture
def table(tmp_path):
    for (model, prompt), (acc, tok) in zip(
        [("m", "standard"), ("m", "no_thinking"), ("m.autothink_stage3", "ellipsis")],
        [(0.5, 100), (0.3, 10), (0.6, 40)],
    ):
        _write_metrics(tmp_path, model, prompt, acc, tok)
    rows, intervals = T.measured_rows(_with_files(ENTRIES, tmp_path), BENCHES)
    return T.with_averages_and_e_f1(rows, BENCHES), intervals


def test_table_has_the_paper_columns_and_e_f1(table):
    table, intervals = table
    assert list(table.columns) == T.KEYS + [
        "math500_acc",
        "aime24_acc",
        "avg_acc",
        "math500_tok",
        "aime24_tok",
        "avg_tok",
        "e_f1",
    ]
    stage3 = table.set_index("method").loc["autothink_stage3"]
    assert stage3.avg_acc == pytest.approx(60) and stage3.avg_tok == pytest.approx(40)
    d_acc, d_tok = (60 - 50) / (50 - 30), (100 - 40) / (100 - 10)
    assert stage3.e_f1 == pytest.approx(100 * 2 * d_acc * d_tok / (d_acc + d_tok))
    assert math.isnan(table.set_index("method").loc["standard_prompt"].e_f1)
    assert intervals.set_index("method").loc["autothink_stage3"].math500_acc_lo == pytest.approx(55)


def test_the_base_models_prompt_rows_have_no_e_f1(tmp_path):
    """As in the paper: E-F1 scores methods; the ellipsis prompt row, like the other two, has none."""
    ellipsis = {
        "base_model": "m",
        "method": "ellipsis_prompt",
        "source": "evaluated",
        "model": "m",
        "prompt": "ellipsis",
    }
    for (model, prompt), (acc, tok) in zip(
        [("m", "standard"), ("m", "no_thinking"), ("m", "ellipsis"), ("m.autothink_stage3", "ellipsis")],
        [(0.5, 100), (0.3, 10), (0.55, 60), (0.6, 40)],
    ):
        _write_metrics(tmp_path, model, prompt, acc, tok)
    rows, _ = T.measured_rows(_with_files([*ENTRIES, ellipsis], tmp_path), BENCHES)
    scores = T.with_averages_and_e_f1(rows, BENCHES).set_index("method")["e_f1"]
    assert (
        scores[["standard_prompt", "no_thinking_prompt", "ellipsis_prompt"]].isna().all()
        and scores["autothink_stage3"] > 0
    )


def test_repeat_seeds_give_the_mean_and_spread_of_each_trained_row(tmp_path):
    """A trained row over three training seeds: Table 1 shows the mean cells (averages and E-F1
    from them), the seed count and the standard deviation over seeds; table1_seeds.csv each seed."""
    accuracies = {"m.autothink_stage3": 0.6, "m.autothink_stage3.seed1": 0.7, "m.autothink_stage3.seed2": 0.8}
    for model, acc in accuracies.items():
        _write_metrics(tmp_path, model, "ellipsis", acc, 40 + 10 * (acc > 0.65))
    for (model, prompt), (acc, tok) in zip([("m", "standard"), ("m", "no_thinking")], [(0.5, 100), (0.3, 10)]):
        _write_metrics(tmp_path, model, prompt, acc, tok)
    entries = _with_files([{**e, "seed": 0} if e["source"] == "trained" else e for e in ENTRIES], tmp_path)
    repeats = _with_files([{**ENTRIES[2], "model": f"m.autothink_stage3.seed{k}", "seed": k} for k in (1, 2)], tmp_path)
    table, intervals, _, seeds = T.build({"entries": entries, "seed_entries": repeats, "benchmarks": BENCHES})
    row = table.set_index("method").loc["autothink_stage3"]
    assert row.avg_acc == pytest.approx(70) and row.avg_tok == pytest.approx(140 / 3)
    assert (
        row.seeds == 3
        and row.avg_acc_sd == pytest.approx(10)
        and row.avg_tok_sd == pytest.approx(np.std([40, 50, 50], ddof=1))
    )
    assert list(seeds["seed"]) == [0, 1, 2] and list(seeds["avg_acc"]) == pytest.approx([60, 70, 80])
    assert row.e_f1_sd == pytest.approx(seeds["e_f1"].std())
    assert "autothink_stage3" not in set(intervals["method"])  # one seed's bootstrap interval is not the row's
    assert "| 3 |" in T.to_markdown(table)


def test_missing_metrics_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="m.autothink_stage3 under the ellipsis prompt on math500"):
        T.measured_rows(_with_files(ENTRIES[2:], tmp_path), BENCHES)


def test_renderings_bold_the_best_measured_values(table):
    table, intervals = table
    markdown = T.to_markdown(table)
    assert markdown.splitlines()[0].startswith("| base_model | method | source |")
    stage3_line = next(line for line in markdown.splitlines() if "autothink_stage3" in line)
    assert "**60.0**" in stage3_line and "**40**" in stage3_line  # best accuracy; fewest tokens (no-thinking excluded)
    latex = T.to_latex(table)
    assert (
        "\\toprule" in latex and "\\bottomrule" in latex and "autothink\\_stage3" in latex and "\\textbf{60.0}" in latex
    )
    html = T.to_html(table, intervals)
    assert html.count("<tr>") == 4 and 'title="95% interval 55.0–65.0"' in html


def test_reported_rows_keep_their_source_and_map_columns():
    reference = pd.read_csv(REFERENCE)
    rows = T.reported_rows(reference, {"r1": "DeepSeek-R1-Distill-Qwen-1.5B"}, {"math500": "math", "aime24": "aime24"})
    assert set(rows["method"]) == {"concise_rl", "shorterbetter"} and set(rows["source"]) == {"copied_from_its_paper"}
    concise = rows.set_index("method").loc["concise_rl"]
    assert concise.math500_acc == 81.0 and concise.aime24_tok == 6752


def test_paper_vs_reproduced_gives_deltas_per_cell(table):
    table, _ = table
    reference = pd.read_csv(REFERENCE)
    names = {"m": "DeepSeek-R1-Distill-Qwen-1.5B"}
    compared = T.paper_vs_reproduced(table, reference, names, {"math500": "math", "aime24": "aime24"}).set_index(
        "method"
    )
    assert set(compared.index) == {"standard_prompt", "no_thinking_prompt", "autothink_stage3"}
    stage3 = compared.loc["autothink_stage3"]
    assert stage3.math500_acc_paper == 84.0 and stage3.math500_acc_ours == pytest.approx(60)
    assert stage3.math500_acc_delta == pytest.approx(60 - 84.0) and stage3.aime24_tok_delta == pytest.approx(40 - 9514)
    assert stage3.e_f1_paper == 39.6


def test_paper_vs_reproduced_compares_like_with_like(tmp_path):
    """The paper's thinkprune_iter2k row is the released checkpoint: our trained run of the same
    name is not compared with it, our evaluation of the release is."""
    entries = THINKPRUNE_TWICE
    _write_metrics(tmp_path, "m.thinkprune_iter2k", "standard", 0.6, 50)
    _write_metrics(tmp_path, "thinkprune_iter2k", "standard", 0.4, 70)
    rows, _ = T.measured_rows(_with_files(entries, tmp_path), BENCHES)
    compared = T.paper_vs_reproduced(
        T.with_averages_and_e_f1(rows, BENCHES),
        pd.read_csv(REFERENCE),
        {"m": "DeepSeek-R1-Distill-Qwen-1.5B"},
        {"math500": "math", "aime24": "aime24"},
    )
    assert compared[["method", "source"]].values.tolist() == [["thinkprune_iter2k", "released_checkpoint"]]
    assert compared["math500_acc_ours"].tolist() == [pytest.approx(40)]


def test_levels_and_plots(tmp_path, table):
    """Both groupings: the dataset's levels, and buckets of the base model's standard-prompt pass rate."""
    samples = pd.DataFrame(
        {
            "base_model": "m",
            "bench": "x",
            "method": ["standard_prompt"] * 4 + ["a"] * 4 + ["b"] * 4,
            "problem_id": ["p1", "p1", "p2", "p2"] * 3,
            "level": [1, 1, 2, 2] * 3,
            "mode": ["think"] * 4
            + ["no_think", "no_think", "think", "no_think", "think", "think", "think", "no_think"],
            "correct": [True, True, True, False] * 3,
            "completion_tokens": [70, 80, 90, 100, 8, 9, 80, 10, 70, 60, 90, 12],
        }
    )
    levels = by_level(samples)
    records = levels.to_dict("records")
    assert records[4] == {
        "base_model": "m",
        "method": "a",
        "grouping": "level",
        "level": 1,
        "no_think_rate": 1.0,
        "accuracy": 1.0,
        "mean_tokens": 8.5,
        "n": 2,
    }
    assert levels["method"].tolist() == ["standard_prompt"] * 4 + ["a"] * 4 + ["b"] * 4
    # p1: the base model right 2/2 -> bucket 1 (easiest); p2: right 1/2 -> bucket 1 + floor(0.5 * 8) = 5
    buckets = levels[(levels["method"] == "a") & (levels["grouping"] == "base_pass_rate")]
    assert buckets["level"].tolist() == [1, 5] and buckets["no_think_rate"].tolist() == [1.0, 0.5]
    assert buckets["accuracy"].tolist() == [1.0, 0.5]
    table, intervals = table
    written = P.save(P.accuracy_vs_tokens(table, intervals, "m"), tmp_path / "acc_r1-distill-1.5b")
    assert [p.name for p in written] == [
        "acc_r1-distill-1.5b.png",
        "acc_r1-distill-1.5b.svg",
    ]  # a dot in the model's name stays
    written += P.save(P.no_think_by_level(levels, "m", ["a", "b"]), tmp_path / "lv")
    written += P.save(P.length_distributions(samples, ["a", "b"]), tmp_path / "len")
    assert all(p.stat().st_size > 1000 for p in written)


def test_pareto_front():
    tokens, accuracy = np.array([10, 40, 100, 50]), np.array([30, 60, 50, 55])
    assert P.pareto_front(tokens, accuracy).tolist() == [0, 1]


def test_a_method_trained_here_and_released_keeps_its_own_interval(tmp_path):
    """ThinkPrune iter-2k is both a trained run and a released checkpoint: same method name, two rows."""
    entries = ENTRIES[:2] + THINKPRUNE_TWICE
    for (model, prompt), (acc, tok) in zip(
        [
            ("m", "standard"),
            ("m", "no_thinking"),
            ("m.thinkprune_iter2k", "standard"),
            ("thinkprune_iter2k", "standard"),
        ],
        [(0.5, 100), (0.3, 10), (0.55, 60), (0.45, 50)],
    ):
        _write_metrics(tmp_path, model, prompt, acc, tok)
    rows, intervals = T.measured_rows(_with_files(entries, tmp_path), BENCHES)
    table = T.with_averages_and_e_f1(rows, BENCHES)
    figure = P.accuracy_vs_tokens(table, intervals, "m")
    bars = [c for c in figure.axes[0].containers if c.has_yerr]
    assert len(bars) == 4  # one per row, each with the +-5-point interval of its own metrics
    for bar in bars:
        vertical = bar.lines[2][-1]  # the y error bar (drawn after the x one)
        low, high = vertical.get_segments()[0][:, 1]
        assert high - low == pytest.approx(10.0)


def test_explorer_picks_a_few_samples_per_cell_and_escapes_model_text():
    from autothink.report.explorer import HEAD_CHARS, TAIL_CHARS, pick_samples, render

    samples = pd.DataFrame(
        {
            "base_model": "m",
            "method": ["a"] * 5 + ["b"] * 2,
            "bench": "math500",
            "level": [1, 1, 1, 1, 2, 1, 1],
            "problem_id": ["p1", "p1", "p2", "p2", "p3", "p1", "p2"],
            "mode": ["think", "no_think", "think", "think", "think", "no_think", "think"],
            "correct": [True, False, True, True, False, True, False],
            "completion_tokens": 10,
            "answer": ["5", None, "7", "7", "9", "5", "8"],
            "response": ["<script>alert(1)</script>", "x" * (HEAD_CHARS + TAIL_CHARS + 50)] + ["ok"] * 5,
        }
    )
    golds = pd.DataFrame({"bench": "math500", "problem_id": ["p1", "p2", "p3"], "gold": ["5", "7", "9"]})
    picked = pick_samples(samples, golds, per_cell=2)
    assert picked.groupby(["method", "level"]).size().to_dict() == {("a", 1): 2, ("a", 2): 1, ("b", 1): 2}
    assert picked["gold"].notna().all()
    page = render(pick_samples(samples, golds, per_cell=5), "Sampled responses")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "[... 50 characters left out ...]" in page
    assert page.count("<tr data-method=") == 7 and 'data-filter="mode"' in page
