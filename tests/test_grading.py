"""Extraction and grading: exact on well-formed answers, bounded and silent on hostile text."""

from __future__ import annotations

import threading
import time

import pytest

from autothink.grading import answers_match_many, extract_answer, grade, grade_many


@pytest.mark.parametrize(
    "response, expected",
    [
        ("<think>\n...\n</think>\n\n\\boxed{85}", "85"),
        ("</think> first \\boxed{1} then \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("\\boxed{3} but no closing tag", None),  # thinking never closed
        ("<think>\\boxed{3}</think> no box after", None),  # boxes inside thinking do not count
        ("</think>\\boxed{1} \\boxed{2", "1"),  # unbalanced last box is incomplete
        ("</think>\\boxed{\\sqrt{\\frac{a}{b}}}", "\\sqrt{\\frac{a}{b}}"),
        ("</think>\\boxed{}", None),
        ("</think>\\boxed{a} </think> \\boxed{b}", "a"),  # only up to a second </think>
        ("</think> no box </think> \\boxed{b}", None),
    ],
)
def test_extract_answer(response, expected):
    assert extract_answer(response) == expected


def test_extraction_is_linear_on_hostile_input():
    started = time.perf_counter()
    assert extract_answer("</think>" + "\\boxed{" * 200_000) is None
    assert extract_answer("</think>" + "{" * 300_000 + "\\boxed{7}") == "7"
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "answer, gold",
    [
        ("\\frac{2}{6}", "\\frac{1}{3}"),
        ("0.5", "\\frac{1}{2}"),
        ("1/2", "0.5"),
        ("85.0", "85"),
        ("3\\sqrt{2}", "\\sqrt{18}"),
        ("(1, 2)", "(1,2)"),
        ("[0, 1)", "[0,1)"),
        ("\\{1,2\\}", "\\{2,1\\}"),
        ("x = 3", "3"),
        ("30^\\circ", "30"),
        ("2x+2", "2(x+1)"),
        ("\\dfrac{1}{3}", "\\frac13"),
    ],
)
def test_equivalent_answers(answer, gold):
    assert grade(f"<think>\nwork\n</think>\n\n\\boxed{{{answer}}}", gold)


@pytest.mark.parametrize("answer, gold", [("86", "85"), ("\\frac{1}{3}", "0.33"), ("(1, 2)", "(2,1)"), ("x+1", "x-1")])
def test_different_answers(answer, gold):
    assert not grade(f"</think>\\boxed{{{answer}}}", gold)


def test_format_errors_are_wrong():
    assert not grade("<think>\nstill thinking \\boxed{85}", "85")
    assert not grade("</think> 85", "85")


def test_hostile_answers_grade_false_within_bound():
    started = time.perf_counter()
    results = grade_many(
        [
            "</think>\\boxed{2^{2^{2^{2^{100}}}}}",
            "</think>\\boxed{" + "x" * 1_000_000 + "}",
            "</think>\\boxed{\\frac{\\frac{\\frac{1}{0}}{}}{}}",
            "</think>\\boxed{__import__('os').system('echo pwned')}",
            "x" * 1_000_000,
        ],
        ["5", "1", "1", "0", "1"],
    )
    assert results == [False] * 5
    assert time.perf_counter() - started < 15


def test_hard_timeout_kills_and_recovers():
    # a 0.3 s bound is shorter than math-verify's own, so the pool must terminate the worker
    started = time.perf_counter()
    answers = ["\\sqrt{9}", "2^{2^{2^{2^{100}}}}", "\\frac{2}{4}", "x+1", "2x"]
    golds = ["3", "5", "\\frac{1}{2}", "1+x", "3x"]
    assert answers_match_many(answers, golds, timeout=0.3) == [True, False, True, True, False]
    assert time.perf_counter() - started < 10
    assert answers_match_many(["\\sqrt{4}"], ["2"]) == [True]  # the restarted pool works


def test_grading_works_off_the_main_thread():
    results = {}

    def worker():
        results["value"] = grade_many(
            ["</think>\\boxed{\\frac{2}{6}}", "</think>\\boxed{2^{2^{2^{100}}}}"], ["\\frac13", "1"]
        )

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=30)
    assert results["value"] == [True, False]


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 responses but 1 gold"):
        grade_many(["a", "b"], ["1"])


