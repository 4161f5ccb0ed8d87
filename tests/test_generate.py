"""Batched transformers generation: n samples per prompt, seeded, with honest token counts."""

from __future__ import annotations

from autothink.generate import Sampling, _split_at_eos, generate_hf, load_model
from autothink.prompts import render_prompts


def test_split_at_eos():
    assert _split_at_eos([5, 6, 1, 9, 2, 2], eos_id=1, pad_id=2) == ([5, 6, 1], "stop")
    assert _split_at_eos([5, 6, 7], eos_id=1, pad_id=2) == ([5, 6, 7], "length")


def test_samples_are_seeded_and_counted(random_model_dir):
    model, tokenizer = load_model(str(random_model_dir))
    prompts = render_prompts(tokenizer, ["3+4", "12+345", "9+9"], "ellipsis")
    sampling = Sampling(n=3, temperature=0.6, top_p=0.95, max_new_tokens=12, seed=7)
    first = generate_hf(model, tokenizer, prompts, sampling, batch_size=4)
    again = generate_hf(model, tokenizer, prompts, sampling, batch_size=4)
    assert first == again
    assert [len(samples) for samples in first] == [3, 3, 3]
    for samples in first:
        for sample in samples:
            assert 1 <= sample.tokens <= 12
            assert sample.finish_reason in {"stop", "length"}
            if sample.finish_reason == "length":
                assert sample.tokens == 12
            assert tokenizer.eos_token not in sample.text
    other = generate_hf(model, tokenizer, prompts, Sampling(3, 0.6, 0.95, 12, seed=8), batch_size=4)
    assert other != first
