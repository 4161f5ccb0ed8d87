"""GRPO training with rewards computed over the whole gathered batch (AutoThink's stages, baselines).

`AutoThinkGRPOTrainer` keeps TRL's GRPO loop and replaces only how rewards are computed: each
process judges its own completions (mode, correctness, format, length, level), the judgements
are gathered across processes, and a reward *method* (`autothink.methods`) turns the whole batch
into rewards. Stage-1 balance therefore sees every rollout of the step and Stage-3 sees whole
prompt groups even when a group straddles processes; every process computes the same rewards
from the same gathered data, as TRL requires.

Settings follow the official verl run where TRL allows (docs: `config/README.md`): group-
normalised advantages (`scale_rewards="group"`), token-level loss over the batch
(`loss_type="dapo"`: TRL divides by the active tokens of the whole accumulated batch across
processes, as verl's token-mean does per mini-batch), clip 0.2, no KL (`beta=0`, no reference
model), entropy bonus, constant learning rate, one optimiser update per `updates_per_step`
slice of a generation batch.

Checkpoints live in a run directory that is not a workflow output; training resumes from the
newest complete one, so a killed stage loses at most one save interval.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from datasets import Dataset
from transformers import TrainerCallback
from trl import GRPOConfig, GRPOTrainer
from trl.models import unwrap_model_for_generation

from autothink.atomic import atomic_path
from autothink.generate import Sampling, load_tokenizer, sample_rows
from autothink.judging import judge
from autothink.methods import Rollouts, method_rewards
from autothink.prompts import user_message, with_generation_prompt
from autothink.rewards import is_degenerate, laser_d_choose_targets, zero_variance_share
from autothink.runs import STEP_LOG, grpo_settings, monitor_after

log = logging.getLogger(__name__)

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
RESUMABLE_CHANGES = ("steps", "save_steps", "threads")  # a run may be extended or resaved and still resume
ROWS_PER_SCORING_PIECE = 8  # rows of similar length scored together; fewer pad less, more batch better


def judge_rollouts(
    texts: list[str],
    completion_ids: list[list[int]],
    answers: list[str],
    levels: list,
    *,
    prompt: str,
    eos_token_id: int,
) -> np.ndarray:
    """This process's completions judged (`autothink.judging`), plus what only training needs
    (truncation, degeneration, length, level), as a `Rollouts.matrix` to gather across processes."""
    judged = judge(texts, answers, prompt)
    return Rollouts.matrix(
        think=judged.think,
        correct=judged.correct,
        formatted=judged.formatted,
        truncated=[not ids or ids[-1] != eos_token_id for ids in completion_ids],
        degenerate=[is_degenerate(text) for text in texts],
        lengths=[len(ids) for ids in completion_ids],
        levels=[np.nan if level is None or pd.isna(level) else float(level) for level in levels],
    )


def batch_reward(completions, **kwargs) -> list[float]:
    """The single reward column TRL sees. Its value is filled in by `AutoThinkGRPOTrainer` after
    the gather, because no per-process reward function can see the whole batch."""
    return [0.0] * len(completions)


def rollout_metrics(rollouts: Rollouts, rewards: np.ndarray) -> dict[str, float]:
    """What one generation batch says about the policy: think rate (overall and per level),
    accuracy and length per mode, and the reward."""
    metrics = {"rollouts/reward": float(rewards.mean()), "rollouts/think_rate": float(rollouts.think.mean())}
    metrics["rollouts/accuracy"] = float(rollouts.correct.mean())
    metrics["rollouts/truncated_rate"] = float(rollouts.truncated.mean())
    metrics["rollouts/zero_variance_groups"] = zero_variance_share(rewards, rollouts.groups)
    for mode, mask in (("think", rollouts.think), ("no_think", ~rollouts.think)):
        if mask.any():
            metrics[f"rollouts/{mode}/accuracy"] = float(rollouts.correct[mask].mean())
            metrics[f"rollouts/{mode}/mean_length"] = float(rollouts.lengths[mask].mean())
    for level in np.unique(rollouts.levels[~np.isnan(rollouts.levels)]):
        metrics[f"rollouts/think_rate/level{level:g}"] = float(rollouts.think[rollouts.levels == level].mean())
    return metrics


class AutoThinkGRPOTrainer(GRPOTrainer):
    """TRL's GRPO with rewards from a whole-batch method (see the module docstring)."""

    def __init__(self, *args, method: str, method_params: dict, generation_prompt: str, **kwargs):
        super().__init__(*args, reward_funcs=[batch_reward], **kwargs)
        self.method, self.method_params = method, dict(method_params)
        self.generation_prompt = generation_prompt

    def _generate_single_turn(self, prompt_ids, images, multimodal_fields, num_generations, has_tool_images=False):
        """On CPUs, rollouts come from `autothink.generate.sample_rows`, which drops a finished
        row from the batch and the KV cache at once; `generate` keeps computing every row until
        the longest one ends, and in a batch mixing ~20-token no-think answers with ~150-token
        traces most of that work is padding. Same sampling (temperature, top-p), same outputs
        (token ids up to and including EOS). GPUs, vLLM and any sampling setting the fast path
        does not implement go to TRL's own generation."""
        plain_sampling = not self.top_k and self.min_p is None and self.repetition_penalty == 1.0
        if (
            self.use_vllm
            or self.use_transformers_continuous_batching
            or self.accelerator.device.type != "cpu"
            or images
            or not plain_sampling
        ):
            return super()._generate_single_turn(
                prompt_ids, images, multimodal_fields, num_generations, has_tool_images
            )
        pad_id = self.processing_class.pad_token_id
        width = max(len(ids) for ids in prompt_ids)
        ids = torch.tensor([[pad_id] * (width - len(row)) + list(row) for row in prompt_ids])
        mask = torch.tensor([[0] * (width - len(row)) + [1] * len(row) for row in prompt_ids])
        sampling = Sampling(
            n=1, temperature=self.temperature, top_p=self.top_p, max_new_tokens=self.max_completion_length, seed=0
        )
        with unwrap_model_for_generation(
            self.model_wrapped, self.accelerator, gradient_checkpointing_kwargs=self.args.gradient_checkpointing_kwargs
        ) as model:  # as TRL's own path: gradient checkpointing (no KV cache) is off while sampling
            rows = sample_rows(model, ids, mask, sampling, self.processing_class.eos_token_id)
        return [new_ids for new_ids, _ in rows], None

    def _get_per_token_logps_and_entropies(
        self, model, input_ids, attention_mask, logits_to_keep, batch_size=None, **kwargs
    ):
        """Score completions in length-sorted pieces, each cut to its own width: TRL pads every row
        of a micro-batch to the batch's longest prompt and completion, so a batch mixing ~20-token
        no-think answers with ~200-token traces spends most of its forward and backward on padding.
        Same values (up to float rounding: left padding is masked and rotary attention depends only
        on relative positions), returned in the caller's row order and width. Inputs with images
        or other per-row extras go to TRL's own method."""
        if any(
            value is not None for key, value in kwargs.items() if key not in ("compute_entropy", "compute_aux_loss")
        ):
            return super()._get_per_token_logps_and_entropies(
                model, input_ids, attention_mask, logits_to_keep, batch_size, **kwargs
            )
        prompt_width = input_ids.size(1) - logits_to_keep
        row_lengths = attention_mask.sum(1)
        order = torch.argsort(row_lengths, stable=True)
        piece_rows = min(batch_size or len(order), ROWS_PER_SCORING_PIECE)
        logps, entropies, aux_losses = [], [], []
        for rows in order.split(piece_rows):
            mask = attention_mask[rows]
            first = int(mask[:, :prompt_width].any(0).nonzero()[0])  # the first prompt column any row uses
            width = int(mask[:, prompt_width:].sum(1).max().clamp(min=1))  # the longest completion here
            piece_logps, piece_entropies, aux = super()._get_per_token_logps_and_entropies(
                model,
                input_ids[rows, first : prompt_width + width],
                mask[:, first : prompt_width + width],
                width,
                **kwargs,
            )
            pad = (0, logits_to_keep - width)
            logps.append(torch.nn.functional.pad(piece_logps, pad))
            entropies.append(None if piece_entropies is None else torch.nn.functional.pad(piece_entropies, pad))
            aux_losses.append(aux)
        back = torch.argsort(order)
        return (
            torch.cat(logps)[back],
            None if entropies[0] is None else torch.cat(entropies)[back],
            None if aux_losses[0] is None else torch.stack(aux_losses).mean(),
        )

    def monitor_rollouts(self, problems: Dataset) -> Rollouts:
        """This run's rollouts (its sampler, `rollouts` per prompt) on fixed problems, judged and
        gathered like a training batch; each process samples an equal share of the problems."""
        world, rank = self.accelerator.num_processes, self.accelerator.process_index
        share = len(problems) // world
        if share == 0:
            raise ValueError(f"a monitor set of {len(problems)} problems cannot be shared by {world} processes")
        mine = problems.select(range(rank * share, (rank + 1) * share))
        n = self.num_generations

        def repeat(column: str) -> list:
            return [value for value in mine[column] for _ in range(n)]

        prompt_ids, images, fields = self._tokenize_prompts(repeat("prompt"))
        with torch.no_grad():
            completion_ids, _ = self._generate_single_turn(prompt_ids, images, fields, n)
        local = judge_rollouts(
            self.processing_class.batch_decode(completion_ids, skip_special_tokens=True),
            completion_ids,
            repeat("answer"),
            repeat("level"),
            prompt=self.generation_prompt,
            eos_token_id=self.processing_class.eos_token_id,
        )
        gathered = self.accelerator.gather(torch.as_tensor(local, dtype=torch.float64, device=self.accelerator.device))
        return Rollouts.from_matrix(gathered.cpu().numpy(), n)

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        texts = [c[0]["content"] if isinstance(c, list) else c for c in completions]
        local = judge_rollouts(
            texts,
            completion_ids_list,
            [x["answer"] for x in inputs],
            [x.get("level") for x in inputs],
            prompt=self.generation_prompt,
            eos_token_id=self.processing_class.eos_token_id,
        )
        device = self.accelerator.device
        gathered = self.accelerator.gather(torch.as_tensor(local, dtype=torch.float64, device=device))
        group_size = self.num_generations if self.model.training else self.num_generations_eval
        rollouts = Rollouts.from_matrix(gathered.cpu().numpy(), group_size)
        rewards, extras = method_rewards(self.method, rollouts, self.method_params)
        mode = "train" if self.model.training else "eval"
        for name, value in {**rollout_metrics(rollouts, rewards), **extras}.items():
            self._metrics[mode][name].append(value)
        return torch.as_tensor(rewards, dtype=torch.float32, device=device)[:, None]


