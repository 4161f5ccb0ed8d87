"""Sample completions from a model folder: batched `transformers` generation with KV cache.

Prompts are rendered chat-template strings (they already hold BOS), so they are tokenized without
adding special tokens. Prompts are sorted by length and batched so that little padding is wasted;
each batch is left-padded and expanded to ``n`` samples per prompt. Token counts come from the
generated ids: everything up to and including the first EOS, or all ``max_new_tokens`` when the
model never stopped (finish reason ``length``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm import tqdm
from transformers import AutoModelForCausalLM

from autothink.tiny.tokenizer import load_tokenizer


@dataclass(frozen=True)
class Sampling:
    n: int
    temperature: float
    top_p: float
    max_new_tokens: int
    seed: int


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int
    finish_reason: str  # "stop" or "length"


def load_model(model_dir: str):
    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    return model, tokenizer


def _split_at_eos(ids: list[int], eos_id: int, pad_id: int) -> tuple[list[int], str]:
    if eos_id in ids:
        return ids[: ids.index(eos_id) + 1], "stop"
    while ids and ids[-1] == pad_id:
        ids = ids[:-1]
    return ids, "length"


@torch.inference_mode()
def generate_hf(model, tokenizer, prompts: list[str], sampling: Sampling, batch_size: int) -> list[list[Completion]]:
    """``sampling.n`` completions for each rendered prompt, in prompt order."""
    torch.manual_seed(sampling.seed)
    encoded = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    order = sorted(range(len(prompts)), key=lambda i: len(encoded[i]))
    results: list[list[Completion]] = [[] for _ in prompts]
    per_batch = max(1, batch_size // sampling.n)
    for start in tqdm(range(0, len(order), per_batch), desc="generate", mininterval=10, leave=False):
        chunk = order[start : start + per_batch]
        batch = tokenizer.pad({"input_ids": [encoded[i] for i in chunk]}, return_tensors="pt")
        out = model.generate(
            **batch,
            do_sample=True,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=0,
            max_new_tokens=sampling.max_new_tokens,
            num_return_sequences=sampling.n,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        new_tokens = out[:, batch["input_ids"].shape[1] :].tolist()
        for row, ids in enumerate(new_tokens):
            ids, reason = _split_at_eos(ids, tokenizer.eos_token_id, tokenizer.pad_token_id)
            text = tokenizer.decode(ids, skip_special_tokens=True)
            results[chunk[row // sampling.n]].append(Completion(text, len(ids), reason))
    return results
