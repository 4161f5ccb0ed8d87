"""Paper-world loaders on fixture files in the raw formats the hub datasets use."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from datasets import Dataset

from autothink.data import SCHEMA, DataError, prepare, read_source

MATH500_ROWS = [
    {"problem": "What is $1+1$?", "answer": "2", "level": 1, "unique_id": "test/a/1.json"},
    {"problem": "Simplify $\\frac{2}{4}$.", "answer": "\\frac{1}{2}", "level": 3, "unique_id": "test/b/2.json"},
]
MATH500_SPEC = {"split": "test", "fields": {"level": "level", "id": "unique_id"}, "count": 2}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_jsonl_file_normalises_to_schema(tmp_path):
    source = write_jsonl(tmp_path / "math500.jsonl", MATH500_ROWS)
    frame = prepare("math500", {**MATH500_SPEC, "source": str(source)}, tmp_path / "out.parquet")
    assert list(frame.columns) == SCHEMA
    stored = pd.read_parquet(tmp_path / "out.parquet")
    assert stored["id"].tolist() == ["test/a/1.json", "test/b/2.json"]
    assert stored["level"].tolist() == [1, 3] and stored["source"].unique().tolist() == ["math500"]


def test_parquet_file_and_directory_and_saved_dataset(tmp_path):
    rows = [{"question": f"q{i}", "final_answer": [f"{i}", "x"]} for i in range(3)]
    spec = {"split": "test", "fields": {"problem": "question", "answer": "final_answer"}, "count": 3}
    pd.DataFrame(rows).to_parquet(tmp_path / "test-00000.parquet")
    from_dir = prepare("olympiad", {**spec, "source": str(tmp_path)}, tmp_path / "a.parquet")
    assert from_dir["answer"].tolist() == ["0, x", "1, x", "2, x"]  # list answers join
    Dataset.from_list(rows).save_to_disk(str(tmp_path / "saved"))
    from_disk = prepare("olympiad", {**spec, "source": str(tmp_path / "saved")}, tmp_path / "b.parquet")
    assert from_disk["problem"].tolist() == ["q0", "q1", "q2"]


def test_math500_level_strings(tmp_path):
    rows = [{**r, "level": f"Level {r['level']}"} for r in MATH500_ROWS]
    source = write_jsonl(tmp_path / "m.jsonl", rows)
    assert prepare("math500", {**MATH500_SPEC, "source": str(source)}, tmp_path / "o.parquet")["level"].tolist() == [
        1,
        3,
    ]


@pytest.mark.parametrize(
    "rows, spec, message",
    [
        (MATH500_ROWS, {"count": 500}, "expected 500 problems for math500, found 2"),
        ([{"problem": "p", "answer": ""}], {}, "row 0: no answer"),
        ([{"problem": "p", "answer": None}, {"problem": "q", "answer": "1"}], {}, "row 0: no answer"),
        ([{"question": "p", "answer": "1"}], {}, r"column 'problem' \(for problem\) missing"),
        ([{"problem": " ", "answer": "1"}], {}, "row 0 has an empty problem"),
    ],
)
def test_bad_data_is_named(tmp_path, rows, spec, message):
    source = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError, match=message):
        prepare("math500", {"source": str(source), **spec}, tmp_path / "o.parquet")
    assert not (tmp_path / "o.parquet").exists()


def test_missing_local_source_is_named(tmp_path):
    with pytest.raises(DataError, match="no such file or directory"):
        read_source(str(tmp_path / "nope.jsonl"), "test")
    with pytest.raises(DataError, match="unsupported file type"):
        (tmp_path / "x.csv").write_text("a\n")
        read_source(str(tmp_path / "x.csv"), "test")
