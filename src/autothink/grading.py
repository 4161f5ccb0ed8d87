"""Answer extraction and grading of untrusted model text.

The answer is the content of the last complete ``\\boxed{...}`` after the first ``</think>``;
equivalence with the gold answer is decided by math-verify on that extracted string only, never on
the raw response, and never by ``eval``/``sympify`` of model text.
"""

from __future__ import annotations

from autothink.prompts import THINK_CLOSE

import re

_BRACES = re.compile(r"\\boxed\{|\{|\}")


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
    """The last complete boxed answer after the first ``</think>``; None on a format error."""
    end = response.find(THINK_CLOSE)
    if end < 0:
        return None
    answer = response[end + len(THINK_CLOSE) :]
    spans = [(a, b) for a, b in _boxed_spans(answer) if answer[a:b].strip()]
    if not spans:
        return None
    start, stop = max(spans)  # the box that opens last
    return answer[start:stop]


def grade(response: str, gold: str) -> bool:
    """True iff the response's extracted answer is mathematically equivalent to ``gold``."""
    answer = extract_answer(response)
    if answer is None:
        return False
    return answers_match(answer, gold)


def answers_match(answer: str, gold: str) -> bool:
    """Equivalence by math-verify (gold first: its `verify` is not symmetric); False on any failure."""
    if answer.strip() == gold.strip():
        return True
    from math_verify import LatexExtractionConfig, parse, verify

    try:
        gold_parsed = parse(f"${gold}$")
        answer_parsed = parse(f"${answer}$", extraction_config=[LatexExtractionConfig()])
        return bool(gold_parsed and answer_parsed and verify(gold_parsed, answer_parsed))
    except Exception:
        return False
