"""Pin a job to free GPUs on a shared workstation.

Snakemake's `gpu` resource keeps jobs from asking for more GPUs than the box has, but it does not
say *which* GPUs a job gets, and every job sees all of them. `run_pinned` takes exclusive locks on
``count`` GPU slots (one lock file per GPU, released when the process ends, even if it is killed),
sets ``CUDA_VISIBLE_DEVICES`` to them and runs the command. Under SLURM this is not needed: SLURM
sets ``CUDA_VISIBLE_DEVICES`` for ``--gpus``.
"""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import tempfile
import time
from pathlib import Path

# per user: a shared, world-writable lock folder would let anyone plant files (or symlinks) in it
LOCK_DIR = Path(
    os.environ.get("AUTOTHINK_GPU_LOCKS") or Path(tempfile.gettempdir()) / f"autothink-gpu-locks-{os.getuid()}"
)


def _lock_folder(path: Path) -> Path:
    """The lock folder, created private; refused if it is a symlink or another user's."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise RuntimeError(
            f"{path}: not a folder of this user (a symlink or someone else's); set AUTOTHINK_GPU_LOCKS to a"
            " private folder"
        )
    return path


def _open_lock(path: Path):
    """A lock file opened without following a symlink and without truncating anything."""
    try:
        return os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600), "r+")
    except OSError as error:
        raise RuntimeError(f"{path}: cannot be used as a GPU lock file ({error.strerror}); is it a symlink?") from error


def visible_gpu_count() -> int:
    import torch

    return torch.cuda.device_count()


def acquire(
    count: int, total: int, lock_dir: Path | None = None, poll_s: float = 5.0, timeout_s: float | None = None
) -> tuple[list[int], list]:
    """Lock ``count`` of ``total`` GPU slots, waiting until that many are free."""
    lock_dir = LOCK_DIR if lock_dir is None else lock_dir
    if count > total:
        raise ValueError(f"a job asks for {count} GPUs but this machine has {total}")
    lock_dir = _lock_folder(lock_dir)
    started = time.monotonic()
    while True:
        held, handles = [], []
        for gpu in range(total):
            handle = _open_lock(lock_dir / f"gpu{gpu}.lock")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            held.append(gpu)
            handles.append(handle)
            if len(held) == count:
                return held, handles
        for handle in handles:  # not enough free: give back and wait
            handle.close()
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise TimeoutError(f"no {count} free GPUs within {timeout_s} s")
        time.sleep(poll_s)


def run_pinned(count: int, command: list[str], total: int | None = None, lock_dir: Path | None = None) -> int:
    """Run ``command`` on ``count`` locked GPUs; its exit status."""
    if count <= 0:
        return subprocess.call(command)
    gpus, handles = acquire(count, visible_gpu_count() if total is None else total, lock_dir)
    try:
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": ",".join(map(str, gpus))}
        return subprocess.call(command, env=env)
    finally:
        for handle in handles:
            handle.close()