def _plain_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(answer, gold) pairs of the plain kinds graded in-process, right and wrong, in several spellings."""
    import random

    rng = random.Random(seed)

    def radical(k: int, n: int) -> str:
        return f"{'' if k == 1 else k}\\sqrt{{{n}}}"

    pairs = []
    for _ in range(n):
        a, b, k = rng.randint(-20, 20), rng.randint(1, 12), rng.randint(1, 6)
        kind = rng.randrange(5)
        if kind == 0:  # fraction vs decimal or reduced fraction
            pairs.append(
                (f"\\frac{{{2 * a}}}{{{2 * b}}}", rng.choice([f"{a / b:g}", f"{a}/{b}", f"\\frac{{{a}}}{{{b + 1}}}"]))
            )
        elif kind == 1:  # radicals, equal or not, with an integer square now and then
            pairs.append((radical(k, b * b * 2), rng.choice([radical(k * b, 2), radical(k * b, 3), str(k * b)])))
        elif kind == 2:  # integer vs radical of a square
            pairs.append((str(k), rng.choice([f"\\sqrt{{{k * k}}}", f"\\sqrt{{{k * k + 1}}}", f"-\\sqrt{{{k * k}}}"])))
        else:  # tuples and intervals: brackets, order and spacing
            items = [str(rng.randint(-9, 9)) for _ in range(rng.choice([2, 2, 3]))]
            gold = f"({','.join(items)})"
            answer = rng.choice(
                [
                    f"({', '.join(items)})",
                    f"[{','.join(items)}]",
                    f"({','.join(items[::-1])})",
                    f"\\left({','.join(items)}\\right)",
                    f"({','.join(items)}]",
                ]
            )
            pairs.append((answer, gold))
    return pairs


def test_plain_answers_are_judged_in_process_as_math_verify_judges_them():
    """The exact in-process path gives math-verify's verdict on every plain pair, the same items
    in other brackets included; of those, only decreasing or equal pairs (tuples or empty
    intervals to math-verify, depending on the brackets) are left to it."""
    from autothink.grading import _across_brackets, _math_verify, _plain_value

    pairs = _plain_pairs(400)
    shapes = [(_plain_value(a), _plain_value(g)) for a, g in pairs]
    in_process = [a is not None and g is not None and a[0] == g[0] for a, g in shapes]
    across = [
        a is not None and g is not None and _across_brackets(a[0], g[0], a[1], g[1]) is not None for a, g in shapes
    ]
    assert sum(in_process) > 0.8 * len(pairs) and sum(across) > 0.05 * len(pairs)
    ours = answers_match_many([a for a, _ in pairs], [g for _, g in pairs])
    theirs = [_math_verify(a, g) for a, g in pairs]
    disagreements = [(pair, o) for pair, o, t in zip(pairs, ours, theirs) if o != t]
    assert not disagreements
    assert 0.2 < sum(ours) / len(ours) < 0.8  # both verdicts well represented


def _polynomial_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(answer, gold) pairs of polynomials in several spellings (factored, expanded, reordered,
    with explicit products), equal or off by one coefficient or sign."""
    import random

    rng = random.Random(seed)

    def expanded(coefficients: list[int], x: str) -> str:  # highest power first
        terms = []
        for power, c in zip(range(len(coefficients) - 1, -1, -1), coefficients):
            body = "" if power == 0 else x if power == 1 else f"{x}^{{{power}}}"
            terms.append(f"{'+' if c >= 0 else '-'}{abs(c) if abs(c) != 1 or not body else ''}{body}")
        return "".join(terms).lstrip("+")

    pairs = []
    for _ in range(n):
        a, b, k = rng.randint(1, 9), rng.randint(-9, 9) or 1, rng.randint(2, 9)
        x, off = rng.choice("xyn"), rng.choice([0, 0, 1, -1])
        kind = rng.randrange(4)
        if kind == 0:  # k(x + b) against kx + kb
            pairs.append((f"{k}({x}{b:+d})", expanded([k, k * b + off], x)))
        elif kind == 1:  # (x + b)^2, braced or not
            pairs.append((rng.choice([f"({x}{b:+d})^2", f"({x}{b:+d})^{{2}}"]), expanded([1, 2 * b, b * b + off], x)))
        elif kind == 2:  # (ax + b)(x - b)
            pairs.append((f"({a}{x}{b:+d})({x}{-b:+d})", expanded([a, -a * b + b + off, -b * b], x)))
        else:  # two variables, reordered, with explicit products
            pairs.append((f"{k}\\cdot {x}z+{a}z", f"{a + off}z+{k}z{x}"))
    return pairs


def test_polynomials_are_judged_in_process_as_math_verify_judges_them():
    from autothink.grading import _math_verify
    from autothink.polynomial import polynomial

    pairs = _polynomial_pairs(300)
    read = [polynomial(a) is not None and polynomial(g) is not None for a, g in pairs]
    assert sum(read) > 0.95 * len(pairs)
    ours = answers_match_many([a for a, _ in pairs], [g for _, g in pairs])
    theirs = [_math_verify(a, g) for a, g in pairs]
    assert [(pair, o) for pair, o, t in zip(pairs, ours, theirs) if o != t] == []
    assert 0.3 < sum(ours) / len(ours) < 0.8


@pytest.mark.parametrize(
    "text",
    [
        "x",  # one variable: math-verify does not equate x with 2x-x
        "2(3)x",  # math-verify reads 2(3) as the mixed number 5
        "f(x)+1",  # a function or a product?
        "X+1",  # math-verify equates X with x
        "e^2+1",  # Euler's number
        "x2+1",  # a number right after a letter
        "2{x+1}",  # braces as brackets
        "x^{20}",  # exponent over the bound
        "(a+b+c+d+f)^{12}",  # too many terms
        "x*-2",
        "\\frac{x}{2}",
        "x=1",
        "7",  # no variable: a plain number, read elsewhere
    ],
)
def test_polynomial_reader_leaves_the_doubtful_to_math_verify(text):
    from autothink.polynomial import polynomial

    assert polynomial(text) is None