class TargetMonitor(TrainerCallback):
    """LASER-D's adaptive targets, as its paper and code choose them: before the first step and
    every `every` generation steps, sample the run's rollouts on a fixed monitor set of training
    problems and re-choose each difficulty bucket's target among `candidates`
    (`autothink.rewards.laser_d_choose_targets`); the next batches are rewarded with them. A resumed
    run chooses afresh from the resumed model."""

    def __init__(self, trainer: AutoThinkGRPOTrainer, problems: Dataset, every: int, candidates: list[int]):
        self.trainer, self.problems, self.every, self.candidates = trainer, problems, every, candidates

    def choose(self) -> None:
        rollouts = self.trainer.monitor_rollouts(self.problems)
        targets = laser_d_choose_targets(rollouts.correct, rollouts.lengths, rollouts.groups, self.candidates)
        self.trainer.method_params["targets"] = targets
        log.info("LASER-D targets from %d monitor rollouts: %s", len(rollouts.correct), targets)

    def on_train_begin(self, args, state, control, **kwargs):
        self.choose()

    def on_step_end(self, args, state, control, **kwargs):
        updates = args.steps_per_generation // args.gradient_accumulation_steps  # per generation step
        if state.global_step % updates == 0 and monitor_after(
            state.global_step // updates, state.max_steps // updates, self.every
        ):
            self.choose()


