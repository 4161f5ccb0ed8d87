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
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from tqdm import tqdm
from transformers import AttentionInterface, AutoModelForCausalLM, AutoTokenizer, DynamicCache, PreTrainedTokenizerBase
from transformers.cache_utils import DynamicLayer
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask


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


def load_tokenizer(path: str) -> PreTrainedTokenizerBase:
    """A model's tokenizer as every rule loads it (`AutoTokenizer`, left padding for generation)."""
    return AutoTokenizer.from_pretrained(str(path), padding_side="left")


def load_model(model_dir: str):
    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    return model, tokenizer


def sample_top_p(logits: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
    """One token per row: temperature, then nucleus (top-p) sampling."""
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    outside = sorted_probs.cumsum(dim=-1) - sorted_probs > top_p  # always keeps the top token
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    choice = torch.multinomial(sorted_probs, 1)
    return order.gather(-1, choice).squeeze(-1)


class GrowingLayer(DynamicLayer):
    """A KV-cache layer that writes each new token into spare room of a buffer that doubles when
    full. `DynamicLayer` concatenates the whole cache with every token, copying it once per decode
    step; for a 0.6M-parameter model on a CPU those copies took ~40% of a decode step. The keys and
    values it hands to attention are views of the same numbers, so outputs are unchanged."""

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self.key_buffer, self.value_buffer, self.length = key_states[..., :0, :], value_states[..., :0, :], 0

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self.key_buffer.shape[-2]:
            self.key_buffer = self._grown(self.key_buffer, max(end, 2 * self.length))
            self.value_buffer = self._grown(self.value_buffer, max(end, 2 * self.length))
        self.key_buffer[..., self.length : end, :] = key_states
        self.value_buffer[..., self.length : end, :] = value_states
        self.length = end
        self.keys, self.values = self.key_buffer[..., :end, :], self.value_buffer[..., :end, :]
        return self.keys, self.values

    def _grown(self, buffer: torch.Tensor, capacity: int) -> torch.Tensor:
        grown = buffer.new_empty((*buffer.shape[:-2], capacity, buffer.shape[-1]))
        grown[..., : self.length, :] = buffer[..., : self.length, :]
        return grown

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.length:
            self.key_buffer, self.value_buffer = self.key_buffer[indices], self.value_buffer[indices]
            self.keys, self.values = self.key_buffer[..., : self.length, :], self.value_buffer[..., : self.length, :]


def sdpa_gqa_decode(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    """transformers' SDPA attention, except that a CPU decode step (one query token) with a padding
    mask hands the grouped key/value heads to SDPA as they are (`enable_gqa`) instead of first
    copying each one per query head: that copy of the whole cache at every token took about half of
    the attention's time. On CPUs both give the same numbers; every other call is transformers' own."""
    grouped = getattr(module, "num_key_value_groups", 1) > 1
    if query.device.type == "cpu" and query.shape[2] == 1 and attention_mask is not None and grouped:
        out = torch.nn.functional.scaled_dot_product_attention(
            query, key, value, attn_mask=attention_mask, dropout_p=dropout, scale=scaling, enable_gqa=True
        )
        return out.transpose(1, 2).contiguous(), None
    return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)


SDPA_GQA_DECODE = "autothink_sdpa_gqa_decode"
AttentionInterface.register(SDPA_GQA_DECODE, sdpa_gqa_decode)
AttentionMaskInterface.register(SDPA_GQA_DECODE, sdpa_mask)


@contextmanager
def gqa_decode_attention(model):
    """Sample with `sdpa_gqa_decode` (a model on SDPA attention only; restored afterwards)."""
    if model.config._attn_implementation != "sdpa":
        yield
        return
    model.set_attn_implementation(SDPA_GQA_DECODE)
    try:
        yield
    finally:
        model.set_attn_implementation("sdpa")


def growing_cache(model) -> DynamicCache:
    """The model's own dynamic cache with its full-attention layers growing in place (sliding-window
    and other special layers are kept as they are)."""
    cache = DynamicCache(config=model.config)
    cache.layers = [GrowingLayer() if type(layer) is DynamicLayer else layer for layer in cache.layers]
    return cache


@torch.inference_mode()
def sample_rows(
    model, ids: torch.Tensor, mask: torch.Tensor, sampling: Sampling, eos_id: int
) -> list[tuple[list[int], str]]:
    """Sample every row of a left-padded batch; rows that emit EOS leave the batch (and the KV
    cache) at once, so a batch costs what its live rows cost, not what its longest row costs.
    Returns each row's new token ids (up to and including EOS) and its finish reason."""
    with gqa_decode_attention(model):
        return _sample_rows(model, ids, mask, sampling, eos_id)


def _sample_rows(model, ids, mask, sampling, eos_id):
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(
        input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=growing_cache(model), use_cache=True
    )
    cache, logits = out.past_key_values, out.logits[:, -1]
    live, next_position = torch.arange(len(ids)), positions[:, -1] + 1
    generated: list[list[int]] = [[] for _ in range(len(ids))]
    for step in range(sampling.max_new_tokens):
        tokens = sample_top_p(logits, sampling.temperature, sampling.top_p)
        for row, token in zip(live.tolist(), tokens.tolist()):
            generated[row].append(token)
        keep = tokens != eos_id
        if step == sampling.max_new_tokens - 1 or not keep.any():
            break
        if not keep.all():
            kept = keep.nonzero().squeeze(1)
            cache.batch_select_indices(kept)
            live, tokens, mask, next_position = live[kept], tokens[kept], mask[kept], next_position[kept]
        mask = torch.cat([mask, mask.new_ones(len(live), 1)], dim=1)
        out = model(
            input_ids=tokens[:, None],
            attention_mask=mask,
            position_ids=next_position[:, None],
            past_key_values=cache,
            use_cache=True,
        )
        cache, logits, next_position = out.past_key_values, out.logits[:, -1], next_position + 1
    return [(ids, "stop" if ids[-1] == eos_id else "length") for ids in generated]


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
        ids = batch["input_ids"].repeat_interleave(sampling.n, dim=0)
        mask = batch["attention_mask"].repeat_interleave(sampling.n, dim=0)
        for row, (new_ids, reason) in enumerate(sample_rows(model, ids, mask, sampling, tokenizer.eos_token_id)):
            text = tokenizer.decode(new_ids, skip_special_tokens=True)
            results[chunk[row // sampling.n]].append(Completion(text, len(new_ids), reason))
    return results


def resolve_backend(name: str) -> str:
    """``auto`` picks vLLM when it is installed and a GPU is present, else transformers."""
    if name != "auto":
        return name
    return "vllm" if torch.cuda.is_available() and importlib.util.find_spec("vllm") else "hf"


def check_model_length(model_path: str, max_model_len: int | None) -> None:
    """Refuse, with the numbers, a vLLM context longer than the model's positions (vLLM would stop
    at start-up with a less direct message, after the job got its GPU)."""
    from transformers import AutoConfig

    positions = getattr(AutoConfig.from_pretrained(model_path), "max_position_embeddings", None)
    if max_model_len and positions and max_model_len > positions:
        raise ValueError(f"evaluation.vllm.max_model_len is {max_model_len} but {model_path} has {positions} positions")


def generate_vllm(
    model_path: str, token_ids: list[list[int]], sampling: Sampling, engine: dict
) -> list[list[Completion]]:
    """``sampling.n`` completions per prompt with vLLM's offline engine (explicit SamplingParams:
    vLLM's own defaults would stop at 16 tokens).

    The seed goes to the engine only: a seed in SamplingParams would give every request the same
    random stream (sample k of every problem drawing the same numbers, so samples would be
    correlated across problems) and moves requests off vLLM's batched sampler.
    """
    from vllm import LLM, SamplingParams

    check_model_length(model_path, engine.get("max_model_len"))
    llm = LLM(model=model_path, tokenizer=model_path, seed=sampling.seed, **engine)
    params = SamplingParams(
        n=sampling.n,
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        max_tokens=sampling.max_new_tokens,
    )
    outputs = llm.generate([{"prompt_token_ids": ids} for ids in token_ids], params)
    return [
        [Completion(c.text, len(c.token_ids), "length" if c.finish_reason == "length" else "stop") for c in out.outputs]
        for out in outputs
    ]


def continue_texts(model_path: str, texts: list[str], sampling: Sampling, spec: dict) -> list[Completion]:
    """One completion of each text (a rendered prompt and the start of a response) with the
    configured backend; used to finish responses whose thinking was cut (`autothink.budget`)."""
    if not texts:
        return []
    if sampling.n != 1:
        raise ValueError("continue_texts draws one completion per text (sampling.n = 1)")
    if resolve_backend(spec["backend"]) == "vllm":
        tokenizer = load_tokenizer(model_path)
        token_ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [c[0] for c in generate_vllm(model_path, token_ids, sampling, spec.get("vllm", {}))]
    model, tokenizer = load_model(model_path)
    return [c[0] for c in generate_hf(model, tokenizer, texts, sampling, spec["batch_size"])]


def sample(model_path: str, problems: list[str], prompt: str, sampling: Sampling, spec: dict) -> list[list[Completion]]:
    """Render each problem under the named generation prompt and sample it with the configured backend."""
    from autothink.prompts import render_prompts

    if not problems:  # an evaluation shard can be empty; neither backend takes an empty batch
        return []
    if resolve_backend(spec["backend"]) == "vllm":
        tokenizer = load_tokenizer(model_path)
        token_ids = tokenizer(render_prompts(tokenizer, problems, prompt), add_special_tokens=False)["input_ids"]
        return generate_vllm(model_path, token_ids, sampling, spec.get("vllm", {}))
    model, tokenizer = load_model(model_path)
    return generate_hf(model, tokenizer, render_prompts(tokenizer, problems, prompt), sampling, spec["batch_size"])
