"""Forecast the distilled tiny model's profile from the generator's formulas, before distilling.

A model that learned the teacher exactly samples each of the teacher's choices (forget a carry,
re-check, close the think block at once) with the teacher's probability, sharpened by the sampling
temperature and cut by top-p. That gives, per level, the accuracy of each mode and the tokens of
each response, hence the calibration figures of config/README.md in a second instead of the
~15 minutes of `tiny_data` + `distill` + `tiny_profile`. The real profile differs where the
model learned the teacher imperfectly; compare both.

    python benchmarks/tiny_world_forecast.py [--configfile config/config.yaml]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import yaml

from autothink.tiny.data import teacher_response
from autothink.tiny.task import Teacher, direct_accuracy, levels_from_config, sample_problem, teacher_from_config
from autothink.tiny.tokenizer import build_tokenizer


def sampled(p: float, temperature: float, top_p: float) -> float:
    """Probability of a two-way choice taken with probability ``p`` by the teacher, as sampled."""
    if p in (0.0, 1.0):
        return p
    a, b = p ** (1 / temperature), (1 - p) ** (1 / temperature)
    q = a / (a + b)
    rare = min(q, 1 - q)
    if rare < 1 - top_p:  # nucleus sampling never draws the rare side
        return 0.0 if q < 0.5 else 1.0
    return q


def forecast(tiny: dict, temperature: float, top_p: float, problems_per_level: int = 2000) -> pd.DataFrame:
    """Per level: think / no-think accuracy and tokens, and the ellipsis no-think rate, as sampled."""
    rng = np.random.default_rng(0)
    tokenizer = build_tokenizer()
    teacher = teacher_from_config(tiny["teacher"])
    kinds = tiny["distill"]["kinds"]
    no_think = sampled(
        kinds["ellipsis_no_think"] / (kinds["ellipsis_no_think"] + kinds["ellipsis_think"]), temperature, top_p
    )
    drop, recheck_drop = (sampled(p, temperature, top_p) for p in (teacher.carry_drop, teacher.recheck_drop))
    recheck = sampled(teacher.recheck_prob, temperature, top_p)
    rows = []
    for level in levels_from_config(tiny["levels"]):
        problems = [sample_problem(rng, level) for _ in range(problems_per_level)]
        think_acc = (1 - recheck) * (1 - drop) ** level.carries + recheck * (1 - recheck_drop) ** level.carries
        direct_acc = np.mean([direct_accuracy(p, level) for p in problems])

        def tokens(thinks: bool, teacher: Teacher, prompt: str = "ellipsis", level=level, problems=problems) -> float:
            texts = [teacher_response(p, level, teacher, prompt, thinks, rng) for p in problems[:200]]
            return float(np.mean([len(ids) + 1 for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]))

        plain = Teacher(0.0, 0.0, 0.0)
        rechecked = Teacher(0.0, 0.0, 1.0)
        think_tokens = (1 - recheck) * tokens(True, plain) + recheck * tokens(True, rechecked)
        rows.append(
            {
                "level": level.level,
                "think_accuracy": think_acc,
                "no_think_accuracy": direct_acc,
                "think_tokens": think_tokens,
                "no_think_tokens": tokens(False, plain),
                "no_thinking_prompt_tokens": tokens(False, plain, "no_thinking"),
                "ellipsis_no_think_rate": no_think,
            }
        )
    return pd.DataFrame(rows)


def averaged(per_level: pd.DataFrame, mixes: dict[str, list[float]]) -> dict[str, float]:
    """The table's averages: each benchmark weighs its levels by its mix, benchmarks count equally."""
    q = per_level["ellipsis_no_think_rate"]
    columns = {
        "standard_acc": per_level["think_accuracy"],
        "no_thinking_acc": per_level["no_think_accuracy"],
        "ellipsis_acc": (1 - q) * per_level["think_accuracy"] + q * per_level["no_think_accuracy"],
        "standard_tok": per_level["think_tokens"],
        "no_thinking_tok": per_level["no_thinking_prompt_tokens"],
    }
    out = {}
    for name, values in columns.items():
        out[name] = float(np.mean([np.dot(np.asarray(mix) / np.sum(mix), values) for mix in mixes.values()]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config/config.yaml")
    args = parser.parse_args()
    config = yaml.safe_load(open(args.configfile))
    tiny, sampling = config["tiny"], config["evaluation"]["sampling"]
    per_level = forecast(tiny, sampling["temperature"], sampling["top_p"])
    print(per_level.round(3).to_string(index=False))
    avg = averaged(per_level, {name: spec["mix"] for name, spec in tiny["benchmarks"].items()})
    train_mix = np.asarray(tiny["train"]["mix"], dtype=float)
    print(f"\nstandard accuracy           {avg['standard_acc']:.3f}   (target 0.45-0.60)")
    print(f"no-thinking / standard      {avg['no_thinking_acc'] / avg['standard_acc']:.3f}   (target 0.70-0.80)")
    print(f"ellipsis / standard         {avg['ellipsis_acc'] / avg['standard_acc']:.3f}   (target 0.88-0.95)")
    print(f"no-thinking / standard tok  {avg['no_thinking_tok'] / avg['standard_tok']:.3f}   (target 0.10-0.25)")
    print(f"standard tokens             {avg['standard_tok']:.1f}")
    print(
        f"think accuracy on train mix {np.dot(train_mix / train_mix.sum(), per_level['think_accuracy']):.3f}  "
        " (target 0.40-0.50)"
    )


if __name__ == "__main__":
    main()
