"""The sample explorer: what the models actually write, as one self-contained HTML page.

For every Table 1 row and difficulty level, a few sampled responses with their mode, correctness,
length, extracted answer and gold answer; select boxes filter the rows in the page. No external
scripts, styles or fonts: the page opens offline and inside the Snakemake report.
"""

from __future__ import annotations

import html

import pandas as pd

FILTERS = ("method", "bench", "level", "mode", "correct")  # the columns the page can filter on
HEAD_CHARS, TAIL_CHARS = 3000, 1000  # a long response shows its start and its end (the answer)

_SCRIPT = """
function applyFilters() {
  const chosen = {};
  document.querySelectorAll('select[data-filter]').forEach(s => { chosen[s.dataset.filter] = s.value; });
  let shown = 0;
  document.querySelectorAll('tbody tr').forEach(row => {
    const keep = Object.entries(chosen).every(([key, value]) => value === '' || row.dataset[key] === value);
    row.style.display = keep ? '' : 'none';
    shown += keep ? 1 : 0;
  });
  document.getElementById('shown').textContent = shown;
}
document.querySelectorAll('select[data-filter]').forEach(s => s.addEventListener('change', applyFilters));
"""

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }
td.right { color: #1a7f37; } td.wrong { color: #b42318; }
pre { white-space: pre-wrap; margin: 0; max-height: 18em; overflow: auto; }
label { margin-right: 1em; }
"""


def pick_samples(samples: pd.DataFrame, golds: pd.DataFrame, per_cell: int, seed: int = 0) -> pd.DataFrame:
    """Up to ``per_cell`` samples per (row, benchmark, level), drawn reproducibly, with the gold
    answer of each problem joined from ``golds`` (columns bench, problem_id, gold)."""
    shuffled = samples.sample(frac=1, random_state=seed)
    picked = shuffled.groupby(["base_model", "method", "bench", "level"], sort=False, dropna=False).head(per_cell)
    picked = picked.sort_index()  # back in table order
    return picked.merge(golds, on=["bench", "problem_id"], how="left").reset_index(drop=True)


def shorten(text: str) -> str:
    """A long response cut in the middle, saying how much is left out (R1 traces run to 100 KB)."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    left_out = len(text) - HEAD_CHARS - TAIL_CHARS
    return f"{text[:HEAD_CHARS]}\n[... {left_out} characters left out ...]\n{text[-TAIL_CHARS:]}"


def _options(values) -> str:
    return "".join(f'<option value="{html.escape(str(v))}">{html.escape(str(v))}</option>' for v in values)


def render(picked: pd.DataFrame, title: str) -> str:
    """The page: filters over ``FILTERS``, then one table row per picked sample."""
    keys = {
        "method": picked["method"].astype(str),
        "bench": picked["bench"].astype(str),
        "level": picked["level"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        "mode": picked["mode"].astype(str),
        "correct": picked["correct"].map(lambda v: "right" if v else "wrong"),
    }
    selects = "".join(
        f'<label>{name} <select data-filter="{name}"><option value="">all</option>'
        f"{_options(dict.fromkeys(keys[name]))}</select></label>"
        for name in FILTERS
    )
    body = []
    for i, row in picked.iterrows():
        data = " ".join(f'data-{name}="{html.escape(keys[name][i])}"' for name in FILTERS)
        cells = [
            html.escape(f"{row['base_model']} / {row['method']}"),
            html.escape(keys["bench"][i]),
            keys["level"][i],
            html.escape(keys["mode"][i]),
            f'<td class="{keys["correct"][i]}">{keys["correct"][i]}</td>',
            str(int(row["completion_tokens"])),
            html.escape("" if pd.isna(row.get("gold")) else str(row["gold"])),
            html.escape("" if row["answer"] is None or pd.isna(row["answer"]) else str(row["answer"])),
            f"<pre>{html.escape(shorten(str(row['response'])))}</pre>",
        ]
        cells = [c if c.startswith("<td") else f"<td>{c}</td>" for c in cells]
        body.append(f"<tr {data}>{''.join(cells)}</tr>")
    header = "".join(
        f"<th>{h}</th>"
        for h in ("row", "benchmark", "level", "mode", "correct", "tokens", "gold", "answer", "response")
    )
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f'<p>{selects} <span id="shown">{len(picked)}</span> of {len(picked)} samples shown</p>'
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
