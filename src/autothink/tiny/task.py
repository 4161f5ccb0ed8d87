"""Synthetic arithmetic with graded difficulty: the tiny world's problems and teacher responses.

A problem adds two integers; its level fixes how many digits each operand has. Thinking is a
column-by-column addition with explicit carries, which a ~1M-parameter model executes reliably at
every level; answering directly needs the whole carry chain in one pass, which it manages on short
operands and fails on long ones. That is the regime AutoThink targets: thinking pays off only on
hard problems.

The teacher's direct (no-think) answers model an imperfect intuition: at each level they are right
with probability ``intuition`` and otherwise off in the last digit, so the distilled model's
no-think accuracy falls smoothly with difficulty instead of jumping from all to nothing.

Thinking is not flawless either: on long operands the teacher sometimes slips in one column (with
probability ``slip``) and carries the error through to a wrong answer, as R1-style models make
arithmetic slips in long derivations. The distilled model inherits the slips, so thinking is
slightly wrong on hard problems and RL has something to fix besides when to think.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autothink.prompts import THINK_CLOSE

ANSWER_LEAD = "So the answer is "
RECHECK_LINE = "Wait, let me double check.\n"


@dataclass(frozen=True)
class Level:
    """One difficulty level: operand digit counts and the teacher's direct-answer accuracy."""

    level: int
    digits: tuple[int, int]
    intuition: float
    slip: float = 0.0


@dataclass(frozen=True)
class Problem:
    level: int
    a: int
    b: int

    @property
    def question(self) -> str:
        return f"{self.a}+{self.b}"

    @property
    def answer(self) -> str:
        return str(self.a + self.b)


def levels_from_config(spec: list[dict]) -> list[Level]:
    """Levels from the ``tiny.levels`` config list, numbered 1..n in config order."""
    return [
        Level(i + 1, tuple(item["digits"]), float(item["intuition"]), float(item.get("slip", 0.0)))
        for i, item in enumerate(spec)
    ]


def problem_space(level: Level) -> int:
    """How many distinct problems a level has (operands have no leading zeros)."""
    count = 1
    for d in level.digits:
        count *= 10 if d == 1 else 9 * 10 ** (d - 1)
    return count


def _operand(rng: np.random.Generator, digits: int) -> int:
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return int(rng.integers(low, 10**digits))


def sample_problem(rng: np.random.Generator, level: Level) -> Problem:
    return Problem(level.level, _operand(rng, level.digits[0]), _operand(rng, level.digits[1]))


def sample_problems(
    rng: np.random.Generator,
    levels: list[Level],
    n: int,
    mix: list[float],
    exclude: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Draw ``n`` problems with level shares ``mix`` (counts rounded, so every level gets its share).

    Questions in ``exclude`` are avoided on levels whose problem space is at least ten times what
    is asked of it, so evaluation problems do not leak into training; the smallest levels (a few
    hundred problems in all) are memorised by design and cannot be kept apart.
    """
    if len(mix) != len(levels):
        raise ValueError(f"level mix has {len(mix)} weights but there are {len(levels)} levels")
    weights = np.asarray(mix, dtype=float)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f"level mix must be non-negative with a positive sum, got {mix}")
    counts = np.floor(weights / weights.sum() * n).astype(int)
    for i in np.argsort(-(weights / weights.sum() * n - counts))[: n - counts.sum()]:
        counts[i] += 1
    problems = []
    for level, count in zip(levels, counts):
        avoid = exclude if problem_space(level) >= 10 * count else frozenset()
        drawn = 0
        while drawn < count:
            problem = sample_problem(rng, level)
            if problem.question in avoid:
                continue
            problems.append(problem)
            drawn += 1
    order = rng.permutation(len(problems))
    return [problems[i] for i in order]


def column_work(problem: Problem, slip: int | None = None) -> tuple[list[str], str]:
    """The column additions, units first (``digit+digit(+carry)=sum``), and the sum they spell.

    ``slip`` names a column whose written sum is one too high; later carries and the result follow
    the written (wrong) sum, so the slip propagates like a real arithmetic mistake.
    """
    a_digits, b_digits = str(problem.a)[::-1], str(problem.b)[::-1]
    lines, digits, carry = [], [], 0
    for i in range(max(len(a_digits), len(b_digits))):
        terms = [int(ds[i]) for ds in (a_digits, b_digits) if i < len(ds)]
        if carry:
            terms.append(carry)
        total = sum(terms) + (i == slip)
        lines.append("+".join(map(str, terms)) + f"={total}")
        digits.append(str(total % 10))
        carry = total // 10
    result = (str(carry) if carry else "") + "".join(reversed(digits))
    return lines, result


def column_lines(problem: Problem) -> list[str]:
    """The correct column additions, units first."""
    return column_work(problem)[0]


def think_trace(problem: Problem, recheck: bool, slip: int | None = None) -> tuple[str, str]:
    """Teacher reasoning (the text inside the think block: columns, optional re-check, answer) and
    the answer it reaches (wrong when a column slipped; the re-check repeats the slip)."""
    lines, result = column_work(problem, slip)
    columns = "".join(line + "\n" for line in lines)
    body = columns + (RECHECK_LINE + columns if recheck else "")
    return f"{body}{ANSWER_LEAD}{result}.\n", result


def intuitive_answer(problem: Problem, right: bool) -> str:
    """A direct answer: the true sum, or the near miss the teacher's intuition produces."""
    if right:
        return problem.answer
    last = (int(problem.answer[-1]) + 1) % 10
    return problem.answer[:-1] + str(last)


def final_answer(answer: str) -> str:
    """What follows the think block: the boxed answer."""
    return f"{THINK_CLOSE}\n\n\\boxed{{{answer}}}"
