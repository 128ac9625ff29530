"""The data module (skdash._data): the time axis, transitions, canonical
trajectory numbering, the held-out split and the expression-scale rule, on their
own.  (How fit reports bad input is in test_validation.py.)"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skdash import stack_trajectories
from skdash._data import (align_to_fitted_genes, canonical_trajectory_codes, check_expression_scale,
                          check_time_axis, split_transitions, transitions_from_time_axis)
from skdash.exceptions import DataScaleWarning

CHEAP_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def with_entry(array, index, value):
    array = np.array(array, dtype=np.float64)
    array[index] = value
    return array


# ------------------------------------------------------------------ transitions
@CHEAP_SETTINGS
@given(st.lists(st.integers(1, 5), min_size=1, max_size=5), st.integers(0, 2**16))
def test_transitions_join_consecutive_snapshots_whatever_the_row_order(lengths, seed):
    rng = np.random.default_rng(seed)
    times = [np.sort(rng.choice(50, size=n, replace=False)).astype(float) for n in lengths]
    _, t, trajectory = stack_trajectories([np.zeros((n, 1)) for n in lengths], times)
    order = rng.permutation(t.size)
    t, trajectory = t[order], trajectory[order]
    if all(n == 1 for n in lengths):
        return
    starts, ends, intervals = transitions_from_time_axis(*check_time_axis(t.size, t, trajectory))
    assert starts.size == sum(n - 1 for n in lengths)
    assert np.all(trajectory[starts] == trajectory[ends]) and np.all(intervals > 0)
    np.testing.assert_array_equal(intervals, t[ends] - t[starts])
    for start, end in zip(starts, ends):  # nothing observed in between
        same = trajectory == trajectory[start]
        assert not np.any(same & (t > t[start]) & (t < t[end]))


def test_canonical_codes_follow_the_content_not_the_labels_or_the_row_order():
    rng = np.random.default_rng(0)
    X, t, trajectory = stack_trajectories([rng.uniform(size=(n, 2)) for n in (3, 4, 2)])
    codes = canonical_trajectory_codes(X, t, trajectory)
    order = rng.permutation(t.size)
    relabelled = np.array(["c", "a", "b"])[trajectory]
    _, other = check_time_axis(t.size, t[order], relabelled[order])
    np.testing.assert_array_equal(canonical_trajectory_codes(X[order], t[order], other), codes[order])
    # rows of one course share a code, and the codes are 0..n-1
    assert sorted(set(codes)) == [0, 1, 2]
    assert all(len(set(codes[trajectory == k])) == 1 for k in range(3))


# ------------------------------------------------------------------ held-out split
def test_split_holds_out_whole_trajectories_and_leaves_some_for_training():
    codes = np.repeat(np.arange(5), 4)
    for seed in range(5):
        held = split_transitions(codes, 0.2, np.random.default_rng(seed))
        assert held.sum() == 4 and len(set(codes[held])) == 1
    # a fraction that would hold out everything still leaves one course to train on
    assert len(set(codes[split_transitions(codes, 0.99, np.random.default_rng(0))])) == 4
    assert not split_transitions(codes, 0.0, np.random.default_rng(0)).any()


@pytest.mark.parametrize("n_courses, fraction, n_held",
                         [(5, 0.1, 0), (9, 0.1, 0), (10, 0.1, 1), (19, 0.1, 1), (30, 0.1, 3), (150, 0.1, 15),
                          (10, 0.3, 3)])
def test_split_holds_out_the_whole_number_of_courses_the_fraction_amounts_to(n_courses, fraction, n_held):
    codes = np.repeat(np.arange(n_courses), 3)
    held = split_transitions(codes, fraction, np.random.default_rng(0))
    assert len(set(codes[held])) == n_held and held.sum() == 3 * n_held


def test_split_of_one_trajectory_holds_out_transitions():
    held = split_transitions(np.zeros(10, dtype=int), 0.3, np.random.default_rng(0))
    assert held.sum() == 3
    # less than one transition's worth: nothing held out
    assert not split_transitions(np.zeros(9, dtype=int), 0.1, np.random.default_rng(0)).any()


# ------------------------------------------------------------------ gene order after fit
def test_fitted_genes_in_another_order_are_reordered_and_anything_else_is_left_to_validation():
    names = np.array(["a", "b", "c"], dtype=object)
    X = pd.DataFrame(np.eye(3), columns=["c", "a", "b"])
    assert list(align_to_fitted_genes(X, names).columns) == ["a", "b", "c"]
    unknown = pd.DataFrame(np.eye(3), columns=["a", "b", "z"])
    assert align_to_fitted_genes(unknown, names) is unknown
    unnamed = X.to_numpy()
    assert align_to_fitted_genes(unnamed, names) is unnamed


# ------------------------------------------------------------------ expression scale
def test_scale_rule():
    rng = np.random.default_rng(0)
    unit = rng.uniform(0, 1, size=(200, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataScaleWarning)
        assert not check_expression_scale(unit)
        assert not check_expression_scale(unit + rng.normal(0, 0.1, unit.shape))  # 20% noise
        assert not check_expression_scale(1.3 * unit - 0.15)  # test rows past a scaler's range
        assert not check_expression_scale(with_entry(unit, (0, 0), 2.4))  # one stray value
        assert not check_expression_scale(np.empty((0, 3)))
    with pytest.warns(DataScaleWarning, match="from -2 to"):
        assert check_expression_scale(with_entry(unit, (0, 0), -2.0))  # one value far off
    with pytest.warns(DataScaleWarning, match=r"5\.0% of its values lie outside \[-0.5, 1.5\]"):
        outside = unit.copy()
        outside[:10] = 2.0  # 5% of the values just past the range
        assert check_expression_scale(outside)


def test_data_scale_warning_is_a_user_warning():
    assert issubclass(DataScaleWarning, UserWarning)
