"""Every output appears whole or not at all.

A job killed while writing would otherwise leave a truncated file that a later run (or a user
outside Snakemake's tracking) takes as finished. Writers write to a temporary name in the same
folder and rename it onto the output when they are done: a rename within one file system is
atomic, for files and for folders (a model saved with `save_pretrained`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` (same suffix, so writers that go by it still do); it
    replaces ``path`` when the block ends without an error and is removed when it raises."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    _remove(temporary)
    try:
        yield temporary
        if temporary.is_dir() and path.is_dir():
            _remove(path)  # a folder cannot be renamed onto a non-empty one
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            _remove(temporary)


def write_parquet(path: str | Path, frame) -> None:
    """``DataFrame.to_parquet`` (without the index), atomically."""
    with atomic_path(path) as temporary:
        frame.to_parquet(temporary, index=False)


def write_text(path: str | Path, text: str) -> None:
    """``Path.write_text``, atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)
