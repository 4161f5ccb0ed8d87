"""Synthetic arithmetic with graded difficulty: the tiny world's problems and teacher responses.

A problem adds two integers. Its level fixes the operands' digit counts and how many columns
carry into the next one; where the carries fall is random, and that is part of the difficulty a
level hides. The two modes fail in different ways, as R1-Distill's do:

- Thinking is column-by-column addition with explicit carries (``7+5=12``, then ``4+3+1=8``). The
  teacher forgets an incoming carry with probability ``carry_drop`` at every column that has one,
  so thinking gets less reliable with every carry. The slip is a choice the distilled model
  samples (write ``+1`` or not), so RL on correctness can remove it. An R1-style re-check
  (``Wait, let me double check.``, then the columns again, with the smaller ``recheck_drop``)
  catches some slips: long thinking is worth something on hard problems, which length pruning
  has to trade against.
- Answering directly is one pass with a limited reach: only carries out of the lowest k columns
  are propagated, higher ones are lost, where k is drawn per answer from the level's ``reach``
  range. A direct answer is always right when every carry falls below the range's low end,
  never when one falls at or beyond its high end, and sometimes in between. The drawn reach is a
  choice the model samples, so RL can stretch answers to the high end of the range (it does on
  the default world's level 3), not beyond: past it, the errors are the model's limit. The
  default levels also lean on a limit of the tiny model itself, which learns one-pass sums of
  two-digit numbers only (config/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from autothink.prompts import THINK_CLOSE

ANSWER_LEAD = "So the answer is "
RECHECK_LINE = "Wait, let me double check.\n"


@dataclass(frozen=True)
class Level:
    """One difficulty level: operand digit counts, carries per problem, and the range (low, high)
    of the direct answer's reach. With ``high_reach_below`` the reach is a rule fixed per problem
    instead of a draw: the high end when the units digits sum to less than it, else the low end."""

    level: int
    digits: tuple[int, int]
    carries: int
    reach: tuple[int, int]
    high_reach_below: int | None = None

    @property
    def columns(self) -> int:
        return max(self.digits)


@dataclass(frozen=True)
class Teacher:
    """How the teacher thinks: carry slips in the first pass and in the re-check, re-check share."""

    carry_drop: float
    recheck_drop: float
    recheck_prob: float


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
    """Levels from the ``tiny.levels`` config list, numbered 1..n in config order; a level whose
    carries cannot fit its columns is named in the error."""
    levels = [
        Level(i + 1, tuple(item["digits"]), int(item["carries"]), tuple(item["reach"]), item.get("high_reach_below"))
        for i, item in enumerate(spec)
    ]
    for level in levels:
        if level.reach[0] > level.reach[1]:
            raise ValueError(
                f"tiny.levels[{level.level - 1}].reach must be [low, high] with low <= high, got {list(level.reach)}"
            )
        if problem_space(level) == 0:
            raise ValueError(
                f"tiny.levels[{level.level - 1}]: no {level.digits[0]}+{level.digits[1]}-digit problem has "
                f"{level.carries} carries (at most {level.columns - 1}: the top column never carries out)"
            )
    return levels


def teacher_from_config(spec: dict) -> Teacher:
    return Teacher(float(spec["carry_drop"]), float(spec["recheck_drop"]), float(spec["recheck_prob"]))


def _digit_range(digits: int, column: int) -> range:
    """Digits an operand can have in a column (units = 0): none beyond its length, no leading zero."""
    if column >= digits:
        return range(0, 1)
    return range(1 if column == digits - 1 and digits > 1 else 0, 10)


@cache
def _column_pairs(digits: tuple[int, int], column: int, carry_in: int, carry_out: int) -> tuple[tuple[int, int], ...]:
    """Digit pairs of one column whose sum (with the incoming carry) carries out exactly as asked."""
    return tuple(
        (x, y)
        for x in _digit_range(digits[0], column)
        for y in _digit_range(digits[1], column)
        if (x + y + carry_in >= 10) == bool(carry_out)
    )


def _carry_patterns(level: Level):
    """Every choice of carrying columns (carry-outs below the top column), as 0/1 tuples."""
    inner = level.columns - 1
    for mask in range(2**inner):
        outs = tuple((mask >> j) & 1 for j in range(inner)) + (0,)
        if sum(outs) == level.carries:
            yield outs


def _pattern_count(level: Level, outs: tuple[int, ...]) -> int:
    """How many problems of the level carry out of exactly the columns ``outs`` marks."""
    count, carry_in = 1, 0
    for column, out in enumerate(outs):
        count *= len(_column_pairs(level.digits, column, carry_in, out))
        carry_in = out
    return count


@cache
def _pattern_weights(level: Level) -> tuple[tuple[tuple[int, ...], ...], np.ndarray]:
    """The level's carry patterns and how many problems each has."""
    patterns = tuple(_carry_patterns(level))
    return patterns, np.asarray([_pattern_count(level, outs) for outs in patterns], dtype=float)


