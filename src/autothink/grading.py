"""Answer extraction and grading of untrusted model text.

The answer is the content of the last complete ``\\boxed{...}`` between the first ``</think>`` and
the next one.
Equivalence with the gold answer is decided on that extracted string only, never on the raw
response, and never by ``eval``/``sympify`` of model text:

1. plain answers (integers, decimals, ``a/b``, ``\\frac{a}{b}``, ``k\\sqrt{n}``, and tuples or
   intervals of these with the same brackets on both sides) are compared exactly in-process, as
   math-verify would judge them (unequal ones with a decimal go to math-verify, which accepts a
   rounded decimal), and so are the same items in other brackets where math-verify's verdict is
   settled; so are polynomials with integer coefficients (`autothink.polynomial`);
2. everything else goes to math-verify in a worker process. math-verify's own timeouts rely on
   SIGALRM, which works only on a process's main thread and cannot interrupt a computation stuck
   in C code (a tower of exponents); the pool enforces a hard wall-clock bound per answer by
   terminating its workers, so grading one answer is bounded from any thread or process.

Any failure grades ``False``; nothing here raises on model output.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import queue
import re
import threading
import time
from fractions import Fraction

from autothink.polynomial import polynomial
from autothink.prompts import THINK_CLOSE

MAX_ANSWER_CHARS = 1000  # a longer "answer" is not one; skip parsing it
HARD_TIMEOUT_S = 5.0  # wall-clock bound per answer in the worker pool
MATH_VERIFY_TIMEOUT_S = 2  # math-verify's own (signal) bound inside a worker
CHUNK = 32  # pairs per worker task
STARTUP_TIMEOUT_S = 300.0  # a worker importing math-verify on a loaded machine

_BRACES = re.compile(r"\\boxed\{|\{|\}")
_NON_SPACE = re.compile(r"\S")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FRACTION = re.compile(r"(-?)\\d?frac\{(-?\d+)\}\{(-?\d+)\}|(-?\d+)/(-?\d+)")
_RADICAL = re.compile(r"(-?)(\d*)\\sqrt\{(\d+)\}")
_BRACKETED = re.compile(r"([(\[])([^()\[\]]*)([)\]])")


def _boxed_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the contents of every complete ``\\boxed{...}``, nested braces matched.

    One pass over the brace tokens with a stack, so unbalanced or deeply nested input of any
    size costs linear time.
    """
    stack: list[tuple[bool, int]] = []
    spans = []
    for match in _BRACES.finditer(text):
        token = match.group()
        if token == "}":
            if stack:
                is_box, start = stack.pop()
                if is_box:
                    spans.append((start, match.start()))
        else:
            stack.append((token != "{", match.end()))
    return spans


def extract_answer(response: str) -> str | None:
    """The last complete boxed answer between the first ``</think>`` and the next one, if any (the
    official code's answer span: a second think block is not part of the answer); None on a
    format error."""
    end = response.find(THINK_CLOSE)
    if end < 0:
        return None
    start = end + len(THINK_CLOSE)
    stop = response.find(THINK_CLOSE, start)
    answer = response[start : stop if stop >= 0 else len(response)]
    # the non-empty box that opens last; testing each box for a non-space character from its start
    # (not slicing it) keeps nested boxes linear in the response's length
    for start, stop in sorted(_boxed_spans(answer), reverse=True):
        if _NON_SPACE.search(answer, start, stop):
            return answer[start:stop]
    return None


def _plain_number(text: str) -> Fraction | None:
    """The exact value of a (normalised) plain number or simple fraction, else None."""
    try:
        if _NUMBER.fullmatch(text):
            return Fraction(text)
        match = _FRACTION.fullmatch(text)
        if match:
            sign, num, den = (
                (match.group(1), match.group(2), match.group(3))
                if match.group(2)
                else ("", match.group(4), match.group(5))
            )
            if int(den) != 0:
                return Fraction(int(num), int(den)) * (-1 if sign else 1)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return None
    return None


def _signed_square(text: str) -> Fraction | None:
    """x * |x| for a plain number, a simple fraction or an integer multiple of a square root
    (``-3\\sqrt{2}``), else None: exact, and equal exactly when the values are equal."""
    value = _plain_number(text)
    if value is not None:
        return value * abs(value)
    match = _RADICAL.fullmatch(text)
    if match is None:
        return None
    sign, factor, radicand = match.groups()
    try:
        square = int(factor or 1) ** 2 * int(radicand)
    except ValueError:  # more digits than Python converts
        return None
    return Fraction(-square if sign else square)


