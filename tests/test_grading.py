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