def problem_space(level: Level) -> int:
    """How many distinct problems a level has."""
    return int(_pattern_weights(level)[1].sum())


def sample_problem(rng: np.random.Generator, level: Level) -> Problem:
    """A uniform problem of the level: carrying columns first, then each column's digits."""
    patterns, weights = _pattern_weights(level)
    outs = patterns[rng.choice(len(patterns), p=weights / weights.sum())]
    a = b = carry_in = 0
    for column, out in enumerate(outs):
        pairs = _column_pairs(level.digits, column, carry_in, out)
        x, y = pairs[rng.integers(len(pairs))]
        a, b, carry_in = a + x * 10**column, b + y * 10**column, out
    return Problem(level.level, a, b)


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


def _column_digits(problem: Problem) -> list[list[int]]:
    a_digits, b_digits = str(problem.a)[::-1], str(problem.b)[::-1]
    return [
        [int(ds[i]) for ds in (a_digits, b_digits) if i < len(ds)] for i in range(max(len(a_digits), len(b_digits)))
    ]


def column_work(problem: Problem, drops: Sequence[bool] = ()) -> tuple[list[str], str]:
    """The column additions, units first (``digit+digit(+carry)=sum``), and the sum they spell.

    ``drops[i]`` forgets the carry into column ``i`` if there is one (the ``+1`` is not written);
    later columns follow the written sums, so the slip propagates like a real mistake: the result
    is short by 10**i for every forgotten carry.
    """
    lines, digits, carry = [], [], 0
    for i, terms in enumerate(_column_digits(problem)):
        if carry and not (i < len(drops) and drops[i]):
            terms = terms + [carry]
        total = sum(terms)
        lines.append("+".join(map(str, terms)) + f"={total}")
        digits.append(str(total % 10))
        carry = total // 10
    result = (str(carry) if carry else "") + "".join(reversed(digits))
    return lines, result


def think_trace(
    problem: Problem, first_drops: Sequence[bool] = (), recheck_drops: Sequence[bool] | None = None
) -> tuple[str, str]:
    """Teacher reasoning (the text inside the think block) and the answer it reaches.

    The columns once, and with ``recheck_drops`` given a re-check that works the columns again;
    the answer is the last pass's sum.
    """
    lines, result = column_work(problem, first_drops)
    body = "".join(line + "\n" for line in lines)
    if recheck_drops is not None:
        lines, result = column_work(problem, recheck_drops)
        body += RECHECK_LINE + "".join(line + "\n" for line in lines)
    return f"{body}{ANSWER_LEAD}{result}.\n", result


def direct_answer(problem: Problem, reach: int) -> str:
    """A one-pass answer: carries out of the lowest ``reach`` columns propagate, later ones are lost."""
    digits, carry = [], 0
    columns = _column_digits(problem)
    for i, terms in enumerate(columns):
        total = sum(terms) + carry
        digits.append(str(total % 10))
        carry = total // 10 if i < reach else 0
    return (str(carry) if carry else "") + "".join(reversed(digits))


def teacher_reaches(problem: Problem, level: Level) -> list[int]:
    """The reaches the teacher's direct answer to this problem takes, each equally often: the
    level's whole range, or the one its rule gives (`Level.high_reach_below`)."""
    if level.high_reach_below is None:
        return list(range(level.reach[0], level.reach[1] + 1))
    units = sum(_column_digits(problem)[0])
    return [level.reach[1] if units < level.high_reach_below else level.reach[0]]


def teacher_direct(problem: Problem, level: Level, rng: np.random.Generator) -> str:
    """A sampled direct answer: its reach drawn uniformly from the teacher's reaches."""
    reaches = teacher_reaches(problem, level)
    return direct_answer(problem, reaches[int(rng.integers(len(reaches)))])


def direct_accuracy(problem: Problem, level: Level) -> float:
    """How often the teacher's direct answer to this problem is right (over its reaches)."""
    return float(np.mean([direct_answer(problem, k) == problem.answer for k in teacher_reaches(problem, level)]))


def teacher_think(problem: Problem, teacher: Teacher, rng: np.random.Generator) -> tuple[str, str]:
    """A sampled think trace: slips drawn per column, a re-check with probability ``recheck_prob``."""
    columns = len(_column_digits(problem))
    first = rng.random(columns) < teacher.carry_drop
    recheck = rng.random(columns) < teacher.recheck_drop if rng.random() < teacher.recheck_prob else None
    return think_trace(problem, first, recheck)


def final_answer(answer: str) -> str:
    """What follows a think trace: the closed think block and the boxed answer."""
    return f"{THINK_CLOSE}\n\n\\boxed{{{answer}}}"


def direct_response(problem: Problem, answer: str) -> str:
    """A direct answer after a closed think block: boxed at once (the one-pass sum is computed right
    after the prompt, where the model learns it best), then written out as an equation, the tiny
    stand-in for R1's short no-think solutions."""
    return f"\\boxed{{{answer}}}\n{problem.question}={answer}"
