"""Batched transformers generation: n samples per prompt, seeded, with honest token counts."""

from __future__ import annotations

import torch
from transformers import DynamicCache

from autothink.generate import Sampling, generate_hf, gqa_decode_attention, growing_cache, load_model, sample_top_p
from autothink.prompts import render_prompts


def test_top_p_keeps_only_the_nucleus():
    torch.manual_seed(0)
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).repeat(2000, 1)
    drawn = sample_top_p(logits, temperature=1.0, top_p=0.7)
    assert set(drawn.tolist()) == {0, 1}  # 0.5 + 0.3 covers 0.7; the tail is never drawn
    assert abs((drawn == 0).float().mean().item() - 0.5 / 0.8) < 0.05
    assert set(sample_top_p(logits, temperature=1.0, top_p=0.1).tolist()) == {0}


def test_matches_transformers_generate_greedy_limit(random_model_dir):
    """With a near-zero temperature both samplers are greedy: same tokens as `model.generate`."""
    model, tokenizer = load_model(str(random_model_dir))
    prompts = render_prompts(tokenizer, ["3+4", "12+345"], "standard")
    ours = generate_hf(model, tokenizer, prompts, Sampling(1, 1e-4, 1.0, 10, 0), batch_size=2)
    batch = tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt")
    reference = model.generate(**batch, do_sample=False, max_new_tokens=10, pad_token_id=tokenizer.pad_token_id)
    for row, samples in enumerate(ours):
        new = reference[row, batch["input_ids"].shape[1] :].tolist()
        if tokenizer.eos_token_id in new:
            new = new[: new.index(tokenizer.eos_token_id) + 1]
        assert samples[0].tokens == len(new)
        assert samples[0].text == tokenizer.decode(new, skip_special_tokens=True)


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


def decode_logits(model, ids, mask, cache, drop_after: int) -> list[torch.Tensor]:
    """Logits of a prefill and 8 decode steps of a left-padded batch, the first row leaving the
    batch (and the cache) after `drop_after` steps, as the sampler does with finished rows."""
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache, use_cache=True)
    logits, next_position = [out.logits[:, -1]], positions[:, -1:] + 1
    for step in range(8):
        if step == drop_after:
            keep = torch.arange(1, len(mask))
            cache.batch_select_indices(keep)
            mask, next_position = mask[keep], next_position[keep]
        mask = torch.cat([mask, mask.new_ones(len(mask), 1)], dim=1)
        tokens = logits[-1].argmax(-1, keepdim=True)[-len(mask) :]
        out = model(input_ids=tokens, attention_mask=mask, position_ids=next_position, past_key_values=cache)
        logits.append(out.logits[:, -1])
        next_position = next_position + 1
    return logits


@torch.inference_mode()
def test_fast_decoding_gives_the_same_numbers(random_model_dir):
    """The sampler's growing KV cache and grouped-head decode attention change the speed, not a
    single bit of the logits (left padding, a row leaving mid-way, past the first buffer growth)."""
    model, tokenizer = load_model(str(random_model_dir))
    assert model.config.num_key_value_heads < model.config.num_attention_heads  # the grouped case
    prompts = render_prompts(tokenizer, ["3+4", "12+345", "98765+4321"], "ellipsis")
    batch = tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt")
    assert not batch["attention_mask"].all()  # some rows are padded
    plain = decode_logits(model, batch["input_ids"], batch["attention_mask"], DynamicCache(config=model.config), 3)
    with gqa_decode_attention(model):
        fast = decode_logits(model, batch["input_ids"], batch["attention_mask"], growing_cache(model), 3)
    assert model.config._attn_implementation == "sdpa"  # restored
    assert all(torch.equal(a, b) for a, b in zip(plain, fast, strict=True))
