"""A character-level tokenizer shaped like DeepSeek-R1-Distill-Qwen's, built with `tokenizers`.

It is a byte-level BPE with no merges, i.e. one token per byte (one per character for ASCII), in
the class `Qwen2Tokenizer`. That class is not a free choice: transformers maps every qwen2 model
folder to `Qwen2Tokenizer` whatever ``tokenizer_config.json`` names, and rebuilds the byte-level
pipeline on load; a tokenizer of any other shape silently loses newlines. Built this way, the
saved folder loads through `AutoTokenizer` (and vLLM) into the same class with the same ids.

The chat markers are special tokens spelled as in R1-Distill; ``<think>``/``</think>`` are ordinary
added tokens (not special), so they survive ``skip_special_tokens=True`` decoding as they do in
R1-Distill. The fixed instruction sentence, the no-thinking filler and ``\\boxed{`` are single
added tokens too: a BPE vocabulary would merge them, and keeping them short keeps the tiny
model's sequences (and its CPU time) small.
"""

from __future__ import annotations

from tokenizers import AddedToken, pre_tokenizers
from transformers import Qwen2Tokenizer

from autothink.prompts import NO_THINKING_FILLER, THINK_CLOSE, THINK_OPEN, USER_SUFFIX

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
PAD = "<｜▁pad▁｜>"
USER_TAG = "<｜User｜>"
ASSISTANT_TAG = "<｜Assistant｜>"

SPECIAL_TOKENS = [BOS, EOS, PAD, USER_TAG, ASSISTANT_TAG]
PLAIN_ADDED_TOKENS = [THINK_OPEN, THINK_CLOSE, USER_SUFFIX, NO_THINKING_FILLER, "\\boxed{"]

# R1-Distill's rendering for system/user/assistant turns; the generation prompt is the standard
# one (`autothink.prompts.with_generation_prompt` rewrites it to the other two).
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] }}"
    "{% elif message['role'] == 'user' %}{{ '" + USER_TAG + "' + message['content'] }}"
    "{% elif message['role'] == 'assistant' %}"
    "{{ '" + ASSISTANT_TAG + "' + message['content'] + '" + EOS + "' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '" + ASSISTANT_TAG + "<think>\\n' }}{% endif %}"
)


def build_tokenizer() -> Qwen2Tokenizer:
    """The tiny world's tokenizer, ready to `save_pretrained` next to the model."""
    byte_alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + byte_alphabet)}
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=[],
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=None,
        additional_special_tokens=[USER_TAG, ASSISTANT_TAG],
        padding_side="left",
    )
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in PLAIN_ADDED_TOKENS])
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer
