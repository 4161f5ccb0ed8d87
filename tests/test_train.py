"""The GRPO trainer: judging rollouts, whole-batch rewards identical across process counts,
settings, and a killed run that resumes from its newest checkpoint."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from autothink import rewards as R
from autothink.config import ConfigError, check_train_runs
from autothink.methods import Rollouts, method_rewards
from autothink.tiny.tokenizer import build_tokenizer
from autothink.train import (
    claim_run_dir,
    grpo_config,
    judge_rollouts,
    newest_checkpoint,
    rollout_metrics,
    run_fingerprint,
    training_dataset,
)

HELPERS = Path(__file__).parent / "helpers"
ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(HELPERS))
from shaping_worker import COMPLETIONS, PROBLEMS, rewards_through_trainer  # noqa: E402


def test_judge_reads_mode_answer_format_and_truncation():
    tokenizer = build_tokenizer()
    eos = tokenizer.eos_token_id
    texts = ["</think>\n\n\\boxed{5}", "2+3=5</think>\n\n\\boxed{5}", "2+3=", "</think>\n\nfive"]
    ids = [[1, 2, eos], [1, 2, 3, 4, eos], [1, 2, 3], [7, eos]]
    rows = judge_rollouts(texts, ids, ["5", "5", "5", "5"], [1, 2, None, np.nan], prompt="ellipsis", eos_token_id=eos)
    rollouts = Rollouts.from_matrix(rows, group_size=2)
    assert rollouts.think.tolist() == [False, True, True, False]
    assert rollouts.correct.tolist() == [True, True, False, False]
    assert rollouts.formatted.tolist() == [True, True, False, False]
    assert rollouts.truncated.tolist() == [False, False, True, False]
    assert rollouts.lengths.tolist() == [3, 5, 3, 2]
    assert rollouts.levels[:2].tolist() == [1, 2] and np.isnan(rollouts.levels[2:]).all()
    assert rollouts.groups.tolist() == [0, 0, 1, 1]


def test_judged_columns_are_named_not_positional():
    columns = dict(think=[1], correct=[0], formatted=[1], truncated=[0], degenerate=[0], lengths=[7], levels=[3])
    rollouts = Rollouts.from_matrix(Rollouts.matrix(**dict(reversed(columns.items()))), group_size=1)
    assert rollouts.think.tolist() == [True] and rollouts.lengths.tolist() == [7] and rollouts.levels.tolist() == [3]
    with pytest.raises(ValueError, match="judged columns"):
        Rollouts.matrix(**{k: v for k, v in columns.items() if k != "levels"})


def test_rollouts_need_whole_groups():
    with pytest.raises(ValueError, match=r"k\*4"):
        Rollouts.from_matrix(np.zeros((6, len(Rollouts.JUDGED))), group_size=4)


def _rollouts(think, correct, lengths, group_size):
    n = len(think)
    columns = {
        "think": think,
        "correct": correct,
        "formatted": [True] * n,
        "truncated": [False] * n,
        "degenerate": [False] * n,
        "lengths": lengths,
        "levels": [1.0] * n,
    }
    return Rollouts.from_matrix(
        np.column_stack([np.asarray(columns[c], dtype=float) for c in Rollouts.JUDGED]), group_size
    )


def test_autothink_method_is_the_reward_library_on_the_whole_batch():
    think = [True, True, True, False, True, False, True, True]
    correct = [True, False, True, True, True, False, True, False]
    lengths = [50, 70, 40, 8, 60, 9, 30, 90]
    rollouts = _rollouts(think, correct, lengths, group_size=4)
    rewards, extras = method_rewards("autothink", rollouts, {"gamma": 0.5, "slope": 2.0, "alpha": 0.05, "beta": 0.05})
    base = [R.mode_reward(t, c) for t, c in zip(think, correct)]
    expected = R.shape(
        base, think, correct, lengths, [0, 0, 0, 0, 1, 1, 1, 1], gamma=0.5, slope=2.0, alpha=0.05, beta=0.05
    )
    np.testing.assert_allclose(rewards, expected)
    assert extras["balance/p_think"] == pytest.approx(2 * (6 / 8 - 0.5)) and extras["balance/p_no_think"] == 0


def test_degenerate_penalty_is_on_unless_turned_off():
    n = 4
    matrix = np.zeros((n, len(Rollouts.JUDGED)))
    matrix[:, Rollouts.JUDGED.index("formatted")] = 1
    matrix[:, Rollouts.JUDGED.index("degenerate")] = [1, 1, 0, 0]
    matrix[:, Rollouts.JUDGED.index("correct")] = [0, 1, 0, 1]  # all no-think
    rollouts = Rollouts.from_matrix(matrix, group_size=2)
    plain, _ = method_rewards("autothink", rollouts, {"degenerate_penalty": False})
    penalised, _ = method_rewards("autothink", rollouts, {})
    assert plain.tolist() == [-1, 2, -1, 2] and penalised.tolist() == [-2, 2, -1, 2]


def test_unknown_methods_and_parameters_are_named():
    rollouts = _rollouts([True, False], [True, True], [5, 6], group_size=2)
    with pytest.raises(ValueError, match="unknown reward method 'autothin'"):
        method_rewards("autothin", rollouts, {})
    with pytest.raises(ValueError, match="bad parameters \\['gama'\\]"):
        method_rewards("autothink", rollouts, {"gama": 0.5})


def test_rollout_metrics_report_modes_and_levels():
    rollouts = _rollouts([True, False, True, True], [True, True, False, True], [40, 6, 50, 30], group_size=2)
    metrics = rollout_metrics(rollouts, np.array([1.0, 2.0, 0.0, 1.0]))
    assert metrics["rollouts/think_rate"] == 0.75 and metrics["rollouts/think_rate/level1"] == 0.75
    assert metrics["rollouts/think/accuracy"] == pytest.approx(2 / 3) and metrics["rollouts/no_think/mean_length"] == 6
    assert metrics["rollouts/reward"] == 1.0


def _torchrun(processes: int, out: Path) -> list[float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        str(processes),
        str(HELPERS / "shaping_worker.py"),
        str(out),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    written = json.loads(out.read_text())
    assert written["world"] == processes
    return written["rewards"]


def test_shaped_rewards_are_identical_with_one_and_two_processes(tmp_path):
    one = _torchrun(1, tmp_path / "one" / "rewards.json")
    two = _torchrun(2, tmp_path / "two" / "rewards.json")
    assert one == two  # bit for bit: every process shapes the same gathered batch
    # and both equal the reward library applied to the whole batch at once
    r = _fixed_batch()
    base = [R.mode_reward(t, c, f) for t, c, f in zip(r.think, r.correct, r.formatted)]
    expected = R.shape(base, r.think, r.correct, r.lengths, r.groups, gamma=0.5, slope=2.0, alpha=0.05, beta=0.05)
    np.testing.assert_allclose(one, expected, rtol=1e-6)


def _fixed_batch() -> Rollouts:
    """The worker's batch judged directly (grading, modes, token counts), for expected values."""
    tokenizer = build_tokenizer()
    ids = [
        tokenizer(c, add_special_tokens=False)["input_ids"] + ([tokenizer.eos_token_id] if "boxed" in c else [])
        for c in COMPLETIONS
    ]
    golds = [a for _, a, _ in PROBLEMS for _ in range(4)]
    levels = [lv for _, _, lv in PROBLEMS for _ in range(4)]
    return Rollouts.from_matrix(
        judge_rollouts(COMPLETIONS, ids, golds, levels, prompt="ellipsis", eos_token_id=tokenizer.eos_token_id), 4
    )


BASELINES = {
    "thinkprune": ({}, lambda r: R.thinkprune_reward(r.correct, r.truncated)),
    "shorterbetter": (
        {"alpha": 2.0, "beta": 0.02},
        lambda r: R.shorterbetter_reward(r.correct, r.lengths, r.groups, alpha=2.0, beta=0.02),
    ),
    "laser": ({"target_length": 20}, lambda r: R.laser_reward(r.correct, r.lengths, r.formatted, 20)),
    "laser_d": (
        {"targets": {"easy": 10, "medium": 20, "hard": 40}},
        lambda r: R.laser_reward(
            r.correct,
            r.lengths,
            r.formatted,
            R.laser_d_targets(r.correct, r.groups, {"easy": 10, "medium": 20, "hard": 40}),
        ),
    ),
    "laser_de": (
        {"targets": {"easy": 10, "medium": 20, "hard": 40}},
        lambda r: R.laser_de_reward(
            r.correct,
            r.lengths,
            r.formatted,
            R.laser_d_targets(r.correct, r.groups, {"easy": 10, "medium": 20, "hard": 40}),
            degenerate=r.degenerate,
        ),
    ),
    "kimi": ({"weight": 0.5}, lambda r: R.kimi_reward(r.correct, r.lengths, r.groups, weight=0.5)),
}


