"""Reward functions: AutoThink's mode-aware reward and shaping, and the length-pruning baselines.

Everything here is a pure function over the whole gathered batch (numpy in, numpy out): batch and
group statistics must see every completion of every prompt across all processes, so the trainer
calls these after gathering, never per process. ``groups`` holds one prompt-group id per
completion; ``lengths`` are completion lengths in tokens. The formulas: docs/method.md section 2.
"""

from __future__ import annotations

import numpy as np

STD_FLOOR = 1e-6


def mode_reward(think: bool, correct: bool, formatted: bool = True) -> float:
    """AutoThink's naive reward: think +1 / 0, no-think +2 / -1 (correct / wrong).

    A format error (no closed think block or no boxed answer) scores 0 in either mode.
    """
    if not formatted:
        return 0.0
    if think:
        return 1.0 if correct else 0.0
    return 2.0 if correct else -1.0


def _longest_true_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


def is_degenerate(text: str, max_n: int = 30, min_repeats: int = 10, max_word: int = 120) -> bool:
    """A run of >= ``min_repeats`` identical whitespace n-grams (n <= ``max_n``) or a huge "word"."""
    words = text.split()
    if any(len(w) >= max_word for w in words):
        return True
    _, ids = (
        np.unique(np.asarray(words, dtype=object).astype(str), return_inverse=True) if words else (None, np.array([]))
    )
    for n in range(1, max_n + 1):
        # k repeats of an n-gram = a run of (k-1)*n positions where word j equals word j+n
        if len(ids) >= min_repeats * n and _longest_true_run(ids[:-n] == ids[n:]) >= (min_repeats - 1) * n:
            return True
    return False


def penalise_degenerate(rewards, degenerate) -> np.ndarray:
    """The official code's rule (on in all its stages): a negative-reward completion that is degenerate gets -2."""
    rewards = np.asarray(rewards, dtype=float)
    return np.where((rewards < 0) & np.asarray(degenerate, dtype=bool), -2.0, rewards)


def _group_indices(groups: np.ndarray) -> list[np.ndarray]:
    """Indices of each prompt group's members."""
    if len(groups) == 0:
        return []
    _, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    return np.split(order, np.cumsum(np.bincount(inverse))[:-1])


