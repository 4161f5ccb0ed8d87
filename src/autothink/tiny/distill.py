"""Distil the tiny R1-style model: a 0.6M-parameter Qwen2 causal LM trained from scratch on the
teacher corpus, saved with `save_pretrained` so later rules load it like any hub checkpoint.

The loss is the summed cross-entropy of completion tokens divided by a constant (the corpus's mean
completion tokens per batch), not by each batch's own token count: with a per-batch mean, batches
that happen to hold short no-think answers weigh their tokens more, which biases the model toward
the short mode. Prompt tokens are context only.

Batches are drawn at random (batches bucketed by length, each holding a single mode, slowed
learning several-fold in a calibration run). To avoid padding short no-think answers to the
length of the longest think trace, each random batch is cut into length-sorted micro-batches whose
losses are summed before one optimizer step: the same examples and the same gradient as the whole
batch, at a fraction of the compute.
"""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm
from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

from autothink.atomic import atomic_path
from autothink.prompts import render_prompts
from autothink.tiny.tokenizer import build_tokenizer

IGNORE = -100


def encode_corpus(tokenizer, corpus: pd.DataFrame) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, completion ids + EOS) for every corpus row."""
    prompt_text = [None] * len(corpus)
    for prompt, rows in corpus.groupby("prompt").indices.items():
        rendered = render_prompts(tokenizer, corpus["problem"].iloc[rows].tolist(), prompt)
        for row, text in zip(rows, rendered):
            prompt_text[row] = text
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    completion_ids = tokenizer(corpus["completion"].tolist(), add_special_tokens=False)["input_ids"]
    return [(p, c + [tokenizer.eos_token_id]) for p, c in zip(prompt_ids, completion_ids)]


def collate(examples: list[tuple[list[int], list[int]]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded input ids and labels (completion tokens only).

    No attention mask: with right padding a causal model's real tokens only ever see earlier real
    tokens, and pad positions carry no label, so the loss is the same as with a mask, and the
    attention takes its faster causal path.
    """
    width = max(len(p) + len(c) for p, c in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    for row, (p, c) in enumerate(examples):
        seq = p + c
        ids[row, : len(seq)] = torch.tensor(seq)
        labels[row, len(p) : len(seq)] = torch.tensor(c)
    return ids, labels


def length_sorted_split(batch: np.ndarray, lengths: np.ndarray, parts: int) -> list[np.ndarray]:
    """Cut a batch into ``parts`` micro-batches of similar lengths (less padding, same examples)."""
    ordered = batch[np.argsort(lengths[batch], kind="stable")]
    return [part for part in np.array_split(ordered, parts) if len(part)]


def build_model(tokenizer, arch: dict) -> Qwen2ForCausalLM:
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=arch["hidden_size"],
        intermediate_size=arch["intermediate_size"],
        num_hidden_layers=arch["num_hidden_layers"],
        num_attention_heads=arch["num_attention_heads"],
        num_key_value_heads=arch["num_key_value_heads"],
        max_position_embeddings=arch["max_position_embeddings"],
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config)


def learning_rate(step: int, total: int, peak: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def distill(corpus_path: str | Path, out_dir: str | Path, arch: dict, train: dict, log_path: str | Path) -> dict:
    """Train the tiny model on the corpus and save model + tokenizer to ``out_dir``."""
    torch.manual_seed(train["seed"])
    rng = np.random.default_rng(train["seed"])
    tokenizer = build_tokenizer()
    examples = encode_corpus(tokenizer, pd.read_parquet(corpus_path))
    model = build_model(tokenizer, arch)
    lengths = np.array([len(p) + len(c) for p, c in examples])
    if lengths.max() > arch["max_position_embeddings"]:
        raise ValueError(
            f"corpus has a {lengths.max()}-token example, over"
            f" max_position_embeddings={arch['max_position_embeddings']}"
        )

    batch_size, steps = train["batch_size"], train["steps"]
    tokens_per_batch = batch_size * float(np.mean([len(c) for _, c in examples]))
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=train["lr"], betas=(0.9, 0.95), weight_decay=train["weight_decay"]
    )
    warmup = max(1, int(train["warmup_fraction"] * steps))
    model.train()
    log_rows, started, order = [], time.time(), np.array([], dtype=int)
    for step in tqdm(range(steps), desc="distill", mininterval=5):
        if len(order) < batch_size:
            order = np.concatenate([order, rng.permutation(len(examples))])
        batch, order = order[:batch_size], order[batch_size:]
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, train["lr"], warmup)
        optimizer.zero_grad(set_to_none=True)
        batch_loss, n_tokens = 0.0, 0
        for micro in length_sorted_split(batch, lengths, train["micro_batches"]):
            ids, labels = collate([examples[i] for i in micro], tokenizer.pad_token_id)
            logits = model(input_ids=ids).logits[:, :-1]
            token_loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1), ignore_index=IGNORE, reduction="sum"
            )
            (token_loss / tokens_per_batch).backward()
            batch_loss += token_loss.item()
            n_tokens += int((labels != IGNORE).sum())
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % train["log_every"] == 0 or step == steps - 1:
            log_rows.append(
                {
                    "step": step,
                    "loss_per_token": batch_loss / n_tokens,
                    "lr": optimizer.param_groups[0]["lr"],
                    "elapsed_s": round(time.time() - started, 2),
                }
            )

    model.eval()
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        do_sample=True,
        temperature=0.6,
        top_p=0.95,
    )
    with atomic_path(out_dir) as folder:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    with atomic_path(log_path) as path, open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(log_rows[0]))
        writer.writeheader()
        writer.writerows(log_rows)
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "examples": len(examples),
        "steps": steps,
        "final_loss_per_token": log_rows[-1]["loss_per_token"],
        "wall_s": round(time.time() - started, 1),
    }
