"""Shared fixtures: a tiny Qwen2 model folder written the way the distill rule writes it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autothink.tiny.distill import build_model
from autothink.tiny.tokenizer import build_tokenizer

REPO = Path(__file__).resolve().parents[1]
SMALL_ARCH = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "max_position_embeddings": 256,
}


@pytest.fixture(scope="session")
def default_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


@pytest.fixture(scope="session")
def random_model_dir(tmp_path_factory) -> Path:
    """An untrained tiny model + tokenizer saved with save_pretrained."""
    path = tmp_path_factory.mktemp("random_model")
    tokenizer = build_tokenizer()
    build_model(tokenizer, SMALL_ARCH).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
