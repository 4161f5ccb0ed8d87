"""GPU pinning on a shared machine: jobs lock distinct GPUs and wait when none is free."""

from __future__ import annotations

import sys

import pytest

from autothink.gpus import acquire, run_pinned


def test_jobs_get_distinct_gpus_and_wait_for_free_ones(tmp_path):
    first, first_locks = acquire(2, total=3, lock_dir=tmp_path)
    second, second_locks = acquire(1, total=3, lock_dir=tmp_path)
    assert first == [0, 1] and second == [2]
    with pytest.raises(TimeoutError):
        acquire(1, total=3, lock_dir=tmp_path, poll_s=0.05, timeout_s=0.2)
    for handle in first_locks:
        handle.close()  # the job ended
    assert acquire(2, total=3, lock_dir=tmp_path)[0] == [0, 1]
    for handle in second_locks:
        handle.close()


def test_asking_for_more_gpus_than_exist_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="asks for 4 GPUs but this machine has 2"):
        acquire(4, total=2, lock_dir=tmp_path)


def test_pinned_command_sees_only_its_gpus(tmp_path):
    held, locks = acquire(1, total=4, lock_dir=tmp_path)  # another job holds GPU 0
    out = tmp_path / "visible.txt"
    code = f"import os; open({str(out)!r}, 'w').write(os.environ['CUDA_VISIBLE_DEVICES'])"
    assert run_pinned(2, [sys.executable, "-c", code], total=4, lock_dir=tmp_path) == 0
    assert held == [0] and out.read_text() == "1,2"
    for handle in locks:
        handle.close()
