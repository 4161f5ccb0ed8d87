"""Generation throughput of the CPU backend (`generate_hf`: length-sorted batches, finished rows
dropped from the KV cache) vs the naive path, one `transformers` `model.generate` call per prompt
(its n samples together), on the tiny model with the evaluation's sampling settings. Goal: >= 5x.

    python benchmarks/generation_throughput.py [--model results/tiny/models/tiny-r1]
        [--problems results/tiny/data/eval/olympiad.parquet] [--prompts 64]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from autothink.generate import Sampling, generate_hf, load_model
from autothink.prompts import render_prompts


def timed(generate_all) -> tuple[float, int]:
    """(samples per second, tokens generated) of one call."""
    started = time.perf_counter()
    lengths = generate_all()
    return len(lengths) / (time.perf_counter() - started), sum(lengths)


def naive(model, tokenizer, prompts: list[str], sampling: Sampling) -> list[int]:
    """Completion lengths from one `model.generate` call per prompt."""
    lengths = []
    for prompt in prompts:
        batch = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
        out = model.generate(
            **batch,
            do_sample=True,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=0,
            max_new_tokens=sampling.max_new_tokens,
            num_return_sequences=sampling.n,
            pad_token_id=tokenizer.pad_token_id,
        )
        for row in out[:, batch["input_ids"].shape[1] :].tolist():
            lengths.append(row.index(tokenizer.eos_token_id) + 1 if tokenizer.eos_token_id in row else len(row))
    return lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/tiny/models/tiny-r1")
    parser.add_argument("--problems", default="results/tiny/data/eval/olympiad.parquet")
    parser.add_argument("--prompts", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, tokenizer = load_model(args.model)
    problems = pd.read_parquet(args.problems)["problem"].tolist()[: args.prompts]
    prompts = render_prompts(tokenizer, problems, "ellipsis")
    sampling = Sampling(n=4, temperature=0.6, top_p=0.95, max_new_tokens=256, seed=0)
    generate_hf(model, tokenizer, prompts[:8], sampling, args.batch_size)  # warm up both paths
    naive(model, tokenizer, prompts[:2], sampling)
    batched, batched_tokens = timed(
        lambda: [s.tokens for r in generate_hf(model, tokenizer, prompts, sampling, args.batch_size) for s in r]
    )
    single, single_tokens = timed(lambda: naive(model, tokenizer, prompts, sampling))
    print(f"generate_hf (batch {args.batch_size}):  {batched:.1f} samples/s ({batched_tokens} tokens)")
    print(f"model.generate per prompt: {single:.1f} samples/s ({single_tokens} tokens)")
    print(f"speed-up: {batched / single:.1f}x")


if __name__ == "__main__":
    main()
