"""Prompts: templates rewritten for the three generation prompts; mode detection on responses."""

from __future__ import annotations

from pathlib import Path

import pytest
import trl

from autothink.prompts import GENERATION_PROMPTS, USER_SUFFIX, detect_mode, user_message, with_generation_prompt
from autothink.tiny.tokenizer import CHAT_TEMPLATE, build_tokenizer

TRL_TEMPLATES = Path(trl.__file__).parent / "chat_templates"
# (template, how the rendered prompt ends before the generation suffix)
TEMPLATES = {
    "tiny": (CHAT_TEMPLATE, "<｜Assistant｜>"),
    "r1_distill": ((TRL_TEMPLATES / "deepseek_r1_distill.jinja").read_text(), "<｜Assistant｜>"),
    "qwen2_5": ((TRL_TEMPLATES / "qwen2_5.jinja").read_text(), "<|im_start|>assistant\n"),
    "qwen3": ((TRL_TEMPLATES / "qwen3.jinja").read_text(), "<|im_start|>assistant\n"),
}


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("prompt", sorted(GENERATION_PROMPTS))
def test_rewritten_templates_end_with_the_prompt(tokenizer, name, prompt):
    template, header = TEMPLATES[name]
    text = tokenizer.apply_chat_template(
        user_message("1+1"),
        tokenize=False,
        add_generation_prompt=True,
        chat_template=with_generation_prompt(template, prompt),
    )
    assert text.endswith(
        "1+1" + USER_SUFFIX + ("<|im_end|>\n" if "im_start" in header else "") + header + GENERATION_PROMPTS[prompt]
    )
    assert text.count("<think>") == 1


def test_history_turns_are_untouched(tokenizer):
    template, _ = TEMPLATES["qwen3"]
    history = (
        user_message("1+1") + [{"role": "assistant", "content": "<think>\nx\n</think>\n\n2"}] + user_message("2+2")
    )
    plain = tokenizer.apply_chat_template(history, tokenize=False, add_generation_prompt=False, chat_template=template)
    rewritten = tokenizer.apply_chat_template(
        history, tokenize=False, add_generation_prompt=False, chat_template=with_generation_prompt(template, "ellipsis")
    )
    assert plain == rewritten


def test_bad_templates_and_prompts_are_rejected():
    with pytest.raises(ValueError, match="unknown generation prompt"):
        with_generation_prompt(CHAT_TEMPLATE, "brief")
    with pytest.raises(ValueError, match="no `if add_generation_prompt` branch"):
        with_generation_prompt("{{ messages[0]['content'] }}", "ellipsis")


@pytest.mark.parametrize(
    "response, mode",
    [
        ("<think>\n...\n</think>\n\n\\boxed{3}", "no_think"),
        ("<think>\n</think>\n\n\\boxed{3}", "no_think"),
        ("<think>\nOkay, I think I have finished thinking.\n</think>\n\n\\boxed{3}", "no_think"),
        ("<think>\n...\n1+2=3\n</think>\n\n\\boxed{3}", "think"),
        ("<think>\n1+2=3\nSo the answer is 3.\n</think>\n\n\\boxed{3}", "think"),
        ("<think>\n...\n1+2=", "think"),  # never closed: truncated thinking
        ("<think>\n...\n</think> then <think>more</think>", "no_think"),  # only the first block counts
    ],
)
def test_detect_mode(response, mode):
    assert detect_mode(response) == mode
