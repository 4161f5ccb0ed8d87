"""Generation throughput of the CPU backend: batched, length-bucketed `generate` vs one `generate`
call per prompt, on the tiny model with the evaluation's sampling settings. Goal: >= 5x.

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


def samples_per_second(model, tokenizer, prompts: list[str], sampling: Sampling, batch_size: int) -> tuple[float, int]:
    started = time.perf_counter()
    if batch_size:
        results = generate_hf(model, tokenizer, prompts, sampling, batch_size)
    else:  # one generate call per prompt (its n samples together)
        results = [generate_hf(model, tokenizer, [p], sampling, sampling.n)[0] for p in prompts]
    elapsed = time.perf_counter() - started
    n_samples = sum(len(r) for r in results)
    return n_samples / elapsed, sum(s.tokens for r in results for s in r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="results/tiny/models/tiny-r1")
    parser.add_argument("--problems", default="results/tiny/data/eval/olympiad.parquet")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, tokenizer = load_model(args.model)
    problems = pd.read_parquet(args.problems)["problem"].tolist()[: args.prompts]
    prompts = render_prompts(tokenizer, problems, "ellipsis")
    sampling = Sampling(n=4, temperature=0.6, top_p=0.95, max_new_tokens=256, seed=0)
    batched, batched_tokens = samples_per_second(model, tokenizer, prompts, sampling, args.batch_size)
    single, single_tokens = samples_per_second(model, tokenizer, prompts, sampling, 0)
    print(f"batched (batch {args.batch_size}): {batched:.1f} samples/s ({batched_tokens} tokens)")
    print(f"one prompt per call:      {single:.1f} samples/s ({single_tokens} tokens)")
    print(f"speed-up: {batched / single:.1f}x")


if __name__ == "__main__":
    main()
