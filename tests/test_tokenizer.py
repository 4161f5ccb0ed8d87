"""The tiny tokenizer: exact round trips, R1-Distill-shaped templates, and stable loading."""

from __future__ import annotations

import pytest

from autothink.generate import load_tokenizer
from autothink.prompts import GENERATION_PROMPTS, render_prompts, user_message, with_generation_prompt
from autothink.tiny.tokenizer import BOS, build_tokenizer

R1_RENDERING = (
    "<｜begin▁of▁sentence｜><｜User｜>12+7 Let's think step by step and output the final answer "
    "within \\boxed{}.<｜Assistant｜>"
)


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer()


@pytest.mark.parametrize(
    "text",
    [
        "<think>\n...\n",
        "<think>\n...\n</think>\n\n\\boxed{85}",
        "7+8=15\n4+3+1=8\nSo the answer is 85.\n</think>\n\n\\boxed{85}",
        "  two spaces, tabs\tand unicode: é ∑ ｜",
    ],
)
def test_round_trip(tokenizer, text):
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert tokenizer.decode(ids) == text


def test_think_tags_are_single_tokens_that_survive_skip_special(tokenizer):
    ids = tokenizer.encode("<think>\nx\n</think>", add_special_tokens=False)
    assert len(ids) == 5
    assert tokenizer.decode(ids, skip_special_tokens=True) == "<think>\nx\n</think>"


@pytest.mark.parametrize("prompt", sorted(GENERATION_PROMPTS))
def test_templates_render_like_r1_distill_and_round_trip(tokenizer, prompt):
    [text] = render_prompts(tokenizer, ["12+7"], prompt)
    assert text == R1_RENDERING + GENERATION_PROMPTS[prompt]
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ids.count(tokenizer.convert_tokens_to_ids(BOS)) == 1
    assert tokenizer.decode(ids) == text


def test_tokenized_chat_template_matches_rendered_text(tokenizer):
    template = with_generation_prompt(tokenizer.chat_template, "ellipsis")
    ids = tokenizer.apply_chat_template(user_message("3+4"), add_generation_prompt=True, chat_template=template)[
        "input_ids"
    ]
    assert tokenizer.decode(ids) == render_prompts(tokenizer, ["3+4"], "ellipsis")[0]


def test_saved_folder_loads_same_class_and_ids(tokenizer, random_model_dir):
    loaded = load_tokenizer(random_model_dir)
    assert type(loaded) is type(tokenizer)
    text = render_prompts(tokenizer, ["98+7"], "no_thinking")[0] + "</think>\n\n\\boxed{105}"
    assert loaded(text, add_special_tokens=False)["input_ids"] == tokenizer(text, add_special_tokens=False)["input_ids"]
    assert loaded.decode(loaded.encode(text, add_special_tokens=False)) == text
    assert (loaded.bos_token_id, loaded.eos_token_id, loaded.pad_token_id) == (
        tokenizer.bos_token_id,
        tokenizer.eos_token_id,
        tokenizer.pad_token_id,
    )
    assert loaded.padding_side == "left"