def _plain_value(text: str) -> tuple[str, tuple[Fraction, ...]] | None:
    """An exact form of a plain answer, else None (no parser involved): its shape ("" for one
    number or radical, the brackets for a tuple or interval of them, e.g. "()" or "[)") and the
    signed squares of its items. Two answers of the same shape are equivalent exactly when their
    items are equal in order; across shapes math-verify decides (it reads ``[1,2]`` as an interval
    but ``[2,1]`` as a tuple equal to ``(2,1)``)."""
    text = text.strip().strip("$").replace(" ", "").replace("\\!", "").rstrip(".")
    text = text.replace("\\left", "").replace("\\right", "")
    value = _signed_square(text)
    if value is not None:
        return ("", (value,))
    match = _BRACKETED.fullmatch(text)
    if match is None:
        return None
    items = tuple(_signed_square(item) for item in match.group(2).split(","))
    if len(items) < 2 or None in items:
        return None
    return (match.group(1) + match.group(3), items)


def _across_brackets(shape: str, gold_shape: str, items: tuple, gold_items: tuple) -> bool | None:
    """The same items in other brackets, where math-verify's verdict is settled (checked against
    it, see the tests): two increasing items are an interval, whose brackets matter (unequal);
    three or more are a tuple in ``(...)`` or ``[...]`` alike, and never one with mixed brackets.
    None elsewhere (decreasing or equal pairs read as tuples or empty intervals, other items)."""
    if not shape or not gold_shape or items != gold_items:
        return None
    if len(items) == 2:
        return False if items[0] < items[1] else None
    return {shape, gold_shape} <= {"()", "[]"}


@functools.lru_cache(maxsize=4096)
def _parse_gold(gold: str):
    from math_verify import parse

    return parse(f"${gold}$", parsing_timeout=MATH_VERIFY_TIMEOUT_S)


def _math_verify(answer: str, gold: str) -> bool:
    """math-verify equivalence (gold first: `verify` is not symmetric). Runs in a pool worker."""
    try:
        from math_verify import LatexExtractionConfig, parse, verify

        gold_parsed = _parse_gold(gold)  # each problem's gold is graded against many samples
        answer_parsed = parse(
            f"\\boxed{{{answer}}}",
            extraction_config=[LatexExtractionConfig(boxed_match_priority=0, try_extract_without_anchor=False)],
            extraction_mode="first_match",
            parsing_timeout=MATH_VERIFY_TIMEOUT_S,
        )
        if not gold_parsed or not answer_parsed:
            return False
        return bool(verify(gold_parsed, answer_parsed, timeout_seconds=MATH_VERIFY_TIMEOUT_S))
    except BaseException:  # noqa: BLE001 - untrusted input: any failure is a wrong answer
        return False


def _math_verify_all(pairs: list[tuple[str, str]]) -> list[bool]:
    return [_math_verify(answer, gold) for answer, gold in pairs]


def _worker_init(ready) -> None:
    """Import and exercise math-verify once, then report ready: the per-answer bound must time
    grading, not the seconds a fresh worker spends importing sympy."""
    import logging

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # timeouts are expected, not news
    _math_verify("\\frac{1}{2}", "0.5")
    ready.put(True)


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask (taskset, cgroups) and a SLURM job's
    allocation, not every core of the node."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    allocated = os.environ.get("SLURM_CPUS_PER_TASK", "")
    return min(count, int(allocated)) if allocated.isdigit() and int(allocated) > 0 else count


