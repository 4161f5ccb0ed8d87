"""Table 1: accuracy and tokens per benchmark for every (base model, method), with E-F1.

Rows come from the metrics files of the evaluation rules (measured) and, in the paper world, from
the reference CSV (reported-only rows, marked by their `source`). Columns follow the paper's table:
`<bench>_acc` (%) and `<bench>_tok` per benchmark, the unweighted averages, and E-F1 against the
same base model's standard-prompt and no-thinking-prompt rows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from autothink.plan import prompt_row

KEYS = ["base_model", "method", "source"]


# The base model's rows that E-F1 (and the pass-rate difficulty buckets) measure against:
STANDARD_ROW, NO_THINKING_ROW = prompt_row("standard"), prompt_row("no_thinking")


def e_f1(acc: float, tok: float, *, std_acc: float, std_tok: float, no_acc: float, no_tok: float) -> float:
    """Efficiency-F1 (docs/method.md, section 4): harmonic mean of the accuracy gain and the token
    saving, each relative to the standard -> no-thinking span; 0 when either is <= 0."""
    if (
        any(math.isnan(x) for x in (acc, tok, std_acc, std_tok, no_acc, no_tok))
        or std_acc == no_acc
        or std_tok == no_tok
    ):
        return float("nan")
    d_acc = (acc - std_acc) / (std_acc - no_acc)
    d_tok = (std_tok - tok) / (std_tok - no_tok)
    if d_acc <= 0 or d_tok <= 0:
        return 0.0
    return 100 * 2 * d_acc * d_tok / (d_acc + d_tok)


def measured_rows(entries: list[dict], benchmarks: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table rows and their 95% intervals from the evaluations' metrics files.

    ``entries`` lists what to show: base_model, method, source, model, prompt, and ``metrics``,
    the metrics file of each benchmark.
    """
    rows, intervals = [], []
    for entry in entries:
        row = {key: entry[key] for key in KEYS}
        ci = dict(row)
        for bench in benchmarks:
            path = Path(entry["metrics"][bench])
            if not path.is_file():
                raise FileNotFoundError(
                    f"metrics for {entry['model']} under the {entry['prompt']} prompt on {bench} missing: {path}"
                )
            metrics = json.loads(path.read_text())
            row[f"{bench}_acc"] = 100 * metrics["accuracy"]
            row[f"{bench}_tok"] = metrics["tokens"]
            ci[f"{bench}_acc_lo"], ci[f"{bench}_acc_hi"] = (100 * x for x in metrics["accuracy_ci"])
            ci[f"{bench}_tok_lo"], ci[f"{bench}_tok_hi"] = metrics["tokens_ci"]
        rows.append(row)
        intervals.append(ci)
    return pd.DataFrame(rows), pd.DataFrame(intervals)


def with_averages_and_e_f1(table: pd.DataFrame, benchmarks: list[str]) -> pd.DataFrame:
    """Add `avg_acc`, `avg_tok` (unweighted over the benchmarks; NaN if any is missing) and `e_f1`.
    E-F1 scores trained and released models against the base model's standard and no-thinking
    prompts; the base model's own prompt rows (source `evaluated`) have none, as in the paper's table."""
    table = table.copy()
    acc_cols, tok_cols = [f"{b}_acc" for b in benchmarks], [f"{b}_tok" for b in benchmarks]
    table["avg_acc"] = table[acc_cols].mean(axis=1, skipna=False)
    table["avg_tok"] = table[tok_cols].mean(axis=1, skipna=False)
    scores = []
    for _, row in table.iterrows():
        same = table[table["base_model"] == row["base_model"]].set_index("method")
        if row["source"] == "evaluated" or not {STANDARD_ROW, NO_THINKING_ROW} <= set(same.index):
            scores.append(float("nan"))
            continue
        std, no = same.loc[STANDARD_ROW], same.loc[NO_THINKING_ROW]
        scores.append(
            e_f1(
                row["avg_acc"],
                row["avg_tok"],
                std_acc=std["avg_acc"],
                std_tok=std["avg_tok"],
                no_acc=no["avg_acc"],
                no_tok=no["avg_tok"],
            )
        )
    table["e_f1"] = scores
    return table[KEYS + acc_cols + ["avg_acc"] + tok_cols + ["avg_tok", "e_f1"]]


