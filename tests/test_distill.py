"""Distillation pieces: labels cover completions only, micro-batches keep every example once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from autothink.tiny.distill import IGNORE, build_model, collate, encode_corpus, learning_rate, length_sorted_split
from autothink.tiny.tokenizer import build_tokenizer


def test_labels_cover_completion_and_eos_only():
    tokenizer = build_tokenizer()
    corpus = pd.DataFrame(
        {"problem": ["3+4"], "prompt": ["ellipsis"], "completion": ["</think>\n\n\\boxed{7}"], "level": [1]}
    )
    [(prompt, completion)] = encode_corpus(tokenizer, corpus)
    assert tokenizer.decode(prompt).endswith("<｜Assistant｜><think>\n...\n")
    assert completion[-1] == tokenizer.eos_token_id
    ids, labels = collate([(prompt, completion), ([1, 2], [3, 4])], pad_id=tokenizer.pad_token_id)
    assert labels[0].tolist() == [IGNORE] * len(prompt) + completion
    assert labels[1].tolist()[:4] == [IGNORE, IGNORE, 3, 4] and set(labels[1].tolist()[4:]) == {IGNORE}
    assert (ids[1, 4:] == tokenizer.pad_token_id).all()


def test_right_padding_needs_no_attention_mask():
    """Real tokens of a right-padded row get the same logits with or without a mask, which is
    why `collate` returns none."""
    tokenizer = build_tokenizer()
    model = build_model(
        tokenizer,
        {
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 64,
        },
    )
    ids, _ = collate([([5, 6, 7], [8, 9, 10, 11]), ([5, 6], [8])], pad_id=tokenizer.pad_token_id)
    mask = (torch.arange(ids.size(1)) < torch.tensor([[7], [3]])).long()
    with torch.no_grad():
        plain, masked = model(input_ids=ids).logits, model(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(plain[0], masked[0], atol=1e-5) and torch.allclose(plain[1, :3], masked[1, :3], atol=1e-5)


def test_micro_batches_partition_the_batch_by_length():
    lengths = np.array([50, 9, 70, 10, 8, 60, 11, 90])
    batch = np.array([7, 0, 1, 2, 3, 4, 5, 6])
    parts = length_sorted_split(batch, lengths, 3)
    assert sorted(np.concatenate(parts).tolist()) == sorted(batch.tolist())
    assert max(lengths[parts[0]]) <= min(lengths[parts[-1]])


def test_learning_rate_schedule():
    assert learning_rate(0, 100, 1.0, 10) == 0.1
    assert learning_rate(10, 100, 1.0, 10) == 1.0
    assert abs(learning_rate(100, 100, 1.0, 10) - 0.1) < 1e-9
    assert learning_rate(55, 100, 1.0, 10) == pytest.approx(0.55)  # half way down the cosine: 0.1 + 0.45
