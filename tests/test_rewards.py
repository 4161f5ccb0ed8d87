"""Reward library: every function against hand-computed values, plus the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autothink.rewards import (
    balance_factors,
    batch_balance,
    changed_group_share,
    group_advantages,
    is_degenerate,
    kimi_length_penalty,
    kimi_reward,
    laser_d_choose_targets,
    laser_d_targets,
    laser_de_reward,
    laser_reward,
    mode_reward,
    penalise_degenerate,
    shape,
    shorterbetter_reward,
    thinkprune_reward,
    zero_variance_share,
)


@pytest.mark.parametrize(
    "think, correct, expected", [(True, True, 1.0), (True, False, 0.0), (False, True, 2.0), (False, False, -1.0)]
)
def test_mode_reward_table(think, correct, expected):
    assert mode_reward(think, correct) == expected


def test_format_error_scores_zero():
    assert mode_reward(False, False, formatted=False) == 0.0
    assert mode_reward(True, False, formatted=False) == 0.0


def test_degenerate_rule():
    assert is_degenerate("so so " * 10)
    assert not is_degenerate("so so " * 4 + "so")  # 9 repeats of 1-gram
    assert is_degenerate("wait let me check. " * 10)  # a 4-gram repeated 10 times
    assert not is_degenerate("wait let me check. " * 9)
    assert is_degenerate("x" * 120) and not is_degenerate("x" * 119)
    texts = ["so " * 12, "so " * 12, "a fine answer"]
    degenerate = [is_degenerate(t) for t in texts]
    assert penalise_degenerate([-1.0, 1.0, -1.0], degenerate).tolist() == [
        -2.0,
        1.0,
        -1.0,
    ]  # only negative rewards are replaced


def test_stage2_settings_leave_rewards_unchanged():
    rewards = np.array([1.0, 0.0, 2.0, -1.0])
    out = shape(rewards, [1, 1, 0, 0], [1, 0, 1, 0], [5, 9, 2, 3], [0, 0, 1, 1])
    np.testing.assert_array_equal(out, rewards)


def test_stage1_balance_pulls_over_represented_mode():
    think, correct = np.array([1, 1, 1, 0], bool), np.array([1, 0, 1, 1], bool)
    rewards = np.array([mode_reward(t, c) for t, c in zip(think, correct)])  # [1, 0, 1, 2]
    assert balance_factors(think, gamma=0.5, slope=2.0) == (0.5, 0.0)
    out = shape(rewards, think, correct, [1, 1, 1, 1], [0, 0, 1, 1], gamma=0.5, slope=2.0)
    np.testing.assert_allclose(out, [0.5, -0.5, 0.5, 2.0])  # = r - p for base rewards


def test_stage1_collapsed_batches_hit_the_targets():
    np.testing.assert_allclose(shape([1.0, 0.0], [1, 1], [1, 0], [3, 4], [0, 0], gamma=0.5), [0.0, -1.0])
    np.testing.assert_allclose(shape([2.0, -1.0], [0, 0], [1, 0], [3, 4], [0, 0], gamma=0.5), [1.0, -2.0])


def test_stage1_balanced_batch_is_untouched():
    rewards = np.array([1.0, 2.0])
    np.testing.assert_array_equal(shape(rewards, [1, 0], [1, 1], [3, 4], [0, 0], gamma=0.5), rewards)


def test_stage3_length_shaping_by_hand():
    # group 0: three correct (10, 20, 30) -> y = -1, 0, 1; two wrong (10, 30) -> y = -/+ 1/sqrt(2)
    lengths = np.array([10, 20, 30, 10, 30])
    correct = np.array([1, 1, 1, 0, 0], bool)
    rewards = np.array([1.0, 1.0, 2.0, 0.0, -1.0])
    out = shape(rewards, [1, 1, 0, 1, 0], correct, lengths, [0] * 5, alpha=0.05, beta=0.05)
    y = 1 / math.sqrt(2)
    expected = [
        1 + math.exp(0.05) - 1,
        1.0,
        2 + math.exp(-0.05) - 1,
        0 + 1 - math.exp(0.05 * y),
        -1 + 1 - math.exp(-0.05 * y),
    ]
    np.testing.assert_allclose(out, expected)


def test_stage3_groups_are_separate_and_singletons_skip():
    lengths, correct = [10, 30, 1000, 7], [1, 1, 1, 0]
    out = shape([1.0, 1.0, 1.0, 0.0], [1] * 4, correct, lengths, [0, 0, 1, 2], alpha=0.05, beta=0.05)
    y = 1 / math.sqrt(2)
    np.testing.assert_allclose(out, [math.exp(0.05 * y), math.exp(-0.05 * y), 1.0, 0.0])


def test_stage3_equal_lengths_change_nothing():
    out = shape([1.0, 1.0, 0.0, 0.0], [1] * 4, [1, 1, 0, 0], [8, 8, 8, 8], [0] * 4, alpha=0.05, beta=0.05)
    np.testing.assert_allclose(out, [1.0, 1.0, 0.0, 0.0])


def test_shaping_then_balance_order():
    # length shaping first, then balance toward targets on the shaped value
    lengths, correct, think = [10, 30], [1, 1], [1, 1]
    shaped = np.array([math.exp(0.05 / math.sqrt(2)), math.exp(-0.05 / math.sqrt(2))])
    out = shape([1.0, 1.0], think, correct, lengths, [0, 0], gamma=0.5, slope=1.0, alpha=0.05)
    np.testing.assert_allclose(out, 0.5 * shaped + 0.5 * 0.0)


def test_empty_batch():
    assert shape([], [], [], [], []).shape == (0,)
    assert shape([], [], [], [], [], gamma=0.5, alpha=0.05).shape == (0,)
    assert kimi_length_penalty([], [], []).shape == (0,)
    assert shorterbetter_reward([], [], []).shape == (0,)


def test_thinkprune():
    np.testing.assert_array_equal(thinkprune_reward([1, 1, 0], [0, 1, 0]), [1.0, 0.0, 0.0])


def test_shorterbetter():
    out = shorterbetter_reward([0, 1, 1, 0, 0], [100, 200, 300, 100, 300], ["a", "a", "a", "b", "b"])
    np.testing.assert_allclose(out, [-0.1, 2.0, 1.9, -0.1, -0.1])


def test_laser_family():
    np.testing.assert_allclose(laser_reward([1, 1, 0, 0], [50, 150, 50, 50], [1, 1, 1, 0], 100), [1.5, 1.0, -0.5, -1.0])
    targets = laser_d_targets(
        [1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 2, 2], {"easy": 10, "medium": 20, "hard": 30}
    )
    np.testing.assert_array_equal(targets, [10, 10, 10, 20, 20, 20, 30, 30])
    out = laser_de_reward(
        [0, 0, 0, 1], [500, 500, 50, 5], [1, 1, 1, 1], 100, explore_length=100, degenerate=[0, 1, 0, 0]
    )
    np.testing.assert_allclose(out, [0.0, -0.5, -0.5, 1.5])
    # by default a wrong answer explores when it is longer than its own bucket's target
    bucket_targets = np.array([100, 100, 300, 300])
    out = laser_de_reward([0, 0, 0, 0], [150, 50, 150, 350], [1, 1, 1, 1], bucket_targets, degenerate=[0, 0, 0, 0])
    np.testing.assert_allclose(out, [0.0, -0.5, -0.5, 0.0])


def test_laser_d_chooses_targets_per_bucket_on_the_monitor_set():
    """LASER-D's rule worked by hand: 6 rollouts per prompt, so an easy prompt has at least 4
    correct responses, a medium one 2, a hard one 1; a bucket's target is the shortest candidate
    at which floor(that number x share of the bucket's responses within it) >= 1."""
    correct = [1] * 6 + [1, 1, 1, 0, 0, 0] + [0] * 6  # accuracies 1 (easy), 1/2 (medium), 0 (hard)
    lengths = [10, 10, 30, 30, 50, 50] + [10, 20, 30, 40, 50, 60] + [10, 20, 30, 40, 50, 70]
    groups = [0] * 6 + [1] * 6 + [2] * 6
    chosen = laser_d_choose_targets(correct, lengths, groups, [20, 40, 60])
    # easy: share <= 20 is 1/3, 4 x 1/3 >= 1; medium: share <= 20 is 1/3, 2 x 1/3 < 1, <= 40 is 2/3;
    # hard: all six must fit, and 70 exceeds every candidate
    assert chosen == {"easy": 20.0, "medium": 40.0, "hard": None}
    assert laser_d_choose_targets(correct[:6], lengths[:6], groups[:6], [20, 40])["medium"] is None  # no medium prompt


def test_kimi_per_group():
    out = kimi_length_penalty([1, 0, 1, 0, 1, 1], [10, 20, 30, 10, 20, 30], [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(out, [0.5, 0.0, -0.5, 0.0, 0.0, -0.5])
    np.testing.assert_allclose(kimi_length_penalty([1, 0], [5, 5], [0, 0]), [0.0, 0.0])
    np.testing.assert_allclose(kimi_reward([1, 0, 1], [10, 20, 30], [0, 0, 0], weight=0.5), [1.25, 0.0, 0.75])


def test_group_advantages_are_grpo_z_scores():
    adv = group_advantages([1.0, 0.0, 2.0, 2.0, 5.0, 5.0], [0, 0, 0, 0, 1, 1])
    np.testing.assert_allclose(adv[:4], (np.array([1, 0, 2, 2]) - 1.25) / np.std([1, 0, 2, 2], ddof=1))
    np.testing.assert_allclose(adv[4:], [0.0, 0.0])  # a constant group has no advantage


def test_balance_moves_advantages_only_in_groups_it_reshapes():
    # 3 groups: all think (the balance's shift leaves z-scores alone), mixed modes with three
    # reward values (reshaped), and a constant group (no gradient either way)
    think = np.array([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1], dtype=bool)
    correct = np.array([1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1], dtype=bool)
    groups = np.repeat([0, 1, 2], 4)
    base = np.array([mode_reward(t, c) for t, c in zip(think, correct)])
    balanced = batch_balance(base, think, correct, gamma=0.5, slope=2.0)
    assert balance_factors(think, gamma=0.5, slope=2.0)[0] > 0
    assert changed_group_share(base, balanced, groups) == pytest.approx(1 / 3)
    assert zero_variance_share(balanced, groups) == pytest.approx(1 / 3)
    assert changed_group_share(base, base, groups) == 0.0
