"""Training reward methods: from one judged, gathered batch of rollouts to one reward per rollout.

A *method* is what a training run optimises: AutoThink's mode-aware reward with its stage
shaping, or a length-pruning baseline. Each takes the whole gathered batch (`Rollouts`, in TRL's
global order: the rollouts of one prompt are consecutive) and keyword parameters from the config,
and returns the rewards plus a few scalars worth logging. Pure numpy, like `autothink.rewards`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from autothink import rewards as R


@dataclass(frozen=True)
class Rollouts:
    """Per-rollout facts of a batch; ``groups`` numbers the prompt each rollout answers."""

    think: np.ndarray  # bool: the response reasoned before closing the think block
    correct: np.ndarray  # bool: the extracted answer matches the gold answer
    formatted: np.ndarray  # bool: closed think block and a boxed answer
    truncated: np.ndarray  # bool: stopped by the completion-length limit
    degenerate: np.ndarray  # bool: repetition loop or an absurdly long "word"
    lengths: np.ndarray  # float: completion tokens
    levels: np.ndarray  # float: difficulty level, NaN where the data has none
    groups: np.ndarray  # int: prompt group id

    JUDGED = ("think", "correct", "formatted", "truncated", "degenerate", "lengths", "levels")

    @classmethod
    def matrix(cls, **columns) -> np.ndarray:
        """The `JUDGED` columns, given by name, as one float matrix (what processes gather)."""
        if set(columns) != set(cls.JUDGED):
            raise ValueError(f"judged columns must be {cls.JUDGED}, got {tuple(columns)}")
        return np.column_stack([np.asarray(columns[name], dtype=float) for name in cls.JUDGED]).reshape(
            -1, len(cls.JUDGED)
        )

    @classmethod
    def from_matrix(cls, matrix: np.ndarray, group_size: int) -> Rollouts:
        """Rows of `JUDGED` columns in TRL's global order (each prompt's rollouts consecutive)."""
        matrix = np.asarray(matrix, dtype=float)
        if matrix.ndim != 2 or matrix.shape[1] != len(cls.JUDGED) or len(matrix) % group_size:
            raise ValueError(f"expected (k*{group_size}, {len(cls.JUDGED)}) judged rollouts, got {matrix.shape}")
        columns = dict(zip(cls.JUDGED, matrix.T))
        flags = {name: columns[name] > 0.5 for name in ("think", "correct", "formatted", "truncated", "degenerate")}
        return cls(
            **flags, lengths=columns["lengths"], levels=columns["levels"], groups=np.arange(len(matrix)) // group_size
        )


def autothink(rollouts: Rollouts, *, gamma=1.0, slope=2.0, alpha=0.0, beta=0.0, degenerate_penalty=True):
    """The mode-aware reward (+1/0 think, +2/-1 no-think; -2 for a negative-reward completion that
    is degenerate, on in every stage of the official code), then Stage-3 length shaping and Stage-1
    batch balance. Stage 1: gamma 0.5; Stage 2: gamma 1.0 (balance off); Stage 3: alpha, beta > 0.
    The no-balance ablation is Stage 1 with gamma 1.0."""
    base = np.array(
        [R.mode_reward(t, c, f) for t, c, f in zip(rollouts.think, rollouts.correct, rollouts.formatted)], dtype=float
    )
    if degenerate_penalty:
        base = R.penalise_degenerate(base, rollouts.degenerate)
    shaped = R.shape(
        base,
        rollouts.think,
        rollouts.correct,
        rollouts.lengths,
        rollouts.groups,
        gamma=gamma,
        slope=slope,
        alpha=alpha,
        beta=beta,
    )
    p_think, p_no_think = R.balance_factors(rollouts.think, gamma=gamma, slope=slope)
    # what the balance alone did to the advantages GRPO sees (shaping without the balance vs with it)
    unbalanced = R.shape(
        base,
        rollouts.think,
        rollouts.correct,
        rollouts.lengths,
        rollouts.groups,
        gamma=1.0,
        slope=slope,
        alpha=alpha,
        beta=beta,
    )
    changed = R.changed_group_share(unbalanced, shaped, rollouts.groups)
    return shaped, {"balance/p_think": p_think, "balance/p_no_think": p_no_think, "balance/changed_groups": changed}


def thinkprune(rollouts: Rollouts):
    """ThinkPrune: 1 if correct, else 0; the length limit is the run's `max_completion_length`,
    and a completion cut there scores 0 (truncated completions are not masked)."""
    return R.thinkprune_reward(rollouts.correct, rollouts.truncated), {}


def shorterbetter(rollouts: Rollouts, *, alpha=2.0, beta=0.001):
    """ShorterBetter: alpha*1[correct] - beta*|L - shortest correct length of the group|."""
    return R.shorterbetter_reward(rollouts.correct, rollouts.lengths, rollouts.groups, alpha=alpha, beta=beta), {}


def laser(rollouts: Rollouts, *, target_length):
    """LASER: +1 / -0.5 / -1 (correct / wrong / bad format) and +0.5 when correct within L_T."""
    return R.laser_reward(rollouts.correct, rollouts.lengths, rollouts.formatted, target_length), {}


def _bucket_targets(rollouts: Rollouts, targets: dict) -> tuple[np.ndarray, dict[str, float]]:
    """Each completion's LASER-D target, and the bucket targets in use (logged). A bucket without
    a target (LASER-D's monitor found none that fits) gets the batch's longest completion."""
    targets = {bucket: float(rollouts.lengths.max()) if value is None else value for bucket, value in targets.items()}
    logged = {f"laser_d/target_{bucket}": float(value) for bucket, value in targets.items()}
    return R.laser_d_targets(rollouts.correct, rollouts.groups, targets), logged


def laser_d(rollouts: Rollouts, *, targets):
    """LASER-D: L_T per difficulty bucket (easy / medium / hard) of each prompt, bucketed by the
    accuracy of its own group in this batch. ``targets`` are fixed in the config or, with the run's
    `target_monitor`, re-chosen on a monitor set during training (`autothink.train`), as its paper."""
    target, logged = _bucket_targets(rollouts, targets)
    return R.laser_reward(rollouts.correct, rollouts.lengths, rollouts.formatted, target), logged


def laser_de(rollouts: Rollouts, *, targets, explore_length=None):
    """LASER-DE: LASER-D plus 0.5 for wrong, non-repetitive completions longer than their bucket's
    target (or than a fixed ``explore_length``, if given)."""
    target, logged = _bucket_targets(rollouts, targets)
    rewards = R.laser_de_reward(
        rollouts.correct,
        rollouts.lengths,
        rollouts.formatted,
        target,
        explore_length=explore_length,
        degenerate=rollouts.degenerate,
    )
    return rewards, logged


def kimi(rollouts: Rollouts, *, weight=0.4):
    """Accuracy plus Kimi k1.5's per-group length term (token lengths, min/max within the group),
    weighted 0.4 as in LASER's reproduction of it."""
    return R.kimi_reward(rollouts.correct, rollouts.lengths, rollouts.groups, weight=weight), {}


METHODS = {
    "autothink": autothink,
    "thinkprune": thinkprune,
    "shorterbetter": shorterbetter,
    "laser": laser,
    "laser_d": laser_d,
    "laser_de": laser_de,
    "kimi": kimi,
}


def check_method(name: str, params: dict) -> None:
    """A clear error for an unknown method name or a parameter the method does not take."""
    if name not in METHODS:
        raise ValueError(f"unknown reward method {name!r}; known: {', '.join(sorted(METHODS))}")
    try:
        inspect.signature(METHODS[name]).bind(None, **params)
    except TypeError as error:
        raise ValueError(f"bad parameters {sorted(params)} for reward method {name!r}: {error}") from error


ADAPTIVE_TARGETS = ("laser_d", "laser_de")  # methods whose `targets` a run's `target_monitor` may choose


def method_rewards(name: str, rollouts: Rollouts, params: dict) -> tuple[np.ndarray, dict[str, float]]:
    """Rewards of one batch under the named method, and the scalars it reports."""
    check_method(name, params)
    return METHODS[name](rollouts, **params)