def reported_rows(reference: pd.DataFrame, names: dict[str, str], benchmarks: dict[str, str]) -> pd.DataFrame:
    """Rows a paper reports for methods we cannot run (no weights), renamed to our columns.

    ``names`` maps our base-model names to the reference's; ``benchmarks`` our benchmark names to
    the reference's column prefixes. Only rows whose source is not ours (``trained``/``evaluated``)
    are kept, so reported and measured numbers never mix.
    """
    reference = reference[
        reference["base_model"].isin(names.values())
        & ~reference["source"].isin(["trained", "evaluated", "released_checkpoint"])
    ]
    ours = {theirs: mine for mine, theirs in names.items()}
    rows = []
    for _, ref in reference.iterrows():
        row = {"base_model": ours[ref["base_model"]], "method": ref["method"], "source": ref["source"]}
        for mine, theirs in benchmarks.items():
            row[f"{mine}_acc"] = ref.get(f"{theirs}_acc", np.nan)
            row[f"{mine}_tok"] = ref.get(f"{theirs}_tok", np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def paper_vs_reproduced(
    table: pd.DataFrame, reference: pd.DataFrame, names: dict[str, str], benchmarks: dict[str, str]
) -> pd.DataFrame:
    """Our measured rows next to the paper's rows of the same (base model, method, source): for
    every cell the paper's value, ours, and the absolute difference (ours - paper). Like with like
    only: a run trained here is never set against a released checkpoint of the same name."""
    theirs = reference.set_index(["base_model", "method", "source"])
    columns = [f"{b}_{kind}" for kind in ("acc", "tok") for b in benchmarks] + ["avg_acc", "avg_tok", "e_f1"]
    rows = []
    for _, row in table[table["source"].isin(["evaluated", "trained", "released_checkpoint"])].iterrows():
        key = (names.get(row["base_model"]), row["method"], row["source"])
        if key not in theirs.index:
            continue
        paper = theirs.loc[key]
        out = {"base_model": row["base_model"], "method": row["method"], "source": row["source"]}
        for column in columns:
            ref_column = (
                column
                if column.startswith(("avg", "e_f1"))
                else benchmarks[column.rsplit("_", 1)[0]] + "_" + column.rsplit("_", 1)[1]
            )
            ours, published = row[column], pd.to_numeric(paper.get(ref_column, np.nan), errors="coerce")
            out[f"{column}_paper"], out[f"{column}_ours"], out[f"{column}_delta"] = published, ours, ours - published
        rows.append(out)
    return pd.DataFrame(
        rows,
        columns=["base_model", "method", "source"] + [f"{c}_{k}" for c in columns for k in ("paper", "ours", "delta")],
    )


SPREAD = ["avg_acc", "avg_tok", "e_f1"]  # columns whose spread over training seeds Table 1 shows


def per_seed(rows: pd.DataFrame, seeded: pd.DataFrame, benchmarks: list[str]) -> pd.DataFrame:
    """Every trained row once per training seed, with its own averages and E-F1 (against the same,
    unseeded, prompt rows of its base model): `table1_seeds.csv`. ``rows`` are the first seed's
    table rows, ``seeded`` the repeats' (both with a `seed` column)."""
    prompt_rows = rows[rows["source"] != "trained"]
    tables = [
        with_averages_and_e_f1(pd.concat([prompt_rows, trained], ignore_index=True), benchmarks)
        .loc[lambda t: t["source"] == "trained"]
        .assign(seed=trained["seed"].to_numpy())
        for _, trained in pd.concat([rows[rows["source"] == "trained"], seeded]).groupby("seed", sort=False)
    ]
    columns = ["base_model", "method", "source", "seed"]
    if not tables:
        return pd.DataFrame(columns=columns + SPREAD)
    table = pd.concat(tables, ignore_index=True)
    return table[columns + [c for c in table.columns if c not in columns]]


def mean_over_seeds(rows: pd.DataFrame, seeds: pd.DataFrame) -> pd.DataFrame:
    """Table rows with each trained row's per-benchmark cells averaged over its seeds (the averages
    and E-F1 are then computed from the means, as for any row), in the same order."""
    cells = [c for c in rows.columns if c.endswith(("_acc", "_tok"))]
    means = seeds.groupby(KEYS, sort=False)[cells].mean()
    out = rows.astype({c: float for c in cells})
    trained = out["source"] == "trained"
    keys = pd.MultiIndex.from_frame(out.loc[trained, KEYS])
    out.loc[trained, cells] = means.loc[keys, cells].to_numpy()
    return out


def with_spread(table: pd.DataFrame, seeds: pd.DataFrame) -> pd.DataFrame:
    """Table 1 plus how many training seeds each trained row averages and the standard deviation
    over them of its average accuracy, tokens and E-F1 (`<column>_sd`)."""
    spread = seeds.groupby(KEYS, sort=False)[SPREAD].agg(["count", "std"])
    spread = spread.reindex(pd.MultiIndex.from_frame(table[KEYS]))  # NaN for rows without seeds
    table = table.assign(seeds=spread[("avg_acc", "count")].to_numpy())
    for column in SPREAD:
        table[f"{column}_sd"] = spread[(column, "std")].to_numpy()
    return table


def build(spec: dict, oracle_rows: pd.DataFrame | None = None) -> tuple[pd.DataFrame, ...]:
    """Table 1 (measured rows, any oracle rows, then any reported-only rows, grouped by base model
    in config order), its intervals, the paper-vs-reproduced comparison (empty without a
    reference), and the trained rows per training seed. With repeat seeds, a trained row shows the
    mean over its seeds with their count and spread, and its bootstrap interval (one seed's) is left out."""
    rows, intervals = measured_rows(spec["entries"], spec["benchmarks"])
    seed_entries = spec.get("seed_entries", [])
    seeded, _ = measured_rows(seed_entries, spec["benchmarks"])
    rows["seed"] = [entry.get("seed") for entry in spec["entries"]]
    seeded["seed"] = [entry["seed"] for entry in seed_entries]
    seeds = per_seed(rows, seeded, spec["benchmarks"])
    rows = rows.drop(columns="seed")
    if seed_entries:
        rows = mean_over_seeds(rows, seeds)
        intervals = intervals[~intervals["source"].eq("trained")]
    if oracle_rows is not None and not oracle_rows.empty:
        rows = pd.concat([rows, oracle_rows], ignore_index=True)
    reference = spec.get("reference")
    if reference:
        paper = pd.read_csv(reference["csv"])
        rows = pd.concat(
            [rows, reported_rows(paper, reference["base_models"], reference["benchmarks"])], ignore_index=True
        )
    order = {name: i for i, name in enumerate(dict.fromkeys(e["base_model"] for e in spec["entries"]))}
    rows = rows.sort_values("base_model", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)
    table = with_averages_and_e_f1(rows, spec["benchmarks"])
    if seed_entries:
        table = with_spread(table, seeds)
    if reference:
        compared = paper_vs_reproduced(table, paper, reference["base_models"], reference["benchmarks"])
    else:  # the tiny world has no published numbers to compare with
        compared = pd.DataFrame(columns=["base_model", "method", "source"])
    return table, intervals, compared, seeds


def best_by_column(table: pd.DataFrame) -> dict[str, set[int]]:
    """Row positions holding the best measured value of each numeric column (per base model):
    highest accuracy and E-F1, fewest tokens. Reported-only rows do not compete."""
    best: dict[str, set[int]] = {}
    measured = table["source"].isin(["evaluated", "trained", "released_checkpoint"])
    for column in [c for c in table.columns if c.endswith(("_acc", "_tok")) or c == "e_f1"]:
        best[column] = set()
        for _, group in table[measured].groupby("base_model"):
            values = pd.to_numeric(group[column], errors="coerce").dropna()
            if column.endswith("_tok"):
                values = values[~group.loc[values.index, "method"].eq(NO_THINKING_ROW)]  # trivially short
            if values.empty:
                continue
            target = values.min() if column.endswith("_tok") else values.max()
            best[column] |= {table.index.get_loc(i) for i in values.index[np.isclose(values, target)]}
    return best


def _cell(value, column: str) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.0f}" if column.endswith("_tok") or column == "seeds" else f"{value:.1f}"


