"""The one judge of evaluation and training: mode, answer and correctness of each response."""

from __future__ import annotations

import pytest

from autothink.judging import judge


def test_judge_reads_the_prompt_suffix_with_the_completion():
    judged = judge(["</think>\n\n\\boxed{5}", "2+3=5</think>\n\n\\boxed{6}", "2+3="], ["5", 5, "5"], "ellipsis")
    assert judged.responses[0] == "<think>\n...\n</think>\n\n\\boxed{5}"
    assert judged.modes == ["no_think", "think", "think"]
    assert judged.answers == ["5", "6", None]
    assert judged.correct.tolist() == [True, False, False]
    assert judged.think.tolist() == [False, True, True] and judged.formatted.tolist() == [True, True, False]
    # after the no-thinking prompt the block is already closed: the completion is the answer
    assert judge(["\\boxed{5}"], ["5"], "no_thinking").modes == ["no_think"]


def test_judge_needs_one_gold_answer_per_completion():
    with pytest.raises(ValueError, match="2 completions but 1 gold"):
        judge(["a", "b"], ["5"], "standard")
