"""Figures (skdash.plotting): returned objects, not pixels."""

import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skdash import DASHRegulatoryEstimator  # noqa: E402
from skdash.plotting import plot_network, plot_pruning_path, plot_trajectories  # noqa: E402

from .conftest import FAST, FLOAT32_ROUNDING  # noqa: E402


@pytest.fixture(scope="module")
def fitted(toy):
    X = pd.DataFrame(toy.X, columns=toy.gene_names)
    estimator = DASHRegulatoryEstimator(prior=toy.prior, **FAST).fit(X, t=toy.t, trajectory=toy.trajectory)
    return estimator, X, toy


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


EDGES = pd.DataFrame({"regulator": ["A", "B", "C", "A"], "target": ["B", "C", "A", "C"],
                      "weight": [0.8, -0.5, 0.3, -0.1]})


# --------------------------------------------------------------------------
# plot_network
# --------------------------------------------------------------------------
def test_heatmap_of_estimator(fitted):
    estimator, _, toy = fitted
    # the reported network is sized by the data: show its strongest edges, at most 4
    edges = estimator.get_network()
    k = min(4, len(edges))
    assert k >= 1
    ax = plot_network(estimator, top_k=4)
    assert len(ax.images) == 1
    matrix = ax.images[0].get_array()
    assert np.ma.count(matrix) == k  # only the k strongest edges are coloured
    shown = sorted(np.ma.compressed(matrix), key=abs, reverse=True)
    np.testing.assert_allclose(shown, sorted(edges["weight"].iloc[:k], key=abs, reverse=True), rtol=1e-12)
    lo, hi = ax.images[0].get_clim()
    assert lo == -hi == -np.abs(edges["weight"].iloc[:k]).max()  # symmetric colour scale
    rows = [label.get_text() for label in ax.get_yticklabels()]
    columns = [label.get_text() for label in ax.get_xticklabels()]
    assert set(rows) == set(edges["regulator"].iloc[:k]) and set(columns) == set(edges["target"].iloc[:k])
    assert rows == [g for g in toy.gene_names if g in rows]  # gene order
    assert len(ax.figure.axes) == 2  # with a colorbar
    assert ax.get_xlabel() == "target" and ax.get_ylabel() == "regulator"


def test_heatmap_on_given_axes_from_a_matrix():
    figure, ax = plt.subplots()
    matrix = np.array([[5.0, 1.0, 0.0], [0.0, 0.0, -2.0], [0.5, 0.0, 0.0]])
    returned = plot_network(matrix, gene_names=["x", "y", "z"], top_k=None, ax=ax)
    assert returned is ax
    image = ax.images[0].get_array()
    assert np.ma.count(image) == 3  # the diagonal (self-loop 5.0) is not drawn
    assert ax.get_title() == "Inferred network: 3 edges"


def test_graph_of_edge_list():
    ax = plot_network(EDGES, kind="graph", top_k=3)
    assert len(ax.patches) == 3  # one arrow per edge
    assert sorted(text.get_text() for text in ax.texts) == ["A", "B", "C"]
    assert len(ax.collections) == 1  # the nodes
    assert len(ax.collections[0].get_offsets()) == 3
    arrows = ax.patches
    colours = [arrow.get_edgecolor() for arrow in arrows]
    assert colours[0][0] > colours[0][2]  # activation is red
    assert colours[1][2] > colours[1][0]  # repression is blue
    assert arrows[0].get_linewidth() > arrows[2].get_linewidth()  # width by |weight|
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["activation (+)", "repression (-)"]


def test_graph_of_labelled_matrix(fitted):
    estimator, _, _ = fitted
    matrix = estimator.get_network(as_matrix=True)
    ax = plot_network(matrix, kind="graph", top_k=None)
    n_edges = np.count_nonzero(matrix.to_numpy() * (1 - np.eye(len(matrix))))
    assert len(ax.patches) == n_edges == len(estimator.get_network())


