"""The AutoThink prompts: user-turn suffix, the three generation prompts, and mode detection
(docs/method.md section 1).

An R1-style chat template ends its generation prompt with ``<think>\\n`` after the assistant tag.
AutoThink swaps that suffix for one of three strings; everything downstream (training, evaluation,
mode statistics) depends on which one was used, so the strings live here and nowhere else.
"""

from __future__ import annotations

import re

USER_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}."

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
NO_THINKING_FILLER = "Okay, I think I have finished thinking."

GENERATION_PROMPTS: dict[str, str] = {
    "standard": "<think>\n",
    "no_thinking": f"<think>\n{NO_THINKING_FILLER}\n</think>\n\n",
    "ellipsis": "<think>\n...\n",
}

# How R1-style templates spell the standard suffix at the end of a quoted string literal.
_THINK_SUFFIX = re.compile(r"<think>\\n(['\"])")
_GENERATION_BRANCH = re.compile(r"\{%-?\s*if\s+add_generation_prompt\b[^%]*-?%\}")
_EMISSION_END = re.compile(r"-?\}\}")

_EMPTY_THINKING = {"", "...", NO_THINKING_FILLER}


def user_message(problem: str) -> list[dict[str, str]]:
    """One-turn conversation for a problem, with the paper's instruction appended (no system prompt)."""
    return [{"role": "user", "content": problem + USER_SUFFIX}]


def _jinja_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


def with_generation_prompt(chat_template: str, prompt: str) -> str:
    """Return ``chat_template`` whose generation prompt ends with the named AutoThink prompt.

    Only the template's (last) ``add_generation_prompt`` branch is touched: history branches may
    spell ``<think>`` too (Qwen3's does). R1-Distill-style branches (R1-Distill's own, TRL's copy,
    the tiny world's) end their string with ``<think>\\n``, which is replaced; branches that open
    the assistant turn without it (Qwen's ChatML, older R1-Distill releases) get the suffix right
    after the first thing they emit (the assistant header). Anything else is rejected rather than
    guessed at: a silently wrong prompt changes every result.
    """
    if prompt not in GENERATION_PROMPTS:
        raise ValueError(f"unknown generation prompt {prompt!r}; choose one of {sorted(GENERATION_PROMPTS)}")
    suffix = _jinja_string(GENERATION_PROMPTS[prompt])
    branches = list(_GENERATION_BRANCH.finditer(chat_template))
    if not branches:
        raise ValueError("chat template has no `if add_generation_prompt` branch")
    head, branch = chat_template[: branches[-1].start()], chat_template[branches[-1].start() :]
    found = len(_THINK_SUFFIX.findall(branch))
    if found == 1:
        return head + _THINK_SUFFIX.sub(lambda m: suffix + m.group(1), branch)
    if found > 1:
        raise ValueError(f"generation branch ends {found} strings with '<think>\\n'; cannot tell which to replace")
    header_end = _EMISSION_END.search(branch)
    if header_end is None:
        raise ValueError("the `add_generation_prompt` branch of the chat template emits nothing")
    at = header_end.end()
    return head + branch[:at] + "{{- '" + suffix + "' }}" + branch[at:]


def render_prompts(tokenizer, problems: list[str], prompt: str) -> list[str]:
    """Chat-template text (BOS included) for each problem, ending in the named generation prompt."""
    template = with_generation_prompt(tokenizer.chat_template, prompt)
    return [
        tokenizer.apply_chat_template(
            user_message(p), tokenize=False, add_generation_prompt=True, chat_template=template
        )
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