def monitor_candidates(monitor: dict, max_completion_length: int) -> list[int]:
    """LASER-D's candidate targets: from its lower bound L_T up to the completion limit, `interval` apart."""
    return list(range(monitor["lower_bound"], max_completion_length + 1, monitor["interval"]))


def training_dataset(problems: pd.DataFrame) -> Dataset:
    """Conversational prompts (the chat template adds the generation prompt) with gold answers."""
    missing = {"problem", "answer"} - set(problems.columns)
    if missing:
        raise ValueError(f"training data lacks column(s) {sorted(missing)}")
    levels = problems["level"] if "level" in problems else pd.Series([None] * len(problems))
    return Dataset.from_dict(
        {
            "prompt": [user_message(p) for p in problems["problem"]],
            "answer": [str(a) for a in problems["answer"]],
            "level": [None if pd.isna(x) else float(x) for x in levels],
        }
    )


def grpo_config(spec: dict, checkpoint_dir: str) -> GRPOConfig:
    """TRL settings of one run on this job's processes (`autothink.runs.grpo_settings`)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return GRPOConfig(**grpo_settings(spec, checkpoint_dir, world, use_cpu=not torch.cuda.is_available()))


def run_fingerprint(init_model: str, spec: dict, problems: pd.DataFrame) -> str:
    """What a run's checkpoints belong to: its settings (except how long it runs and how often it
    saves), its training problems (their content) and the exact model it started from (for a local
    folder, its files' names, sizes and modification times)."""
    spec = {key: value for key, value in spec.items() if key not in RESUMABLE_CHANGES}
    init = Path(init_model)
    files = (
        sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in init.iterdir() if p.is_file())
        if init.is_dir()
        else []
    )
    data = hashlib.sha256(pd.util.hash_pandas_object(problems, index=False).to_numpy().tobytes()).hexdigest()
    payload = json.dumps({"spec": spec, "init": str(init_model), "files": files, "data": data}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def claim_run_dir(run_dir: Path, fingerprint: str) -> None:
    """Keep the run directory's checkpoints only if they belong to this very run; checkpoints of
    other settings, other training problems or another starting model are removed, never resumed."""
    marker = run_dir / "fingerprint.txt"
    if marker.is_file() and marker.read_text().strip() == fingerprint:
        return
    checkpoints = run_dir / "checkpoints"
    if checkpoints.is_dir() and any(checkpoints.iterdir()):  # the trainer itself creates it empty
        log.warning("%s holds checkpoints of other settings or another starting model: starting afresh", run_dir)
        shutil.rmtree(checkpoints)
    run_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(fingerprint + "\n")


def checkpoint_is_intact(path: Path) -> bool:
    """Whether a checkpoint can be resumed: its trainer state (written last) parses, and its weight
    and optimizer files are whole (a safetensors header that fits the file, a zip directory that
    torch can open; both sit where a truncated copy breaks them), without loading the tensors."""
    from safetensors import safe_open

    try:
        json.loads((path / "trainer_state.json").read_text())
        for weights in path.glob("*.safetensors"):
            with safe_open(str(weights), framework="pt"):
                pass
        for state in path.glob("*.pt"):
            zipfile.ZipFile(state).close()
    except Exception:  # noqa: BLE001 - any damage (truncation, bad JSON, bad zip) means: do not resume from it
        return False
    return True


def newest_checkpoint(checkpoint_dir: Path) -> Path | None:
    """The newest intact checkpoint, or None; a damaged newer one is skipped (and said so)."""
    if not checkpoint_dir.is_dir():
        return None
    found = sorted(
        ((int(m.group(1)), p) for p in checkpoint_dir.iterdir() if (m := _CHECKPOINT.match(p.name))), reverse=True
    )
    for _, path in found:
        if checkpoint_is_intact(path):
            return path
        log.warning("checkpoint %s is incomplete or damaged; trying an older one", path)
    return None


def write_step_log(log_history: list[dict], path: Path) -> None:
    """One JSON line per optimiser step (TRL's log history, restored across resumes)."""
    with path.open("w") as handle:
        for entry in log_history:
            if "loss" in entry or "rollouts/think_rate" in entry:
                handle.write(json.dumps(entry, sort_keys=True) + "\n")


def train(init_model: str, problems: pd.DataFrame, out_dir: str, run_dir: str, spec: dict) -> dict:
    """Train one run from `init_model`; checkpoints go to `run_dir`, the final model to `out_dir`."""
    tokenizer = load_tokenizer(init_model)
    original_template = tokenizer.chat_template
    tokenizer.chat_template = with_generation_prompt(original_template, spec["prompt"])
    checkpoints = Path(run_dir) / "checkpoints"
    trainer = AutoThinkGRPOTrainer(
        model=init_model,
        args=grpo_config(spec, str(checkpoints)),
        train_dataset=training_dataset(problems),
        processing_class=tokenizer,
        method=spec["reward_method"],
        method_params=spec["reward"],
        generation_prompt=spec["prompt"],
    )
    monitor = spec.get("target_monitor")
    if monitor:
        sample = problems.sample(n=min(monitor["problems"], len(problems)), random_state=spec["seed"])
        candidates = monitor_candidates(monitor, spec["max_completion_length"])
        trainer.add_callback(TargetMonitor(trainer, training_dataset(sample), monitor["every"], candidates))
    if trainer.accelerator.is_main_process:
        claim_run_dir(Path(run_dir), run_fingerprint(init_model, spec, problems))
    trainer.accelerator.wait_for_everyone()
    resume = newest_checkpoint(checkpoints)
    if resume is not None:
        log.info("resuming from %s", resume)
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    out = Path(out_dir)
    partial = out.with_name(f".{out.name}.partial")  # the same name on every process
    if trainer.accelerator.is_main_process and partial.exists():
        shutil.rmtree(partial)
    trainer.accelerator.wait_for_everyone()
    trainer.save_model(str(partial))  # on every process: FSDP and ZeRO-3 gather the full weights together
    if trainer.accelerator.is_main_process:
        tokenizer.chat_template = original_template  # the saved model keeps its own template
        tokenizer.save_pretrained(str(partial))
        write_step_log(trainer.state.log_history, partial / STEP_LOG)
        with atomic_path(out) as folder:  # the finished model appears whole
            partial.rename(folder)
        # Checkpoints only serve to resume this run (a 7B run's are ~100 GB each); without them a
        # forced rerun trains again instead of resuming at the last step.
        shutil.rmtree(checkpoints, ignore_errors=True)
    return {"steps": trainer.state.global_step, "resumed_from": str(resume) if resume else None, **result.metrics}