class _VerifierPool:
    """A lazily started process pool that is torn down and restarted when an answer hangs."""

    def __init__(self, processes: int | None = None):
        self._processes = processes
        self._pool = None
        self._lock = threading.Lock()

    def _get(self):
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # fork is unsafe once torch threads exist
            processes = self._processes or usable_cpus()
            ready = context.Queue()
            # no maxtasksperchild: a replacement worker would start cold, inside a timed task
            self._pool = context.Pool(processes, initializer=_worker_init, initargs=(ready,))
            self._wait_until_ready(ready, processes)
        return self._pool

    def _wait_until_ready(self, ready, processes: int) -> None:
        """Wait for every worker's start-up; fail fast when workers die while starting (the pool
        then replaces them with new process ids), which is what happens when the calling script
        grades at import time: each spawned worker re-imports the script and dies."""
        first_workers = {worker.pid for worker in self._pool._pool}
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        started = 0
        while started < processes:
            try:
                ready.get(timeout=1.0)
                started += 1
                continue
            except queue.Empty:
                pass
            if {worker.pid for worker in self._pool._pool} != first_workers:
                self._restart()
                raise RuntimeError(
                    "math-verify workers exited while starting. Worker processes re-import the script that "
                    'started them: call autothink\'s grading under `if __name__ == "__main__":` in that script.'
                )
            if time.monotonic() > deadline:
                self._restart()
                raise RuntimeError(f"math-verify workers did not start within {STARTUP_TIMEOUT_S} s")

    def _restart(self) -> None:
        self._pool.terminate()
        self._pool.join()
        self._pool = None

    def verify_many(self, pairs: list[tuple[str, str]], timeout: float) -> list[bool]:
        """Equivalence of each (answer, gold) pair; a pair over ``timeout`` seconds is False.

        Pairs travel in chunks (one task per answer would spend more time on messaging than on
        math-verify); a chunk that overruns is re-graded one pair per task, each with the bound.
        """
        results = [False] * len(pairs)
        if not pairs:
            return results  # no pool started for nothing
        chunks = [list(range(i, min(i + CHUNK, len(pairs)))) for i in range(0, len(pairs), CHUNK)]
        with self._lock:
            overrun, unfinished = self._run(chunks, pairs, results, timeout=timeout * 2)
            retry = overrun + unfinished
            while retry:  # one pair per task: an overrunning pair stays False
                _, retry = self._run([[i] for i in retry], pairs, results, timeout=timeout)
        return results

    def _run(self, tasks: list[list[int]], pairs, results: list[bool], timeout: float) -> tuple[list[int], list[int]]:
        """Grade tasks (lists of pair indices) in order, filling ``results``. At the first task
        over ``timeout`` the pool is restarted; returns that task and the tasks that had not
        finished by then (both empty when all finished)."""
        pool = self._get()
        jobs = [(task, pool.apply_async(_math_verify_all, ([pairs[i] for i in task],))) for task in tasks]
        for k, (task, job) in enumerate(jobs):
            try:
                for i, ok in zip(task, job.get(timeout=timeout)):
                    results[i] = ok
            except multiprocessing.TimeoutError:
                unfinished = []
                for later_task, later in jobs[k + 1 :]:
                    if later.ready():
                        for i, ok in zip(later_task, later.get()):
                            results[i] = ok
                    else:
                        unfinished += later_task
                self._restart()
                return task, unfinished
        return [], []


_POOL = _VerifierPool()


def answers_match_many(answers: list[str | None], golds: list[str], timeout: float = HARD_TIMEOUT_S) -> list[bool]:
    """Grade extracted answers against gold answers; None (no answer) is wrong."""
    results: list[bool] = [False] * len(answers)
    slow = []
    for i, (answer, gold) in enumerate(zip(answers, golds)):
        if answer is None:
            continue
        if answer.strip() == gold.strip():  # linear, so safe at any length
            results[i] = True
            continue
        if len(answer) > MAX_ANSWER_CHARS:
            continue
        a, g = _plain_value(answer), _plain_value(gold)
        if a is not None and g is not None and a[0] == g[0]:  # same shape
            if a[1] == g[1]:
                results[i] = True
            elif "." not in answer + gold:  # math-verify accepts a rounded decimal (3/7 as 0.428571)
                results[i] = False
            else:
                slow.append(i)
        elif a is not None and g is not None and (verdict := _across_brackets(a[0], g[0], a[1], g[1])) is not None:
            results[i] = verdict
        elif (a_poly := polynomial(answer)) is not None and (g_poly := polynomial(gold)) is not None:
            results[i] = a_poly == g_poly
        else:
            slow.append(i)
    unique = list(dict.fromkeys((answers[i], golds[i]) for i in slow))  # samples often repeat an answer
    verdicts = dict(zip(unique, _POOL.verify_many(unique, timeout)))
    for i in slow:
        results[i] = verdicts[(answers[i], golds[i])]
    return results


def grade_many(responses: list[str], golds: list[str], timeout: float = HARD_TIMEOUT_S) -> list[bool]:
    """Batch grading for throughput: extraction in-process, math-verify spread over worker processes."""
    if len(responses) != len(golds):
        raise ValueError(f"{len(responses)} responses but {len(golds)} gold answers")
    return answers_match_many([extract_answer(r) for r in responses], [str(g) for g in golds], timeout)


def grade(response: str, gold: str) -> bool:
    """True iff the response's extracted answer is mathematically equivalent to ``gold``."""
    return grade_many([response], [gold])[0]