@pytest.mark.parametrize("method", sorted(BASELINES))
def test_baseline_rewards_reach_the_trainer(method, tmp_path):
    params, expected = BASELINES[method]
    got = rewards_through_trainer(method, params, str(tmp_path))
    batch = _fixed_batch()
    np.testing.assert_allclose(got, expected(batch), rtol=1e-6)
    assert len(set(np.round(got, 6))) > 1  # the batch tells completions apart under every method


@pytest.mark.parametrize("method", sorted(BASELINES))
def test_each_baseline_trains_a_few_steps(method, tmp_path, random_model_dir):
    """Each baseline through the whole loop (generation, judging, gather, reward, GRPO update)."""
    from autothink.train import train

    spec = {
        **json.loads((HELPERS / "train_spec.json").read_text()),
        "reward_method": method,
        "reward": BASELINES[method][0],
        "prompt": "standard",
    }
    problems = pd.DataFrame({"problem": ["1+2", "3+4"], "answer": ["3", "7"], "level": [1, 1]})
    summary = train(str(random_model_dir), problems, str(tmp_path / "model"), str(tmp_path / "run"), spec)
    assert summary["steps"] == 2
    assert not (tmp_path / "run" / "checkpoints").exists()  # only kept to resume an unfinished run
    log = [json.loads(line) for line in (tmp_path / "model" / "training_log.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in log] == [1, 2]
    for entry in log:  # the reward TRL turned into advantages is the method's reward of the whole batch
        assert entry["reward"] == pytest.approx(entry["rollouts/reward"]) and "balance/p_think" not in entry


def test_laser_d_targets_are_chosen_on_a_monitor_set_during_training(tmp_path, random_model_dir, caplog):
    """With `target_monitor`, LASER-D's targets come from the run's own rollouts on a monitor set,
    before the first step and again every `every` steps, among the candidates L_T, L_T + interval,
    ... up to the completion limit (or the batch's longest completion where none fits)."""
    from autothink.train import train

    spec = {
        **json.loads((HELPERS / "train_spec.json").read_text()),
        "reward_method": "laser_d",
        "reward": {},
        "prompt": "standard",
        "steps": 3,
        "target_monitor": {"problems": 3, "every": 2, "lower_bound": 4, "interval": 4},
    }
    problems = pd.DataFrame({"problem": ["1+2", "3+4", "2+2", "5+1"], "answer": ["3", "7", "4", "6"], "level": 1})
    with caplog.at_level("INFO", logger="autothink.train"):
        train(str(random_model_dir), problems, str(tmp_path / "model"), str(tmp_path / "run"), spec)
    choices = [r.getMessage() for r in caplog.records if r.getMessage().startswith("LASER-D targets")]
    assert len(choices) == 2 and all("from 12 monitor rollouts" in c for c in choices)  # before step 1, after 2
    log = [json.loads(line) for line in (tmp_path / "model" / "training_log.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in log] == [1, 2, 3]
    for entry in log:
        targets = [entry[f"laser_d/target_{bucket}"] for bucket in ("easy", "medium", "hard")]
        assert all(t in (4, 8, 12) or t == entry["completions/max_length"] for t in targets), entry


def test_a_target_monitor_needs_a_laser_d_run():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["train_runs"].update(yaml.safe_load((ROOT / "config" / "more_baselines.yaml").read_text())["train_runs"])
    check_train_runs(config)  # the overlay's runs as shipped
    config["train_runs"]["laser"]["target_monitor"] = {"problems": 8, "every": 2, "lower_bound": 64, "interval": 16}
    with pytest.raises(ConfigError, match="train_runs.laser.target_monitor chooses the targets of laser_d"):
        check_train_runs(config)
    config["train_runs"]["laser"].pop("target_monitor")
    config["train_runs"]["laser_d"]["target_monitor"] = {"problems": 8, "every": 2, "lower_bound": 500, "interval": 16}
    config["train_runs"]["laser_d"]["reward"] = {}
    with pytest.raises(ConfigError, match="lower_bound 500 exceeds max_completion_length 224"):
        check_train_runs(config)


def test_a_kl_coefficient_trains_against_the_initial_model(tmp_path, random_model_dir):
    """ThinkPrune and ShorterBetter train with a KL term (kl_coef -> TRL's beta and a reference model)."""
    from autothink.train import train

    spec = {
        **json.loads((HELPERS / "train_spec.json").read_text()),
        "reward_method": "thinkprune",
        "reward": {},
        "prompt": "standard",
        "kl_coef": 0.001,
    }
    problems = pd.DataFrame({"problem": ["1+2", "3+4"], "answer": ["3", "7"], "level": [1, 1]})
    train(str(random_model_dir), problems, str(tmp_path / "model"), str(tmp_path / "run"), spec)
    log = [json.loads(line) for line in (tmp_path / "model" / "training_log.jsonl").read_text().splitlines()]
    assert all(entry["kl"] >= 0 for entry in log) and log[-1]["kl"] > 0  # the policy moved away from the reference


def test_batches_that_do_not_split_are_rejected(tmp_path):
    spec = json.loads((HELPERS / "train_spec.json").read_text())
    with pytest.raises(ValueError, match="do not split into 1 update"):
        grpo_config({**spec, "prompts_per_step": 3, "rollouts": 4, "micro_batch": 5}, str(tmp_path))
    config = grpo_config(
        {**spec, "prompts_per_step": 4, "rollouts": 4, "micro_batch": 4, "updates_per_step": 2}, str(tmp_path)
    )
    assert (config.gradient_accumulation_steps, config.steps_per_generation, config.generation_batch_size) == (2, 4, 16)
    assert config.beta == 0 and config.lr_scheduler_type == "constant" and config.num_generations == 4


def test_training_data_needs_problem_and_answer():
    with pytest.raises(ValueError, match="lacks column\\(s\\) \\['answer'\\]"):
        training_dataset(pd.DataFrame({"problem": ["1+1"]}))
    data = training_dataset(pd.DataFrame({"problem": ["1+1"], "answer": [2]}))
    assert data[0]["prompt"][0]["role"] == "user" and data[0]["answer"] == "2" and data[0]["level"] is None


def test_train_runs_are_checked():
    runs = {
        "a": {"init": "b", "reward_method": "autothink", "reward": {}},
        "b": {"init": "a", "reward_method": "autothink", "reward": {}},
    }
    config = {"base_models": ["m"], "training": {}, "train_runs": runs}
    with pytest.raises(ConfigError, match="cycle: a -> b -> a"):
        check_train_runs(config)
    runs["b"]["init"] = "c"
    with pytest.raises(ConfigError, match="train_runs.b.init is 'c'"):
        check_train_runs(config)
    runs["b"] = {"init": "base", "reward_method": "autothink", "reward": {"alhpa": 1}}
    with pytest.raises(ConfigError, match="train_runs.b: bad parameters"):
        check_train_runs(config)
    runs["b"] = {"init": "base", "reward_method": "autothink", "reward": {}, "overrides": {"other": {"steps": 2}}}
    with pytest.raises(ConfigError, match="overrides names \\['other'\\], which are neither"):
        check_train_runs(config)


def test_a_repeat_seed_must_be_a_new_seed():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["repeat_seeds"] = [1, 0]
    with pytest.raises(ConfigError, match="repeat_seeds lists 0, the seed train_runs.autothink_stage1"):
        check_train_runs(config)


def test_checkpoints_of_other_settings_are_not_resumed(tmp_path, random_model_dir):
    spec = json.loads((HELPERS / "train_spec.json").read_text())
    problems = pd.DataFrame({"problem": ["1+2", "3+4"], "answer": ["3", "7"], "level": [1, 1]})
    model = tmp_path / "model"  # a copy: the test rebuilds it, and the fixture is shared
    shutil.copytree(random_model_dir, model)
    run = tmp_path / "run"

    def leave_checkpoint():
        (run / "checkpoints" / "checkpoint-4").mkdir(parents=True, exist_ok=True)
        (run / "checkpoints" / "checkpoint-4" / "trainer_state.json").write_text("{}")

    claim_run_dir(run, run_fingerprint(str(model), spec, problems))
    leave_checkpoint()
    longer = {**spec, "steps": 99, "save_steps": 7, "threads": 2}  # how long and how often: same run
    claim_run_dir(run, run_fingerprint(str(model), longer, problems.copy()))
    assert newest_checkpoint(run / "checkpoints").name == "checkpoint-4"
    claim_run_dir(run, run_fingerprint(str(model), spec, problems.assign(answer=["3", "8"])))
    assert newest_checkpoint(run / "checkpoints") is None  # a checkpoint trained on other problems
    leave_checkpoint()
    claim_run_dir(run, run_fingerprint(str(model), {**spec, "learning_rate": 0.5}, problems))
    assert newest_checkpoint(run / "checkpoints") is None  # another run's checkpoints are never resumed
    leave_checkpoint()  # a checkpoint of the learning-rate-0.5 run
    os.utime(model / "config.json", ns=(0, 0))  # the starting model was rebuilt: same settings, other files
    claim_run_dir(run, run_fingerprint(str(model), {**spec, "learning_rate": 0.5}, problems))
    assert newest_checkpoint(run / "checkpoints") is None


def _train_command(model_dir: Path, problems: Path, tmp_path: Path, steps: int) -> list[str]:
    spec = {**json.loads((HELPERS / "train_spec.json").read_text()), "steps": steps}
    return [
        "autothink",
        "train",
        "--spec",
        json.dumps(spec),
        "--init",
        str(model_dir),
        "--problems",
        str(problems),
        "--out",
        str(tmp_path / "model"),
        "--run-dir",
        str(tmp_path / "run"),
        "--threads",
        "1",
    ]


def test_killed_run_resumes_from_its_newest_checkpoint(tmp_path, random_model_dir):
    problems = tmp_path / "train.parquet"
    pd.DataFrame(
        {"problem": [f"{i}+{i}" for i in range(8)], "answer": [str(2 * i) for i in range(8)], "level": [1, 2] * 4}
    ).to_parquet(problems)
    command = _train_command(random_model_dir, problems, tmp_path, steps=40)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while (
        newest_checkpoint(tmp_path / "run" / "checkpoints") is None
        or newest_checkpoint(tmp_path / "run" / "checkpoints").name == "checkpoint-2"
    ):
        assert process.poll() is None and time.time() < deadline, (
            "the run ended or stalled before its second checkpoint"
        )
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = int(newest_checkpoint(tmp_path / "run" / "checkpoints").name.split("-")[1])
    assert not (tmp_path / "model").exists() and 4 <= killed_at < 40

    command = _train_command(random_model_dir, problems, tmp_path, steps=killed_at + 2)  # a shorter run resumes too
    subprocess.run(command, check=True, capture_output=True)
    summary = json.loads((tmp_path / "model" / "training_summary.json").read_text())
    assert summary["resumed_from"].endswith(f"checkpoint-{killed_at}") and summary["steps"] == killed_at + 2
    steps = [json.loads(line)["step"] for line in (tmp_path / "model" / "training_log.jsonl").read_text().splitlines()]
    assert steps == list(range(1, killed_at + 3))  # the log survives the kill, one line per step
    first = json.loads((tmp_path / "model" / "training_log.jsonl").read_text().splitlines()[0])
    for key in ("loss", "rollouts/reward", "rollouts/think_rate", "balance/p_think", "step_time"):
        assert key in first


def _ellipsis_trainer(model_dir, spec: dict, tokenizer, checkpoint_dir):
    """Our trainer on the ellipsis prompt, for calling its generation and scoring directly."""
    from autothink.train import AutoThinkGRPOTrainer

    return AutoThinkGRPOTrainer(
        model=str(model_dir),
        args=grpo_config(spec, str(checkpoint_dir)),
        train_dataset=training_dataset(pd.DataFrame({"problem": ["2+3"], "answer": ["5"]})),
        processing_class=tokenizer,
        method="autothink",
        method_params=spec["reward"],
        generation_prompt="ellipsis",
    )


def test_cpu_rollouts_match_trls_own_generation(tmp_path, random_model_dir):
    """The CPU sampler that drops finished rows returns what TRL's `generate` path returns: at a
    temperature low enough to be greedy, the same token ids for every row, cut after EOS."""
    import torch
    from trl import GRPOTrainer

    from autothink.generate import load_tokenizer
    from autothink.prompts import render_prompts

    spec = {**json.loads((HELPERS / "train_spec.json").read_text()), "temperature": 1e-4, "max_completion_length": 24}
    tokenizer = load_tokenizer(str(random_model_dir))
    trainer = _ellipsis_trainer(random_model_dir, spec, tokenizer, tmp_path)
    prompts = tokenizer(
        render_prompts(tokenizer, ["1+2", "13+4", "7+7", "123+456"], "ellipsis"), add_special_tokens=False
    )["input_ids"]
    trainer.model.train()  # as during training: gradient checkpointing on, which disables the KV cache
    # make rows end early: EOS outscores the token the untrained model repeats most
    ours, _ = trainer._generate_single_turn(prompts, None, {}, 1)
    repeated = max(set(ours[0]), key=ours[0].count)
    with torch.no_grad():
        trainer.model.lm_head.weight[tokenizer.eos_token_id] = 2 * trainer.model.lm_head.weight[repeated]
    ours, _ = trainer._generate_single_turn(prompts, None, {}, 1)
    theirs, _ = GRPOTrainer._generate_single_turn(trainer, prompts, None, {}, 1)
    assert ours == theirs
    lengths = [len(ids) for ids in ours]
    assert min(lengths) < spec["max_completion_length"] and all(
        ids[-1] == tokenizer.eos_token_id for ids in ours if len(ids) < 24
    )


def test_length_sorted_scoring_matches_trls(tmp_path, random_model_dir):
    """Scoring completions in length-sorted, trimmed pieces gives TRL's log-probabilities,
    entropies and gradients, in the caller's row order, for a batch of ragged prompts and
    completions (left-padded prompts, right-padded completions, more rows than one piece)."""
    import torch
    from trl import GRPOTrainer

    from autothink.train import ROWS_PER_SCORING_PIECE, AutoThinkGRPOTrainer

    spec = json.loads((HELPERS / "train_spec.json").read_text())
    tokenizer = build_tokenizer()
    trainer = _ellipsis_trainer(random_model_dir, spec, tokenizer, tmp_path)
    rows, prompt_width, completion_width = 2 * ROWS_PER_SCORING_PIECE + 3, 12, 40
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, len(tokenizer), (rows, prompt_width + completion_width), generator=generator)
    prompt_lengths = torch.randint(3, prompt_width + 1, (rows,), generator=generator)
    completion_lengths = torch.randint(1, completion_width + 1, (rows,), generator=generator)
    completion_lengths[5] = 1  # a one-token answer among long traces
    columns = torch.arange(prompt_width + completion_width)
    mask = (
        (columns >= prompt_width - prompt_lengths[:, None]) & (columns < prompt_width + completion_lengths[:, None])
    ).long()
    ids = ids.masked_fill(mask == 0, tokenizer.pad_token_id)

    def score(method):
        trainer.model.zero_grad()
        logps, entropies, _ = method(trainer, trainer.model, ids, mask, completion_width, compute_entropy=True)
        completion_mask = mask[:, prompt_width:].bool()
        (logps[completion_mask].sum() + entropies[completion_mask].sum()).backward()
        grads = torch.cat([p.grad.flatten() for p in trainer.model.parameters() if p.grad is not None])
        return logps.detach(), entropies.detach(), grads, completion_mask

    ours_logps, ours_entropies, ours_grads, completion_mask = score(
        AutoThinkGRPOTrainer._get_per_token_logps_and_entropies
    )
    trl_logps, trl_entropies, trl_grads, _ = score(GRPOTrainer._get_per_token_logps_and_entropies)
    assert ours_logps.shape == trl_logps.shape == (rows, completion_width)
    torch.testing.assert_close(ours_logps[completion_mask], trl_logps[completion_mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours_entropies[completion_mask], trl_entropies[completion_mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours_grads, trl_grads, atol=1e-4, rtol=1e-4)
