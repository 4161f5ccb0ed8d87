"""The AutoThink prompts: user-turn suffix, the three generation prompts, and mode detection.

An R1-style chat template ends its generation prompt with ``<think>\\n`` after the assistant tag.
AutoThink swaps that suffix for one of three strings; everything downstream (training, evaluation,
mode statistics) depends on which one was used, so the strings live here and nowhere else.
"""

from __future__ import annotations

USER_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}."

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
NO_THINKING_FILLER = "Okay, I think I have finished thinking."

GENERATION_PROMPTS: dict[str, str] = {
    "standard": "<think>\n",
    "no_thinking": f"<think>\n{NO_THINKING_FILLER}\n</think>\n\n",
    "ellipsis": "<think>\n...\n",
}

# Template fragment emitted after the assistant tag when add_generation_prompt is set; every
# template this project writes or rewrites spells it exactly so (see `with_generation_prompt`).
_STANDARD_JINJA = "<think>\\n"

_EMPTY_THINKING = {"", "...", NO_THINKING_FILLER}


def user_message(problem: str) -> list[dict[str, str]]:
    """One-turn conversation for a problem, with the paper's instruction appended (no system prompt)."""
    return [{"role": "user", "content": problem + USER_SUFFIX}]


def with_generation_prompt(chat_template: str, prompt: str) -> str:
    """Return ``chat_template`` whose generation prompt ends with the named AutoThink prompt.

    Works for any template whose generation branch ends with the literal ``<think>\\n`` (the
    R1-Distill template, TRL's copy of it, and the tiny world's). A template without that literal
    is rejected rather than guessed at, because a silently wrong prompt changes every result.
    """
    if prompt not in GENERATION_PROMPTS:
        raise ValueError(f"unknown generation prompt {prompt!r}; choose one of {sorted(GENERATION_PROMPTS)}")
    if chat_template.count(_STANDARD_JINJA) != 1:
        raise ValueError(
            "chat template must contain the generation suffix '<think>\\n' exactly once "
            f"(found {chat_template.count(_STANDARD_JINJA)})"
        )
    jinja_suffix = GENERATION_PROMPTS[prompt].replace("\n", "\\n")
    return chat_template.replace(_STANDARD_JINJA, jinja_suffix)


def render_prompts(tokenizer, problems: list[str], prompt: str) -> list[str]:
    """Chat-template text (BOS included) for each problem, ending in the named generation prompt."""
    template = with_generation_prompt(tokenizer.chat_template, prompt)
    return [
        tokenizer.apply_chat_template(user_message(p), tokenize=False, add_generation_prompt=True, chat_template=template)
        for p in problems
    ]


def thinking_text(response: str) -> str | None:
    """Text inside the first think block of ``response``; None when the block never closes."""
    start = response.find(THINK_OPEN)
    body_start = 0 if start < 0 else start + len(THINK_OPEN)
    end = response.find(THINK_CLOSE, body_start)
    if end < 0:
        return None
    return response[body_start:end]


def detect_mode(response: str) -> str:
    """``"no_think"`` iff the first think block holds nothing substantive, else ``"think"``.

    ``response`` is the assistant text from the opening ``<think>`` on (generation prompt plus
    completion). Empty, the ellipsis, or the no-thinking filler count as no thinking; a block that
    never closes is a (truncated) think response.
    """
    body = thinking_text(response)
    if body is None:
        return "think"
    return "no_think" if body.strip() in _EMPTY_THINKING else "think"