def to_markdown(table: pd.DataFrame) -> str:
    best = best_by_column(table)
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for pos, (_, row) in enumerate(table.iterrows()):
        cells = [f"**{_cell(row[c], c)}**" if pos in best.get(c, ()) else _cell(row[c], c) for c in table.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _tex(text: str) -> str:
    return (
        text.replace("\\", "\\textbackslash{}")
        .replace("_", "\\_")
        .replace("%", "\\%")
        .replace("&", "\\&")
        .replace("–", "--")
    )


def to_latex(table: pd.DataFrame) -> str:
    """A booktabs table; the best measured value per column and base model in bold."""
    best = best_by_column(table)
    lines = ["\\begin{tabular}{" + "l" * len(KEYS) + "r" * (len(table.columns) - len(KEYS)) + "}", "\\toprule"]
    lines.append(" & ".join(_tex(c) for c in table.columns) + " \\\\")
    lines.append("\\midrule")
    previous = None
    for pos, (_, row) in enumerate(table.iterrows()):
        if previous is not None and row["base_model"] != previous:
            lines.append("\\midrule")
        previous = row["base_model"]
        cells = [_tex(_cell(row[c], c)) for c in table.columns]
        cells = [f"\\textbf{{{cell}}}" if pos in best.get(c, ()) else cell for c, cell in zip(table.columns, cells)]
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


def to_html(table: pd.DataFrame, intervals: pd.DataFrame | None = None) -> str:
    """An HTML table; best values in bold, 95% intervals as hover titles where measured."""
    best = best_by_column(table)
    spans = {}
    if intervals is not None and not intervals.empty:
        spans = {(r["base_model"], r["method"]): r for _, r in intervals.iterrows()}
    head = "".join(f"<th>{c}</th>" for c in table.columns)
    body = []
    for pos, (_, row) in enumerate(table.iterrows()):
        cells = []
        for c in table.columns:
            text = _cell(row[c], c)
            ci = spans.get((row["base_model"], row["method"]))
            title = ""
            if ci is not None and f"{c}_lo" in ci:
                title = f' title="95% interval {_cell(ci[f"{c}_lo"], c)}–{_cell(ci[f"{c}_hi"], c)}"'
            text = f"<b>{text}</b>" if pos in best.get(c, ()) else text
            cells.append(f"<td{title}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    style = (
        "<style>table.table1{border-collapse:collapse;font:13px sans-serif}"
        "table.table1 td,table.table1 th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "table.table1 td:nth-child(-n+3),table.table1 th:nth-child(-n+3){text-align:left}</style>\n"
    )
    return (
        style
        + f'<table class="table1">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>\n"
    )
