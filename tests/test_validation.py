"""Bad input is rejected with an error that names the problem (issue 5).

Every check here runs before training, except the few that need a fitted
model (module-scoped fixtures) or that check a warning on a short fit.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdash import DASHRegulatoryEstimator
from skdash.exceptions import DataScaleWarning

from .conftest import FAST, FLOAT32_ROUNDING, make_toy_system

TOY = make_toy_system()
N_GENES = TOY.X.shape[1]


def fit(X=None, *, t="toy", trajectory="toy", **params):
    """Fit on the toy data with some pieces replaced."""
    est = DASHRegulatoryEstimator(**{**FAST, **params})
    return est.fit(TOY.X if X is None else X, t=TOY.t if isinstance(t, str) else t,
                   trajectory=TOY.trajectory if isinstance(trajectory, str) else trajectory)


def with_entry(array, index, value):
    array = np.array(array, dtype=np.float64)
    array[index] = value
    return array


@pytest.fixture(scope="module")
def fitted():
    """A model fitted on a DataFrame (gene names G0..G5)."""
    X = pd.DataFrame(TOY.X, columns=TOY.gene_names)
    return DASHRegulatoryEstimator(**{**FAST, "sparsity": 0.5}).fit(X, t=TOY.t, trajectory=TOY.trajectory)


@pytest.fixture(scope="module")
def fitted_unnamed():
    return DASHRegulatoryEstimator(**{**FAST, "sparsity": 0.5}).fit(TOY.X, t=TOY.t, trajectory=TOY.trajectory)


# ------------------------------------------------------------------ expression
@pytest.mark.parametrize("value, message", [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains infinity"),
                                            (-np.inf, "Input X contains infinity")])
def test_non_finite_expression_is_rejected(value, message):
    with pytest.raises(ValueError, match=message):
        fit(with_entry(TOY.X, (3, 2), value))


def test_a_single_snapshot_is_rejected():
    with pytest.raises(ValueError, match="1 sample"):
        fit(TOY.X[:1], t=None, trajectory=None)


def test_trajectories_with_one_time_point_each_are_rejected():
    with pytest.raises(ValueError, match="every trajectory has a single time point"):
        fit(trajectory=np.arange(TOY.X.shape[0]))


def test_no_genes_is_rejected():
    with pytest.raises(ValueError, match="0 feature"):
        fit(TOY.X[:, :0])


# ------------------------------------------------------------------ time axis
@pytest.mark.parametrize("t, trajectory, error, message", [
    (with_entry(TOY.t, 1, 0.0), "toy", ValueError, r"more than one row at time 0\.0.*unique within a trajectory"),
    (with_entry(TOY.t, 1, np.nan), "toy", ValueError, "t contains NaN or infinite times"),
    (with_entry(TOY.t, 1, np.inf), "toy", ValueError, "t contains NaN or infinite times"),
    (with_entry(TOY.t, 1, -1.0), "toy", ValueError, "negative times"),
    (TOY.t[:-1], "toy", ValueError, r"one time per row of X \(60\); got shape \(59,\)"),
    (np.r_[TOY.t, 9.0], "toy", ValueError, r"one time per row of X \(60\); got shape \(61,\)"),
    (TOY.t[:, None], "toy", ValueError, "t must be 1-D"),
    (np.array(["a"] * TOY.t.size), "toy", TypeError, "t must contain numbers"),
    ("toy", TOY.trajectory[:-1], ValueError, r"trajectory must be 1-D with one entry per row of X \(60\)"),
    ("toy", np.r_[TOY.trajectory[:-1].astype(float), np.nan], ValueError, "trajectory contains missing values"),
])
def test_bad_time_axis_is_rejected(t, trajectory, error, message):
    with pytest.raises(error, match=message):
        fit(t=t, trajectory=trajectory)


def test_duplicate_times_are_allowed_in_different_trajectories():
    # every trajectory of the toy data starts at t = 0: that is not a duplicate
    assert np.sum(TOY.t == 0) > 1
    fit(max_epochs=1)


def test_duplicate_time_error_names_the_trajectory():
    t = TOY.t.copy()
    t[TOY.trajectory == 3] = 1.0  # every row of the 4th trajectory at time 1
    with pytest.raises(ValueError, match=r"Trajectory 3 .*more than one row at time 1\.0"):
        fit(t=t)


# ------------------------------------------------------------------ prior
@pytest.mark.parametrize("prior, error, message", [
    (np.ones((N_GENES - 1, N_GENES - 1)), ValueError, r"shape \(n_genes, n_genes\) = \(6, 6\).*got shape \(5, 5\)"),
    (np.ones((N_GENES, N_GENES + 1)), ValueError, r"got shape \(6, 7\)"),
    (np.ones(N_GENES), ValueError, r"got shape \(6,\)"),
    (with_entry(TOY.prior, (0, 1), np.nan), ValueError, "prior contains NaN or infinite values"),
    (with_entry(TOY.prior, (0, 1), np.inf), ValueError, "prior contains NaN or infinite values"),
    (sp.csr_matrix(with_entry(TOY.prior, (0, 1), np.nan)), ValueError, "prior contains NaN or infinite values"),
    (sp.csr_matrix(np.ones((3, 3))), ValueError, r"got shape \(3, 3\)"),
    (np.full((N_GENES, N_GENES), "x"), TypeError, "prior must be numeric"),
    (np.zeros((N_GENES, N_GENES)), ValueError, "prior has no nonzero entry"),
])
def test_bad_prior_is_rejected(prior, error, message):
    with pytest.raises(error, match=message):
        fit(prior=prior)


def test_bad_ppi_is_rejected():
    with pytest.raises(ValueError, match=r"The ppi must have shape"):
        fit(prior=TOY.prior, ppi=np.ones((2, 2)))
    with pytest.raises(ValueError, match="ppi contains NaN"):
        fit(prior=TOY.prior, ppi=with_entry(np.ones((N_GENES, N_GENES)), (1, 1), np.nan))


def test_prior_frame_with_unknown_and_missing_genes_names_them():
    X = pd.DataFrame(TOY.X, columns=TOY.gene_names)
    names = TOY.gene_names[:-1] + ["NOT_A_GENE"]
    prior = pd.DataFrame(TOY.prior, index=names, columns=names)
    with pytest.raises(ValueError, match=r"missing from the prior: \['G5'\].*not in X: \['NOT_A_GENE'\]"):
        fit(X, prior=prior)


def test_prior_frame_is_aligned_by_name():
    X = pd.DataFrame(TOY.X, columns=TOY.gene_names)
    prior = pd.DataFrame(TOY.prior, index=TOY.gene_names, columns=TOY.gene_names)
    shuffled = prior.iloc[::-1, ::-1]
    first = fit(X, prior=prior, sparsity=0.5)
    second = fit(X, prior=shuffled, sparsity=0.5)
    np.testing.assert_array_equal(first.network_, second.network_)
    # index and columns are aligned each on its own, so they need not share an order
    third = fit(X, prior=prior.iloc[:, ::-1], sparsity=0.5)
    np.testing.assert_array_equal(first.network_, third.network_)


@pytest.mark.parametrize("prior, message", [
    (pd.DataFrame(TOY.prior, index=TOY.gene_names, columns=TOY.gene_names[:-1] + ["G9"]), r"not in X: \['G9'\]"),
    (pd.DataFrame(TOY.prior, index=["G0"] * N_GENES, columns=["G0"] * N_GENES), r"more than once: \['G0'\]"),
])
def test_malformed_prior_frame_is_rejected(prior, message):
    with pytest.raises(ValueError, match=message):
        fit(pd.DataFrame(TOY.X, columns=TOY.gene_names), prior=prior)


def test_prior_frame_needs_named_genes_in_X():
    prior = pd.DataFrame(TOY.prior, index=TOY.gene_names, columns=TOY.gene_names)
    with pytest.raises(ValueError, match="X has none"):
        fit(prior=prior)


def test_scaler_pipeline_with_a_named_prior_says_how_to_keep_the_names():
    prior = pd.DataFrame(TOY.prior, index=TOY.gene_names, columns=TOY.gene_names)
    X = pd.DataFrame(TOY.X, columns=TOY.gene_names)
    pipeline = make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(**{**FAST, "prior": prior}))
    with pytest.raises(ValueError, match=re.escape('set_output(transform="pandas")')):
        pipeline.fit(X, dashregulatoryestimator__t=TOY.t, dashregulatoryestimator__trajectory=TOY.trajectory)
    # doing what the message says works, and the network is named by gene
    pipeline.set_output(transform="pandas")
    pipeline.fit(X, dashregulatoryestimator__t=TOY.t, dashregulatoryestimator__trajectory=TOY.trajectory)
    assert list(pipeline[-1].feature_names_in_) == TOY.gene_names
    assert list(pipeline[-1].get_network(as_matrix=True).index) == TOY.gene_names


def test_repr_summarises_the_prior_instead_of_printing_it():
    prior = pd.DataFrame(TOY.prior, index=TOY.gene_names, columns=TOY.gene_names)
    n_edges = int(np.count_nonzero(TOY.prior))
    assert repr(DASHRegulatoryEstimator(prior=prior, hidden_units=3)) == (
        f"DASHRegulatoryEstimator(hidden_units=3, prior=<DataFrame of shape {N_GENES}x{N_GENES}, "
        f"{n_edges} nonzero>)")
    text = repr(DASHRegulatoryEstimator(prior=sp.csr_matrix(TOY.prior), ppi=np.eye(N_GENES)))
    assert f"prior=<csr_matrix of shape {N_GENES}x{N_GENES}, {n_edges} nonzero>" in text
    assert f"ppi=<ndarray of shape {N_GENES}x{N_GENES}, {N_GENES} nonzero>" in text


@pytest.mark.parametrize("params, message", [
    (dict(prior_weight=0.3), r"prior_weight is 0\.3 \(> 0\) but no prior or ppi was given"),
    (dict(prior_weight=(0.0, 0.2)), "no prior or ppi was given|no prior was given"),
    (dict(prior_weight=(0.5, 0.2), ppi=np.ones((N_GENES, N_GENES))), r"second-layer prior_weight is 0\.2"),
    (dict(prior_loss_weight=0.5), r"prior_loss_weight is 0\.5 \(> 0\) but no prior was given"),
])
def test_prior_weight_without_prior_is_rejected(params, message):
    with pytest.raises(ValueError, match=message):
        fit(**params)


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize("sparsity", [1.0, 1.5, -0.1, "half", None])
def test_sparsity_outside_zero_one_is_rejected(sparsity):
    with pytest.raises(ValueError, match=r"'sparsity' parameter .* range \[0.0, 1.0\)"):
        fit(sparsity=sparsity)


@pytest.mark.parametrize("prior_weight", [1.5, -0.1, "big"])
def test_prior_weight_outside_zero_one_is_rejected(prior_weight):
    with pytest.raises(ValueError, match="'prior_weight' parameter"):
        fit(prior=TOY.prior, prior_weight=prior_weight)


@pytest.mark.parametrize("prior_weight", [(0.5, 1.5), (0.5,), (0.1, 0.2, 0.3), ("a", 0.1)])
def test_bad_prior_weight_pair_is_rejected(prior_weight):
    with pytest.raises(ValueError, match=re.escape(f"got {prior_weight!r}")):
        fit(prior=TOY.prior, prior_weight=prior_weight)


# ------------------------------------------------------------------ after fit
@pytest.mark.parametrize("t", [[0.0, 2.0, 1.0], [0.0, 1.0, 1.0], [2.0, 1.0], [0.0, np.nan], [[0.0, 1.0]], []])
def test_simulate_rejects_a_grid_that_is_not_increasing_and_finite(fitted_unnamed, t):
    with pytest.raises(ValueError, match="strictly increasing|1-D array of finite times"):
        fitted_unnamed.simulate(TOY.X[0], t)


@pytest.mark.parametrize("n_genes", [N_GENES - 1, N_GENES + 1])
def test_a_different_number_of_genes_is_rejected(fitted_unnamed, n_genes):
    X = np.resize(TOY.X, (TOY.X.shape[0], n_genes))
    message = f"X has {n_genes} features, but DASHRegulatoryEstimator is expecting {N_GENES} features"
    with pytest.raises(ValueError, match=message):
        fitted_unnamed.predict(X)
    with pytest.raises(ValueError, match=message):
        fitted_unnamed.score(X, t=TOY.t, trajectory=TOY.trajectory)
    with pytest.raises(ValueError, match=message):
        fitted_unnamed.simulate(X[0], [0.0, 1.0])
    with pytest.raises(ValueError, match=message):
        fitted_unnamed.simulate(X[:3], [0.0, 1.0])


def test_reordered_gene_columns_are_aligned_by_name(fitted):
    X = pd.DataFrame(TOY.X, columns=TOY.gene_names)
    shuffled = X[TOY.gene_names[::-1]]
    columns_before = list(shuffled.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rates = fitted.predict(shuffled)
        score = fitted.score(shuffled, t=TOY.t, trajectory=TOY.trajectory)
        paths = fitted.simulate(shuffled.iloc[:3], [0.0, 1.0, 2.5])
        path = fitted.simulate(shuffled.iloc[0], [0.0, 1.0, 2.5])  # a Series, by name too
    # outputs follow the caller's gene order: predict gives a frame labelled like X
    in_fitted_order = fitted.predict(X)
    assert isinstance(rates, pd.DataFrame)
    assert list(rates.columns) == columns_before and rates.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(rates, in_fitted_order[columns_before], **FLOAT32_ROUNDING)
    assert score == pytest.approx(fitted.score(X, t=TOY.t, trajectory=TOY.trajectory), rel=1e-6)
    reversed_genes = [TOY.gene_names.index(gene) for gene in columns_before]
    np.testing.assert_allclose(paths, fitted.simulate(X.iloc[:3], [0.0, 1.0, 2.5])[..., reversed_genes],
                               **FLOAT32_ROUNDING)
    # one start state is a batch of one: another batch shape, so equal up to rounding
    np.testing.assert_allclose(path, paths[0], **FLOAT32_ROUNDING)
    assert list(shuffled.columns) == columns_before  # the caller's frame is untouched


@pytest.mark.parametrize("columns, message", [
    (TOY.gene_names[:-1] + ["NEW"], r"unseen at fit time:\n- NEW\n.*missing:\n- G5"),
    (TOY.gene_names[:-1], r"missing:\n- G5"),
    (TOY.gene_names + ["EXTRA"], r"unseen at fit time:\n- EXTRA"),
])
def test_unknown_or_missing_gene_columns_are_named(fitted, columns, message):
    X = pd.DataFrame(np.resize(TOY.X, (TOY.X.shape[0], len(columns))), columns=columns)
    for call in (fitted.predict, lambda X: fitted.simulate(X.iloc[:2], [0.0, 1.0]),
                 lambda X: fitted.score(X, t=TOY.t, trajectory=TOY.trajectory)):
        with pytest.raises(ValueError, match=re.compile(message, re.DOTALL)):
            call(X)


def test_unnamed_input_after_named_fit_warns_but_works(fitted):
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        rates = fitted.predict(TOY.X)
    np.testing.assert_allclose(rates, fitted.predict(pd.DataFrame(TOY.X, columns=TOY.gene_names)).to_numpy(),
                               **FLOAT32_ROUNDING)


def test_views_with_negative_strides_are_accepted(fitted_unnamed):
    # Rows in another order are other float32 batches: equal up to rounding (1.2e-7
    # apart on some CPUs), not bit for bit.
    reversed_rows = TOY.X[::-1]
    np.testing.assert_allclose(fitted_unnamed.predict(reversed_rows), fitted_unnamed.predict(TOY.X)[::-1],
                               **FLOAT32_ROUNDING)
    paths = fitted_unnamed.simulate(reversed_rows[:3], [0.0, 1.0])
    np.testing.assert_allclose(paths, fitted_unnamed.simulate(TOY.X[::-1][:3].copy(), [0.0, 1.0]),
                               **FLOAT32_ROUNDING)
    # rows need not be sorted: the same transitions, the same score
    assert fitted_unnamed.score(reversed_rows, t=TOY.t[::-1], trajectory=TOY.trajectory[::-1]) == \
        pytest.approx(fitted_unnamed.score(TOY.X, t=TOY.t, trajectory=TOY.trajectory), rel=1e-12)


def test_non_finite_input_after_fit_is_rejected(fitted_unnamed):
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fitted_unnamed.predict(with_entry(TOY.X[:4], (0, 0), np.nan))
    with pytest.raises(ValueError, match="Input X contains infinity"):
        fitted_unnamed.simulate(with_entry(TOY.X[0], 1, np.inf), [0.0, 1.0])


# ------------------------------------------------------------------ data scale
@pytest.mark.parametrize("transform", [
    pytest.param(lambda X: np.round(1000 * X), id="counts"),
    pytest.param(lambda X: 6 * X - 3, id="log-ratios"),
    pytest.param(lambda X: (X - X.mean(0)) / X.std(0), id="z-scores"),
])
def test_expression_far_from_unit_scale_warns_and_is_not_changed(transform):
    X = transform(TOY.X)
    original = X.copy()
    with pytest.warns(DataScaleWarning, match=r"\[0, 1\] scale.*MinMaxScaler") as record:
        est = fit(X, max_epochs=2)
    assert all(issubclass(w.category, UserWarning) for w in record)
    np.testing.assert_array_equal(X, original)
    with pytest.warns(DataScaleWarning):
        est.predict(X)
    with pytest.warns(DataScaleWarning):
        est.simulate(X[0], [0.0, 1.0])


def test_scaled_expression_does_not_warn():
    counts = np.round(1000 * TOY.X)
    pipeline = make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(**{**FAST, "max_epochs": 2}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataScaleWarning)
        pipeline.fit(counts, dashregulatoryestimator__t=TOY.t, dashregulatoryestimator__trajectory=TOY.trajectory)
        pipeline.predict(counts)