def _zscore(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / max(values.std(ddof=1), STD_FLOOR)


def group_advantages(rewards, groups) -> np.ndarray:
    """GRPO's advantages: each reward z-scored within its prompt group (0 where a group is constant)."""
    rewards = np.asarray(rewards, dtype=float)
    out = np.zeros(len(rewards))
    for members in _group_indices(np.asarray(groups)):
        values = rewards[members]
        spread = values.std(ddof=1) if len(values) > 1 else 0.0
        if spread > STD_FLOOR:
            out[members] = (values - values.mean()) / spread
    return out


def changed_group_share(before, after, groups, tol: float = 1e-6) -> float:
    """Share of prompt groups whose GRPO advantages differ between two reward vectors: a shift that
    keeps a group's spacing (e.g. the balance on a group of one mode) changes nothing GRPO sees."""
    delta = np.abs(group_advantages(before, groups) - group_advantages(after, groups))
    members = _group_indices(np.asarray(groups))
    return float(np.mean([delta[m].max() > tol for m in members])) if members else 0.0


def zero_variance_share(rewards, groups) -> float:
    """Share of prompt groups whose rewards are all equal: they give GRPO no gradient."""
    rewards = np.asarray(rewards, dtype=float)
    members = _group_indices(np.asarray(groups))
    return float(np.mean([np.ptp(rewards[m]) <= STD_FLOOR for m in members])) if members else 0.0


def length_shaping(rewards, correct, lengths, groups, *, alpha: float, beta: float) -> np.ndarray:
    """Stage 3: within each prompt group, shorter correct and longer wrong completions gain.

    Correct and wrong completions (modes pooled) are z-scored separately by length; a subset needs
    more than one member. Correct: r += exp(-alpha*y) - 1. Wrong: r += 1 - exp(-beta*y).
    """
    shaped = np.asarray(rewards, dtype=float).copy()
    correct, lengths = np.asarray(correct, dtype=bool), np.asarray(lengths, dtype=float)
    for members in _group_indices(np.asarray(groups)):
        for is_correct, coef in ((True, alpha), (False, beta)):
            subset = members[correct[members] == is_correct]
            if len(subset) < 2 or coef == 0:
                continue
            y = _zscore(lengths[subset])
            shaped[subset] += np.exp(-coef * y) - 1 if is_correct else 1 - np.exp(-coef * y)
    return shaped


def balance_factors(think, *, gamma: float, slope: float) -> tuple[float, float]:
    """Stage 1: (p_think, p_no_think) from the whole batch's think share z."""
    z = float(np.mean(think))
    p_think = float(np.clip(slope * (z - gamma), 0.0, 1.0))
    p_no_think = float(np.clip(slope * ((1.0 - z) - gamma), 0.0, 1.0))
    return p_think, p_no_think


def batch_balance(rewards, think, correct, *, gamma: float, slope: float) -> np.ndarray:
    """Stage 1: pull the over-represented mode's rewards toward targets one point lower.

    r <- (1-p) r + p target; targets think 0 / -1, no-think 1 / -2 (correct / wrong).
    """
    rewards = np.asarray(rewards, dtype=float)
    if len(rewards) == 0:
        return rewards.copy()
    think, correct = np.asarray(think, dtype=bool), np.asarray(correct, dtype=bool)
    p_think, p_no_think = balance_factors(think, gamma=gamma, slope=slope)
    target = np.where(think, np.where(correct, 0.0, -1.0), np.where(correct, 1.0, -2.0))
    p = np.where(think, p_think, p_no_think)
    return (1 - p) * rewards + p * target


def shape(rewards, think, correct, lengths, groups, *, gamma=1.0, slope=2.0, alpha=0.0, beta=0.0) -> np.ndarray:
    """AutoThink's shaping of gathered base rewards: length shaping (Stage 3), then balance (Stage 1).

    ``gamma=1.0, alpha=beta=0`` (Stage 2) returns the rewards unchanged.
    """
    shaped = length_shaping(rewards, correct, lengths, groups, alpha=alpha, beta=beta)
    return batch_balance(shaped, think, correct, gamma=gamma, slope=slope)


# ----------------------------------------------------------------------------- baselines


def thinkprune_reward(correct, truncated) -> np.ndarray:
    """ThinkPrune: 1 if correct within the length limit, else 0 (truncated completions score 0)."""
    return (np.asarray(correct, dtype=bool) & ~np.asarray(truncated, dtype=bool)).astype(float)


def shorterbetter_reward(correct, lengths, groups, *, alpha: float = 2.0, beta: float = 0.001) -> np.ndarray:
    """ShorterBetter: alpha*1[correct] - beta*|L - SOL|, SOL = shortest correct length in the group
    (the group's mean length when none is correct)."""
    correct, lengths = np.asarray(correct, dtype=bool), np.asarray(lengths, dtype=float)
    rewards = alpha * correct.astype(float)
    for members in _group_indices(np.asarray(groups)):
        right = members[correct[members]]
        sol = lengths[right].min() if len(right) else lengths[members].mean()
        rewards[members] -= beta * np.abs(lengths[members] - sol)
    return rewards


def laser_reward(correct, lengths, formatted, target_length) -> np.ndarray:
    """LASER: base +1 / -0.5 / -1 (correct / wrong / bad format), + 0.5 when correct within L_T.

    ``target_length`` is a scalar or one target per completion (LASER-D's per-difficulty targets).
    """
    correct, formatted = np.asarray(correct, dtype=bool), np.asarray(formatted, dtype=bool)
    lengths = np.asarray(lengths, dtype=float)
    base = np.where(~formatted, -1.0, np.where(correct, 1.0, -0.5))
    return base + 0.5 * (correct & (lengths <= np.asarray(target_length, dtype=float)))


LASER_D_BUCKETS = ("easy", "medium", "hard")


def accuracy_bucket(accuracy: float) -> str:
    """LASER-D's difficulty bucket of a prompt from its rollouts' accuracy: >= 2/3 "easy", >= 1/3
    "medium", else "hard". (LASER's monitor puts exactly 1/3 and 2/3 one bucket harder; with 8
    rollouts no accuracy falls on either.)"""
    return "easy" if accuracy >= 2 / 3 else "medium" if accuracy >= 1 / 3 else "hard"


def laser_d_targets(correct, groups, targets: dict[str, float]) -> np.ndarray:
    """LASER-D: per-completion target length from its group's accuracy bucket (`accuracy_bucket`);
    ``targets`` maps bucket -> L_T."""
    correct = np.asarray(correct, dtype=bool)
    out = np.empty(len(correct))
    for members in _group_indices(np.asarray(groups)):
        out[members] = targets[accuracy_bucket(correct[members].mean())]
    return out


def laser_d_choose_targets(correct, lengths, groups, candidates) -> dict[str, float | None]:
    """LASER-D's adaptive targets from one pass over its monitor set (each prompt's rollouts).

    A bucket's target is the shortest candidate length L at which, of the correct responses a
    prompt of that bucket has at least (k = floor(2n/3) easy, floor(n/3) medium, 1 hard, for n
    rollouts), at least one is expected to fit: floor(k x share of the bucket's responses of length
    <= L) >= 1. Easy prompts thus get short targets and hard ones room to think. None where no
    candidate qualifies or no monitor prompt fell into the bucket: LASER then uses the training
    batch's longest response, which only the reward step knows.
    """
    correct, lengths, groups = np.asarray(correct, dtype=bool), np.asarray(lengths, dtype=float), np.asarray(groups)
    members_of = _group_indices(groups)
    n = len(members_of[0]) if members_of else 0
    needed = {"easy": (2 * n) // 3, "medium": n // 3, "hard": 1}
    pooled = {bucket: [] for bucket in LASER_D_BUCKETS}
    for members in members_of:
        pooled[accuracy_bucket(correct[members].mean())].append(lengths[members])
    chosen = {}
    for bucket, parts in pooled.items():
        share = [np.mean(np.concatenate(parts) <= length) if parts else 0.0 for length in candidates]
        fits = [length for length, s in zip(candidates, share) if np.floor(needed[bucket] * s + 1e-9) >= 1]
        chosen[bucket] = float(min(fits)) if fits else None
    return chosen


def laser_de_reward(correct, lengths, formatted, target_length, *, degenerate, explore_length=None) -> np.ndarray:
    """LASER-DE: LASER-D plus 0.5 for wrong, non-repetitive completions longer than L_A (exploration).
    As in its paper, "longer" means longer than the completion's own target length (its difficulty
    bucket's); ``explore_length`` replaces that with one fixed L_A (a deliberate deviation)."""
    threshold = np.asarray(target_length if explore_length is None else explore_length, dtype=float)
    wrong = ~np.asarray(correct, dtype=bool) & np.asarray(formatted, dtype=bool)
    explore = wrong & (np.asarray(lengths, dtype=float) > threshold) & ~np.asarray(degenerate, dtype=bool)
    return laser_reward(correct, lengths, formatted, target_length) + 0.5 * explore


def kimi_length_penalty(correct, lengths, groups) -> np.ndarray:
    """Kimi k1.5 length term per group: lam = 0.5 - (L - min)/(max - min); correct +lam, wrong
    +min(0, lam); 0 when all lengths in the group are equal."""
    correct, lengths = np.asarray(correct, dtype=bool), np.asarray(lengths, dtype=float)
    out = np.zeros(len(lengths))
    for members in _group_indices(np.asarray(groups)):
        low, high = lengths[members].min(), lengths[members].max()
        if high == low:
            continue
        lam = 0.5 - (lengths[members] - low) / (high - low)
        out[members] = np.where(correct[members], lam, np.minimum(0.0, lam))
    return out


def kimi_reward(correct, lengths, groups, *, weight: float = 1.0) -> np.ndarray:
    """Accuracy plus the weighted Kimi length term."""
    return np.asarray(correct, dtype=float) + weight * kimi_length_penalty(correct, lengths, groups)