@pytest.mark.parametrize("kind", ["heatmap", "graph"])
def test_top_k_zero_draws_no_edge(kind):
    # the same top_k rule as get_network: 0 is a valid, empty selection
    ax = plot_network(EDGES, kind=kind, top_k=0)
    assert len(ax.patches) == 0 and ax.get_title() == "Inferred network: top 0 edges"


def test_labelled_matrix_is_aligned_to_gene_names():
    matrix = pd.DataFrame([[0.0, 2.0], [-1.0, 0.0]], index=["a", "b"], columns=["a", "b"])
    ax = plot_network(matrix.iloc[::-1, ::-1], gene_names=["a", "b"], top_k=None)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["a", "b"]
    np.testing.assert_array_equal(ax.images[0].get_array(), np.ma.masked_invalid([[np.nan, 2.0], [-1.0, np.nan]]))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(network=EDGES, kind="circle"), ValueError, "kind must be"),
    (dict(network=EDGES, top_k=-1), ValueError, "top_k must be a non-negative integer or None; got -1"),
    (dict(network=EDGES, top_k=2.0), ValueError, "top_k must be a non-negative integer"),
    (dict(network=np.ones((2, 3))), ValueError, "square matrix"),
    (dict(network=np.ones((2, 2)), gene_names=["a"]), ValueError, r"shape .* = \(1, 1\), the genes of gene_names"),
    (dict(network=DASHRegulatoryEstimator()), Exception, "not fitted"),
])
def test_plot_network_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_network(**kwargs)


# --------------------------------------------------------------------------
# plot_pruning_path
# --------------------------------------------------------------------------
def test_pruning_path(fitted):
    estimator, _, _ = fitted
    ax = plot_pruning_path(estimator)
    (path_line,) = ax.lines
    np.testing.assert_allclose(path_line.get_xdata(), np.sort(estimator.pruning_path_["sparsity"]))
    epochs, star = ax.collections
    assert len(epochs.get_offsets()) == estimator.n_iter_
    kept = next(r for r in estimator.history_ if r["epoch"] == estimator.best_epoch_)
    np.testing.assert_allclose(star.get_offsets()[0], [kept["sparsity"], kept["validation_loss"]])
    assert f"epoch {estimator.best_epoch_}" in ax.get_legend().get_texts()[-1].get_text()
    assert ax.get_ylabel() == "validation loss (MSE)" and ax.get_yscale() == "log"


def test_pruning_path_without_validation_or_epochs(toy):
    estimator = DASHRegulatoryEstimator(**{**FAST, "validation_fraction": 0.0})
    estimator.fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    ax = plot_pruning_path(estimator, show_epochs=False)
    assert ax.get_ylabel() == "training loss (MSE)"
    assert len(ax.collections) == 1  # only the kept checkpoint


# --------------------------------------------------------------------------
# plot_trajectories
# --------------------------------------------------------------------------
def test_trajectories(fitted):
    estimator, X, toy = fitted
    ax = plot_trajectories(estimator, X, toy.t, toy.trajectory, genes=["G2", "G0", 5], trajectories=[3, 1],
                           n_points=30)
    assert len(ax.lines) == len(ax.collections) == 3 * 2
    first = ax.lines[0]  # trajectory 3, gene G2, simulated from trajectory 3's first snapshot
    rows = np.flatnonzero(toy.trajectory == 3)
    assert len(first.get_xdata()) == 30
    assert first.get_xdata()[0] == toy.t[rows].min() and first.get_xdata()[-1] == toy.t[rows].max()
    assert first.get_ydata()[0] == pytest.approx(toy.X[rows[0], 2])
    expected = estimator.simulate(X.iloc[rows[0]], first.get_xdata())[:, 2]
    np.testing.assert_allclose(first.get_ydata(), expected, **FLOAT32_ROUNDING)
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.column_stack([toy.t[rows], toy.X[rows, 2]]))
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["G2", "G0", "G5", "trajectory 3", "trajectory 1"]


