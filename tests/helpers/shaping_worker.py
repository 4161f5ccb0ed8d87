"""Computes AutoThink's shaped rewards for one fixed batch through the real trainer, in however many
processes `torchrun` started; rank 0 writes them to the JSON file named on the command line.

The batch is 3 prompts x 4 rollouts; with 2 processes each holds 6 rollouts, so the second
prompt's group straddles the processes.
"""

import json
import os
import sys
from pathlib import Path

import pandas as pd
import torch.distributed as dist

from autothink.tiny.distill import build_model
from autothink.tiny.tokenizer import build_tokenizer
from autothink.train import AutoThinkGRPOTrainer, grpo_config, training_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests folder, for its fixtures' model size
from conftest import SMALL_ARCH as ARCH  # noqa: E402

PROBLEMS = [("2+3", "5", 1), ("41+17", "58", 3), ("123+456", "579", 5)]
COMPLETIONS = [  # completion text after the ellipsis prompt, per rollout, grouped by prompt
    "</think>\n\n\\boxed{5}",
    "</think>\n\n\\boxed{6}",
    "2+3=5 done</think>\n\n\\boxed{5}",
    "a b c d e f</think>\n\n\\boxed{5}",
    "</think>\n\n\\boxed{58}",
    "1+7=8 4+1=5</think>\n\n\\boxed{58}",
    "1+7=8 4+1=5 58 checked ok</think>\n\n\\boxed{58}",
    "x</think>\n\n\\boxed{48}",
    "3+6=9 2+5=7 1+4=5",
    "</think>\n\n\\boxed{579}",
    "3+6=9 2+5=7 1+4=5</think>\n\n\\boxed{579}",
    "</think>\n\n\\boxed{578}",
]
SHAPING = {"gamma": 0.5, "slope": 2.0, "alpha": 0.05, "beta": 0.05}  # Stage-1 balance and Stage-3 length terms at once
SPEC = json.loads((Path(__file__).parent / "train_spec.json").read_text())


def rewards_through_trainer(method: str, params: dict, checkpoint_dir: str) -> list[float]:
    """This process's slice of the fixed batch through `AutoThinkGRPOTrainer._calculate_rewards`:
    the rewards of the whole gathered batch, as TRL receives them."""
    tokenizer = build_tokenizer()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    spec = {**SPEC, "prompts_per_step": 3, "max_completion_length": 64, "micro_batch": len(COMPLETIONS) // world}
    rows = [
        {"prompt": [{"role": "user", "content": p}], "answer": a, "level": float(lv)}
        for p, a, lv in PROBLEMS
        for _ in range(4)
    ]
    trainer = AutoThinkGRPOTrainer(
        model=build_model(tokenizer, ARCH),
        args=grpo_config(spec, checkpoint_dir),
        train_dataset=training_dataset(pd.DataFrame({"problem": ["2+3"], "answer": ["5"]})),
        processing_class=tokenizer,
        method=method,
        method_params=params,
        generation_prompt="ellipsis",
    )
    trainer.model.train()
    local = slice(rank * spec["micro_batch"], (rank + 1) * spec["micro_batch"])
    texts = COMPLETIONS[local]
    ids = [
        tokenizer(t, add_special_tokens=False)["input_ids"] + ([tokenizer.eos_token_id] if "boxed" in t else [])
        for t in texts
    ]
    completions = [[{"role": "assistant", "content": t}] for t in texts]
    return trainer._calculate_rewards(rows[local], [r["prompt"] for r in rows[local]], completions, ids)[:, 0].tolist()


def main(out: str) -> None:
    rewards = rewards_through_trainer("autothink", SHAPING, str(Path(out).parent / "checkpoints"))
    if int(os.environ.get("RANK", "0")) == 0:
        Path(out).write_text(json.dumps({"world": int(os.environ.get("WORLD_SIZE", "1")), "rewards": rewards}))
    if dist.is_initialized():
        dist.barrier()


if __name__ == "__main__":
    main(sys.argv[1])
