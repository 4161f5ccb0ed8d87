"""Grading throughput: answers per second with the per-answer time bound in force.

Typical answers follow MATH500's mix (mostly integers, then fractions, radicals, expressions,
intervals and tuples, and 5% that only math-verify reads: pi, radicals in fractions), half of
them right, inside R1-style responses with a few kilobytes of
reasoning. Values are drawn from wide ranges so that almost every (answer, gold) pair is distinct:
grading de-duplicates repeated answers, which real evaluations (16 samples per problem) have
plenty of, so this is the pessimistic figure. Goal: >= 1000 answers/s on 2 cores.

    python benchmarks/grading_throughput.py [--n 20000]
"""

from __future__ import annotations

import argparse
import random
import time

from autothink.grading import grade_many

# (gold, an equivalent answer, a wrong answer) and how often each kind occurs
KINDS = [
    (0.55, lambda r: (str(n := r.randint(0, 10**6)), str(n), str(n + 1))),
    (
        0.15,
        lambda r: (
            "\\frac{%d}{%d}" % (a := r.randint(1, 999), b := r.randint(1000, 9999)),
            "\\frac{%d}{%d}" % (2 * a, 2 * b),
            "\\frac{%d}{%d}" % (a + 1, b),
        ),
    ),
    (0.10, lambda r: ("%d\\sqrt{%d}" % (a := r.randint(2, 999), 2), "\\sqrt{%d}" % (2 * a * a), "%d\\sqrt{3}" % a)),
    (0.10, lambda r: ("%dx+%d" % (a := r.randint(2, 999), a), "%d(x+1)" % a, "%dx-%d" % (a, a))),
    (0.05, lambda r: ("(%d,%d)" % (a := r.randint(0, 999), a + 1), "(%d, %d)" % (a, a + 1), "[%d,%d]" % (a, a + 1))),
    # the long tail that only math-verify reads (pi, radicals in fractions)
    (0.05, lambda r: ("%d\\pi" % (a := r.randint(2, 999)), "\\pi\\cdot %d" % a, "\\frac{\\sqrt{%d}}{2}" % a)),
]


def make_batch(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    reasoning = "Let me work through this carefully. " * 60
    responses, golds = [], []
    weights = [w for w, _ in KINDS]
    for _ in range(n):
        make = rng.choices([k for _, k in KINDS], weights)[0]
        gold, right, wrong = make(rng)
        answer = right if rng.random() < 0.5 else wrong
        responses.append(f"<think>\n{reasoning}\n</think>\n\nSo the answer is $\\boxed{{{answer}}}$.")
        golds.append(gold)
    return responses, golds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    responses, golds = make_batch(args.n)
    grade_many(responses[:50], golds[:50])  # start the worker pool outside the timing
    started = time.perf_counter()
    results = grade_many(responses, golds)
    elapsed = time.perf_counter() - started
    print(f"{args.n} answers in {elapsed:.2f} s: {args.n / elapsed:.0f} answers/s; {sum(results)} graded correct")


if __name__ == "__main__":
    main()
