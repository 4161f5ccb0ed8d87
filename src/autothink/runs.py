"""What one training run is: its merged settings, and the TRL `GRPOConfig` fields they become.

Kept free of torch and TRL imports so that the workflow checks every run of the merged config
(shared `training` settings, the run's own, its per-model `overrides`) when it loads, before any
job starts, with the same code the training job later uses.
"""

from __future__ import annotations

# files a training run writes into its model folder, next to the weights
STEP_LOG = "training_log.jsonl"  # one JSON line per optimiser step
TRAINING_SUMMARY = "training_summary.json"  # steps, run time, resumption, environment

# keys of a run entry that describe the workflow around a run, not the run itself
WORKFLOW_KEYS = ("init", "eval_prompts", "overrides", "gpus", "launcher")


def run_spec(config: dict, run: str, base: str, seed: int | None = None) -> dict:
    """A run's settings for one base model: the shared `training` ones, the run's own, then its
    overrides; ``seed`` (a repeat seed) replaces the training seed."""
    entry = config["train_runs"][run]
    spec = {**config["training"], **entry, **entry.get("overrides", {}).get(base, {})}
    if seed is not None:
        spec["seed"] = seed
    for key in WORKFLOW_KEYS:
        spec.pop(key, None)
    return spec


def monitor_after(step: int, steps: int, every: int) -> bool:
    """Whether LASER-D's monitor (`target_monitor`) re-chooses the targets after generation step
    ``step`` of ``steps``: every `every` steps, not after the last (it also runs before the first)."""
    return step % every == 0 and step < steps


def grpo_settings(spec: dict, checkpoint_dir: str, world: int, use_cpu: bool) -> dict:
    """`GRPOConfig` keyword arguments of one run on ``world`` processes. One generation batch holds
    `prompts_per_step` prompts x `rollouts` and is consumed in `updates_per_step` optimiser updates
    of accumulated micro-batches; `grpo` passes further fields through, but never one of these."""
    completions = spec["prompts_per_step"] * spec["rollouts"]
    per_update = spec["micro_batch"] * world * spec["updates_per_step"]
    if completions % per_update:
        raise ValueError(
            f"prompts_per_step x rollouts = {completions} completions per step do not split into "
            f"{spec['updates_per_step']} update(s) of micro-batches of {spec['micro_batch']} on {world} process(es)"
        )
    accumulation = completions // per_update
    settings = dict(
        output_dir=checkpoint_dir,
        use_cpu=use_cpu,
        seed=spec["seed"],
        max_steps=spec["steps"] * spec["updates_per_step"],
        per_device_train_batch_size=spec["micro_batch"],
        gradient_accumulation_steps=accumulation,
        steps_per_generation=accumulation * spec["updates_per_step"],
        num_generations=spec["rollouts"],
        max_completion_length=spec["max_completion_length"],
        temperature=spec["temperature"],
        top_p=spec["top_p"],
        learning_rate=spec["learning_rate"],
        lr_scheduler_type="constant",
        warmup_steps=0,
        weight_decay=spec["weight_decay"],
        max_grad_norm=spec["max_grad_norm"],
        beta=spec.get("kl_coef", 0.0),
        epsilon=spec["epsilon"],
        entropy_coef=spec["entropy_coef"],
        loss_type=spec["loss_type"],
        scale_rewards=spec["scale_rewards"],
        logging_steps=1,
        save_strategy="steps",
        save_steps=spec["save_steps"],
        save_total_limit=2,
        report_to="none",
        disable_tqdm=True,
    )
    passthrough = dict(spec.get("grpo", {}))
    clash = sorted(set(passthrough) & set(settings))
    if clash:
        raise ValueError(
            f"grpo sets {clash}, which the workflow derives itself (see config/README.md); set the run's own"
            " keys instead"
        )
    if passthrough.get("use_vllm") and "vllm_max_model_length" not in passthrough:
        # without it TRL's vLLM engine reserves KV cache for the model's whole context (131072 for R1-Distill)
        if "max_prompt_tokens" not in spec:
            raise ValueError(
                "grpo.use_vllm needs training.max_prompt_tokens (the vLLM context is that + max_completion_length)"
            )
        passthrough["vllm_max_model_length"] = spec["max_prompt_tokens"] + spec["max_completion_length"]
    return {**settings, **passthrough}