def test_trajectories_defaults_with_arrays(toy):
    estimator = DASHRegulatoryEstimator(**FAST).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    ax = plot_trajectories(estimator, toy.X, toy.t, toy.trajectory)
    assert len(ax.lines) == 4 * 3  # the 4 most variable genes, the first 3 trajectories
    most_variable = np.argsort(-toy.X.var(axis=0), kind="stable")[:4]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:4] == [f"gene_{i}" for i in most_variable]


@pytest.mark.parametrize("kwargs, message", [
    (dict(genes=["nope"]), r"Unknown genes \['nope'\]"),
    (dict(trajectories=[99]), r"Unknown trajectories \[99\]"),
    (dict(n_points=1), "n_points"),
])
def test_trajectories_errors(fitted, kwargs, message):
    estimator, X, toy = fitted
    with pytest.raises(ValueError, match=message):
        plot_trajectories(estimator, X, toy.t, toy.trajectory, **kwargs)


def test_trajectories_shape_errors(fitted):
    estimator, X, toy = fitted
    with pytest.raises(ValueError, match="genes of fit"):
        plot_trajectories(estimator, X.iloc[:, :3], toy.t, toy.trajectory)
    with pytest.raises(ValueError, match="one time per row"):
        plot_trajectories(estimator, X, toy.t[:-1], toy.trajectory)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'skdash\[plot\]'"):
        plot_network(EDGES)


# --------------------------------------------------------------------------
# plot_confidence and plot_calibration (StabilitySelection)
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stability(toy):
    from skdash import StabilitySelection
    X = pd.DataFrame(toy.X, columns=toy.gene_names)
    base = DASHRegulatoryEstimator(prior=toy.prior, **{**FAST, "max_epochs": 5, "sparsity": 0.5, "n_threads": 1})
    return StabilitySelection(base, n_estimators=3, random_state=0).fit(X, t=toy.t, trajectory=toy.trajectory)


def test_confidence_heatmap(stability):
    from skdash.plotting import plot_confidence
    ax = plot_confidence(stability, top_k=5)
    image = ax.images[0].get_array()
    assert np.ma.count(image) == 5
    confidence = stability.confidence_.copy()
    np.fill_diagonal(confidence, 0)
    # the 5 drawn cells are the 5 best-ranked pairs, whose confidences are the highest
    assert sorted(np.ma.compressed(image), reverse=True) == sorted(confidence.ravel(), reverse=True)[:5]
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert {t.get_text() for t in ax.texts} <= {"+", "-"} and len(ax.texts) == 5
    rows = [label.get_text() for label in ax.get_yticklabels()]
    assert set(rows) <= set(stability.feature_names_in_)


def test_confidence_heatmap_rejects_a_plain_estimator(fitted):
    from skdash.plotting import plot_confidence
    with pytest.raises(TypeError, match="StabilitySelection"):
        plot_confidence(fitted[0])


def test_calibration_plot(stability, toy):
    from skdash.metrics import confidence_calibration, expected_calibration_error
    from skdash.plotting import plot_calibration
    ax = plot_calibration(stability, toy.network, n_bins=4)
    table = confidence_calibration(toy.network, stability.confidence_, n_bins=4)
    observed = ax.lines[1]
    np.testing.assert_allclose(observed.get_xdata(), table["mean_confidence"])
    np.testing.assert_allclose(observed.get_ydata(), table["precision"])
    assert f"{expected_calibration_error(toy.network, stability.confidence_, n_bins=4):.3f}" in ax.get_title()
    assert table["n_pairs"].sum() == toy.X.shape[1] * (toy.X.shape[1] - 1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        plot_calibration(2 * np.ones((3, 3)), np.eye(3, k=1))
    with pytest.raises(ValueError, match="n_bins"):
        plot_calibration(stability, toy.network, n_bins=0)
