"""Paper-world data: benchmarks and the RL training set, from the hub or a local mirror, normalised
to one schema (``id, problem, answer, source, level``) and checked before anything trains on them.

A source is a Hugging Face dataset id, a local file (``.parquet``, ``.jsonl``, ``.json``) or a local
directory (a ``save_to_disk`` dataset, or data files). Clusters are often offline, so a local
mirror is a first-class source, not a fallback.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from autothink.atomic import atomic_path

SCHEMA = ["id", "problem", "answer", "source", "level"]
_READERS = {".parquet": pd.read_parquet, ".jsonl": lambda p: pd.read_json(p, lines=True), ".json": pd.read_json}


class DataError(ValueError):
    """A dataset that cannot be used as it is; the message names the file, column or row."""


_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def _read_file(path: Path) -> pd.DataFrame:
    reader = _READERS.get(path.suffix)
    if reader is None:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; use one of {sorted(_READERS)}")
    try:
        return reader(path)
    except (ValueError, UnicodeDecodeError, OSError) as error:  # truncated JSON, not UTF-8, bad parquet
        raise DataError(f"{path}: cannot be read as {path.suffix[1:]}: {str(error)[:200]}") from error


def _names(part: str) -> set[str]:
    """The words of a file or folder name (`test-00000-of-00001.parquet` -> test, 00000, of, 00001)."""
    return set(re.split(r"[^A-Za-z0-9]+", part.lower()))


def _directory_files(path: Path, split: str, subset: str | None) -> list[Path]:
    """The data files of a local directory for one split (and subset): files below hidden folders
    are skipped; the split must be a whole word of the file or folder name (`test` matches
    `test-0000.parquet` or `test/x.jsonl`, not `latest.jsonl`); a subset must name a folder or file."""
    files = [
        f
        for f in sorted(path.rglob("*"))
        if f.suffix in _READERS and not any(part.startswith(".") for part in f.relative_to(path).parts)
    ]
    if subset:
        files = [
            f
            for f in files
            if any(subset.lower() in (part.lower(), Path(part).stem.lower()) for part in f.relative_to(path).parts)
        ]
        if not files:
            raise DataError(f"{path}: no data files for subset {subset!r}")
    for_split = [f for f in files if any(split.lower() in _names(part) for part in f.relative_to(path).parts)]
    files = for_split or files
    if not files:
        raise DataError(f"{path}: no {sorted(_READERS)} files in this directory")
    kinds = sorted({f.suffix for f in files})
    if len(kinds) > 1:
        raise DataError(f"{path}: data files in several formats ({', '.join(kinds)}) would be read twice; keep one")
    return files


def read_source(source: str, split: str, subset: str | None = None) -> pd.DataFrame:
    """Raw rows of a dataset from a local file, a local directory or a hub id."""
    path = Path(source)
    if path.is_file():
        return _read_file(path)
    if path.is_dir():
        if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
            from datasets import load_from_disk

            saved = load_from_disk(str(path))
            return (saved[split] if hasattr(saved, "keys") else saved).to_pandas()
        return pd.concat([_read_file(f) for f in _directory_files(path, split, subset)], ignore_index=True)
    if not _HUB_ID.fullmatch(source) or path.suffix in _READERS:
        raise DataError(f"{source}: no such file or directory (and not a hub dataset id 'owner/name')")
    from datasets import load_dataset

    return load_dataset(source, subset, split=split).to_pandas()


def _answer_text(value, where: str) -> str:
    """Gold answers as text; a list of answers (OlympiadBench) joins with commas."""
    if isinstance(value, (list, tuple, np.ndarray)):
        parts = [str(v).strip() for v in value]
        value = ", ".join(p for p in parts if p)
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if not text:
        raise DataError(f"{where}: no answer")
    return text


def normalise(raw: pd.DataFrame, name: str, spec: dict, origin: str) -> pd.DataFrame:
    """Map a raw table to the schema, checking columns, answers and the expected count."""
    fields = spec.get("fields", {})
    columns = {key: fields.get(key, key) for key in ("problem", "answer")}
    for key, column in columns.items():
        if column not in raw.columns:
            raise DataError(f"{origin}: column {column!r} (for {key}) missing; columns are {sorted(raw.columns)}")
    missing = raw.index[raw[columns["problem"]].isna()].tolist()
    if missing:
        raise DataError(f"{origin}: row {missing[0]} has no problem ({columns['problem']!r} is null)")
    level_column, id_column = fields.get("level"), fields.get("id")
    frame = pd.DataFrame(
        {
            "id": raw[id_column].astype(str) if id_column else [f"{name}-{i:05d}" for i in range(len(raw))],
            "problem": raw[columns["problem"]].astype(str),
            "answer": [_answer_text(v, f"{origin} row {i}") for i, v in enumerate(raw[columns["answer"]])],
            "source": name,
            "level": pd.to_numeric(raw[level_column].astype(str).str.extract(r"(\d+)")[0]) if level_column else None,
        }
    )[SCHEMA]
    empty = frame.index[frame["problem"].str.strip() == ""].tolist()
    if empty:
        raise DataError(f"{origin}: row {empty[0]} has an empty problem")
    if frame.empty:
        raise DataError(f"{origin}: no problems")
    repeated = frame["id"][frame["id"].duplicated()].tolist()
    if repeated:
        raise DataError(f"{origin}: problem id {repeated[0]!r} occurs more than once (metrics group samples by id)")
    expected = spec.get("count")
    if expected is not None and len(frame) != expected:
        raise DataError(f"{origin}: expected {expected} problems for {name}, found {len(frame)}")
    return frame


def prepare(name: str, spec: dict, out_path: str | Path) -> pd.DataFrame:
    """Load, normalise, check and write one dataset as parquet."""
    raw = read_source(spec["source"], spec.get("split", "test"), spec.get("subset"))
    frame = normalise(raw, name, spec, origin=f"{spec['source']} ({name})")
    with atomic_path(out_path) as path:
        frame.to_parquet(path, index=False)
    return frame
