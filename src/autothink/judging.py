"""Judging responses: the one place that turns a generation prompt and a completion into the facts
evaluation and training both need (docs/method.md section 1).

The response is the generation prompt's suffix (e.g. ``<think>\\n...\\n``) followed by the
completion, because the mode depends on both; its mode comes from `detect_mode`, its answer from
the last box after the first ``</think>`` (`extract_answer`), and correctness from
`answers_match_many` on that answer alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autothink.grading import answers_match_many, extract_answer
from autothink.prompts import GENERATION_PROMPTS, detect_mode


@dataclass(frozen=True)
class Judgements:
    """One entry per completion, in the order given."""

    responses: list[str]  # generation prompt suffix + completion
    modes: list[str]  # "think" or "no_think"
    answers: list[str | None]  # the extracted answer; None is a format error
    correct: np.ndarray  # bool

    @property
    def think(self) -> np.ndarray:
        return np.array([mode == "think" for mode in self.modes], dtype=bool)

    @property
    def formatted(self) -> np.ndarray:
        """A closed think block and a boxed answer."""
        return np.array([answer is not None for answer in self.answers], dtype=bool)


def judge(completions: list[str], golds: list, prompt: str) -> Judgements:
    """Judge the completions sampled after the named generation prompt against their gold answers."""
    if len(completions) != len(golds):
        raise ValueError(f"{len(completions)} completions but {len(golds)} gold answers")
    suffix = GENERATION_PROMPTS[prompt]
    responses = [suffix + text for text in completions]
    answers = [extract_answer(response) for response in responses]
    correct = np.array(answers_match_many(answers, [str(gold) for gold in golds]), dtype=bool)
    return Judgements(responses, [detect_mode(response) for response in responses], answers, correct)
