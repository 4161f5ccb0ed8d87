"""Sample completions: one interface, two backends with the same sampling semantics.

- ``vllm``: offline `LLM.generate` on GPUs (the `gpu` extra), fed prompt token ids;
- ``hf``: batched `transformers` generation with KV cache, for CPUs. Prompts are sorted by length
  and batched so that little padding is wasted; each batch is left-padded and expanded to ``n``
  samples per prompt.

Prompts are rendered chat-template strings (they already hold BOS), so they are tokenized without
adding special tokens. Token counts come from the generated ids: everything up to and including
the first EOS (finish reason ``stop``), or all ``max_new_tokens`` when the model never stopped
(``length``). Results are reproducible for a given seed, backend and batch size.
"""

from __future__ import annotations

import importlib.util
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


def resolve_backend(name: str) -> str:
    """``auto`` picks vLLM when it is installed and a GPU is present, else transformers."""
    if name != "auto":
        return name
    return "vllm" if torch.cuda.is_available() and importlib.util.find_spec("vllm") else "hf"


def generate_vllm(model_path: str, token_ids: list[list[int]], sampling: Sampling, engine: dict) -> list[list[Completion]]:
    """``sampling.n`` completions per prompt with vLLM's offline engine (explicit SamplingParams:
    vLLM's own defaults would stop at 16 tokens)."""
    from vllm import LLM, SamplingParams

    llm = LLM(model=model_path, tokenizer=model_path, seed=sampling.seed, **engine)
    params = SamplingParams(
        n=sampling.n,
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        max_tokens=sampling.max_new_tokens,
        seed=sampling.seed,
    )
    outputs = llm.generate([{"prompt_token_ids": ids} for ids in token_ids], params)
    return [
        [Completion(c.text, len(c.token_ids), "length" if c.finish_reason == "length" else "stop") for c in out.outputs]
        for out in outputs
    ]


def sample(model_path: str, problems: list[str], prompt: str, sampling: Sampling, spec: dict) -> list[list[Completion]]:
    """Render each problem under the named generation prompt and sample it with the configured backend."""
    from autothink.prompts import render_prompts

    backend = resolve_backend(spec["backend"])
    tokenizer = load_tokenizer(model_path)
    texts = render_prompts(tokenizer, problems, prompt)
    if backend == "vllm":
        token_ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        return generate_vllm(model_path, token_ids, sampling, spec.get("vllm", {}))
    model, tokenizer = load_model(model_path)
    return generate_hf(model, tokenizer, texts, sampling, spec["batch_size"])
