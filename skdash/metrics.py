"""Scores of a predicted gene regulatory network against a reference network.

Every score compares a prediction with a reference network ``true_network``
over the *off-diagonal* gene pairs only: self-loops are neither counted as
edges nor as non-edges, whatever the diagonal holds.

Networks are square matrices of shape ``(n_genes, n_genes)`` with rows =
regulators and columns = targets. Each may be a NumPy array (or anything
array-like), a SciPy sparse matrix or array, or a pandas DataFrame:

- In the reference, any nonzero entry is an edge; signs are ignored.
- When both the reference and the prediction are DataFrames, the prediction is
  aligned to the reference by gene name (index and columns, compared as
  strings) before scoring.
  Missing or unknown genes raise a ``ValueError`` that names them.
- Otherwise matrices are compared by position; nothing unlabeled is ever
  reordered. A DataFrame that is compared by position (and any reference
  DataFrame) must list the same genes in the same order on its index and its
  columns, so that its diagonal really holds the self-loops.

Predictions may also be edge lists in the style of :func:`arboreto.grnboost2`
and ``DASHRegulatoryEstimator.get_network``: a DataFrame with columns
``regulator``, ``target`` and optionally ``weight`` (1 when absent). They are
placed into a matrix with :func:`edges_to_matrix`, using the ``gene_names``
keyword or, when it is not given, the genes of a DataFrame reference.

The scores themselves are computed by :mod:`sklearn.metrics`.
:func:`forecast_mse` scores a fitted model's dynamics instead of its network;
:func:`confidence_calibration` and :func:`expected_calibration_error` compare
edge confidences (e.g. ``StabilitySelection.confidence_``) with how often the
edges are true.
"""

import numbers

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    mean_squared_error,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.utils.validation import check_is_fitted

from ._gene_matrix import check_gene_names, gene_frame, is_edge_list, to_matrix

__all__ = [
    "confidence_calibration",
    "early_precision",
    "edge_aupr",
    "edge_auroc",
    "edges_to_matrix",
    "expected_calibration_error",
    "forecast_mse",
    "network_scores",
    "structure_balanced_accuracy",
    "weight_sparsity",
]

_NORMALIZE_OPTIONS = (None, "target")


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _validate_reference(true_network):
    """Return the reference as a boolean matrix and its gene names (or None)."""
    if is_edge_list(true_network):
        raise ValueError(
            "true_network looks like an edge list (columns 'regulator' and "
            "'target'); place it into a matrix first with "
            "skdash.metrics.edges_to_matrix(edges, gene_names)."
        )
    reference = _square(true_network, None, "true_network")
    genes = [str(gene) for gene in true_network.index] if isinstance(true_network, pd.DataFrame) else None
    return reference != 0, genes


def _square(network, genes, name, source="true_network", n_genes=None):
    """A network as a dense float matrix of at least 2 genes (the diagonal is excluded)."""
    matrix = to_matrix(network, genes, what=name, source=source, n_genes=n_genes)
    if matrix.shape[0] < 2:
        raise ValueError(
            f"{name} must describe at least 2 genes (the diagonal is excluded); "
            f"got shape {matrix.shape}."
        )
    return matrix


def _prepare(true_network, other, name, gene_names):
    """Validate the reference and one prediction; return both as dense arrays.

    A prediction DataFrame is aligned by gene name to a DataFrame reference; an
    edge list is placed with ``gene_names`` (default: the reference's genes).

    Returns
    -------
    reference : ndarray of bool, shape (n_genes, n_genes)
    other : ndarray of float, shape (n_genes, n_genes)
    """
    reference, genes = _validate_reference(true_network)
    if is_edge_list(other):
        if gene_names is None and genes is None:
            raise ValueError(
                f"{name} is an edge list; pass gene_names (the order of the "
                "rows and columns of true_network) or give true_network as "
                "a DataFrame labelled by gene."
            )
        if gene_names is not None:
            order = check_gene_names(gene_names)
            other = gene_frame(to_matrix(other, order, what=name), order)
    return reference, _square(other, genes, name, n_genes=reference.shape[0])


def _off_diagonal(matrix):
    """Off-diagonal entries in row-major order (regulator, then target)."""
    return matrix[~np.eye(matrix.shape[0], dtype=bool)]


def _require_both_classes(y_true, score_name):
    n_edges = int(np.count_nonzero(y_true))
    if n_edges == 0:
        raise ValueError(
            f"true_network has no edges off the diagonal; {score_name} needs at "
            "least one true edge and one non-edge."
        )
    if n_edges == y_true.size:
        raise ValueError(
            f"true_network has no non-edges off the diagonal (every pair is an "
            f"edge); {score_name} needs at least one true edge and one non-edge."
        )


def _check_normalize(normalize):
    if normalize not in _NORMALIZE_OPTIONS:
        raise ValueError(
            f"normalize must be None or 'target'; got {normalize!r}."
        )


def _ranking_scores(scores, normalize):
    """|scores| with the diagonal removed, optionally normalised per target."""
    magnitude = np.abs(scores)
    np.fill_diagonal(magnitude, 0.0)
    if normalize == "target":
        column_sums = magnitude.sum(axis=0)
        magnitude = np.divide(
            magnitude,
            column_sums,
            out=np.zeros_like(magnitude),
            where=column_sums > 0,
        )
    return magnitude


# --------------------------------------------------------------------------
# Scores on validated arrays (shared by the public functions)
# --------------------------------------------------------------------------
def _balanced_accuracy(reference, adjacency):
    y_true = _off_diagonal(reference)
    _require_both_classes(y_true, "balanced accuracy")
    y_pred = _off_diagonal(adjacency != 0)
    return float(balanced_accuracy_score(y_true, y_pred))


def _structure_scores(reference, adjacency):
    """Precision, recall and F1 of a predicted structure over the off-diagonal pairs."""
    y_true, y_pred = _off_diagonal(reference) != 0, _off_diagonal(adjacency != 0)
    return {
        "precision": float(precision_score(y_true, y_pred, zero_division=0.0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0.0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0.0)),
    }


def _ranking_metric(metric, label, reference, scores, normalize):
    _check_normalize(normalize)
    y_true = _off_diagonal(reference)
    _require_both_classes(y_true, label)
    y_score = _off_diagonal(_ranking_scores(scores, normalize))
    return float(metric(y_true, y_score))


def _auroc(reference, scores, normalize):
    return _ranking_metric(roc_auc_score, "AUROC", reference, scores, normalize)


def _aupr(reference, scores, normalize):
    return _ranking_metric(average_precision_score, "AUPR", reference, scores, normalize)


def _early_precision(reference, scores, k):
    y_true = _off_diagonal(reference)
    n_pairs = y_true.size
    if k is None:
        k = int(np.count_nonzero(y_true))
        if k == 0:
            raise ValueError(
                "true_network has no edges off the diagonal, so the default k "
                "(the number of true edges) is 0; pass k explicitly."
            )
    elif not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer or None; got {k!r}.")
    elif k > n_pairs:
        raise ValueError(
            f"k={k} exceeds the number of off-diagonal gene pairs ({n_pairs})."
        )
    magnitude = _off_diagonal(np.abs(scores))
    # Stable sort: among equal |scores| the pair that comes first in row-major
    # order (regulator, then target) ranks higher.
    order = np.argsort(-magnitude, kind="stable")[:k]
    order = order[magnitude[order] > 0]
    y_pred = np.zeros(n_pairs, dtype=int)
    y_pred[order] = 1
    return float(precision_score(y_true.astype(int), y_pred, zero_division=0.0))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------
def edges_to_matrix(edges, gene_names):
    """Place an edge list into a square regulator-by-target matrix.

    Parameters
    ----------
    edges : DataFrame
        One row per edge with columns ``regulator`` and ``target`` (gene
        names) and optionally ``weight`` (1.0 for every edge when absent).
        Other columns are ignored. Each (regulator, target) pair may appear at
        most once.
    gene_names : sequence of str
        Unique gene names giving the order of the rows and columns of the
        result.

    Returns
    -------
    matrix : DataFrame of shape (n_genes, n_genes)
        Float matrix with rows = regulators and columns = targets, both
        labelled by ``gene_names``; pairs absent from ``edges`` are 0.

    Raises
    ------
    ValueError
        If ``edges`` names genes that are not in ``gene_names``, repeats a
        pair, or has non-finite weights, or if ``gene_names`` has duplicates.

    Examples
    --------
    >>> import pandas as pd
    >>> from skdash.metrics import edges_to_matrix
    >>> edges = pd.DataFrame({"regulator": ["a", "b"], "target": ["b", "c"],
    ...                       "weight": [0.5, -2.0]})
    >>> edges_to_matrix(edges, ["a", "b", "c"])  # doctest: +NORMALIZE_WHITESPACE
    target       a    b    c
    regulator
    a          0.0  0.5  0.0
    b          0.0  0.0 -2.0
    c          0.0  0.0  0.0
    """
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(
            "edges must be a pandas DataFrame with columns 'regulator', "
            f"'target' and optionally 'weight'; got {type(edges).__name__}."
        )
    if not is_edge_list(edges):
        raise ValueError(
            "edges must have columns 'regulator' and 'target' (and optionally "
            f"'weight'); got columns {list(edges.columns)}."
        )
    matrix = to_matrix(edges, check_gene_names(gene_names), what="edges")
    return gene_frame(matrix, list(gene_names))


def structure_balanced_accuracy(true_network, predicted_adjacency, *, gene_names=None):
    """Balanced accuracy of a predicted network structure.

    Computes ½(TPR + TNR) over the off-diagonal gene pairs, where TPR is the
    fraction of true edges that are predicted and TNR the fraction of
    non-edges that are not, with
    :func:`sklearn.metrics.balanced_accuracy_score`.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network, rows = regulators, columns = targets. Any nonzero
        entry is an edge (signs are ignored). Must have at least one edge and
        one non-edge off the diagonal.
    predicted_adjacency : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Predicted structure; any nonzero entry is a predicted edge. May also
        be an edge-list DataFrame (columns ``regulator``, ``target`` and
        optionally ``weight``). A DataFrame is aligned to a DataFrame
        ``true_network`` by gene name.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``; used only to place an edge
        list. Defaults to the labels of a DataFrame ``true_network``.

    Returns
    -------
    score : float
        Balanced accuracy in [0, 1]; 0.5 is chance level.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import structure_balanced_accuracy
    >>> true_network = np.array([[0, 1, 0],
    ...                          [0, 0, 1],
    ...                          [0, 0, 0]])
    >>> predicted = np.array([[1, 1, 1],
    ...                       [0, 0, 0],
    ...                       [0, 0, 0]])
    >>> structure_balanced_accuracy(true_network, predicted)  # (1/2 + 3/4) / 2
    0.625
    """
    reference, adjacency = _prepare(
        true_network, predicted_adjacency, "predicted_adjacency", gene_names
    )
    return _balanced_accuracy(reference, adjacency)


def edge_auroc(true_network, edge_scores, *, normalize=None, gene_names=None):
    """Area under the ROC curve of edges ranked by absolute score.

    Off-diagonal gene pairs are ranked by ``|edge_scores|`` and compared with
    the reference edges using :func:`sklearn.metrics.roc_auc_score`.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network, rows = regulators, columns = targets. Any nonzero
        entry is an edge (signs are ignored). Must have at least one edge and
        one non-edge off the diagonal.
    edge_scores : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Signed or unsigned edge strengths, e.g. the effect matrix
        ``network_``; only their absolute value matters. May also be an
        edge-list DataFrame (columns ``regulator``, ``target``, ``weight``).
        A DataFrame is aligned to a DataFrame ``true_network`` by gene name.
    normalize : {None, "target"}, default=None
        ``"target"`` applies the reference PHOENIX normalisation before
        ranking: each column (target) j becomes ``|E_ij| / sum_i |E_ij|``,
        the sum running over the off-diagonal entries of the column; a column
        that sums to 0 stays 0. This ranks each regulator relative to the
        other regulators of the same target.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``; used only to place an edge
        list. Defaults to the labels of a DataFrame ``true_network``.

    Returns
    -------
    score : float
        AUROC in [0, 1]; 0.5 is chance level.

    See Also
    --------
    edge_aupr : Area under the precision-recall curve of the same ranking.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import edge_auroc
    >>> true_network = np.array([[0, 1, 0],
    ...                          [0, 0, 1],
    ...                          [0, 0, 0]])
    >>> edge_scores = np.array([[9.0, -0.8, 0.1],
    ...                         [0.3, 9.0, 0.2],
    ...                         [0.0, 0.4, 9.0]])
    >>> edge_auroc(true_network, edge_scores)  # 6 of 8 (edge, non-edge) pairs ordered
    0.75
    """
    reference, scores = _prepare(true_network, edge_scores, "edge_scores", gene_names)
    return _auroc(reference, scores, normalize)


def edge_aupr(true_network, edge_scores, *, normalize=None, gene_names=None):
    """Area under the precision-recall curve of edges ranked by absolute score.

    Off-diagonal gene pairs are ranked by ``|edge_scores|`` and compared with
    the reference edges; the area is the average precision
    (:func:`sklearn.metrics.average_precision_score`), which does not
    interpolate between operating points.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network, rows = regulators, columns = targets. Any nonzero
        entry is an edge (signs are ignored). Must have at least one edge and
        one non-edge off the diagonal.
    edge_scores : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Signed or unsigned edge strengths; only their absolute value matters.
        May also be an edge-list DataFrame (columns ``regulator``, ``target``,
        ``weight``). A DataFrame is aligned to a DataFrame ``true_network``
        by gene name.
    normalize : {None, "target"}, default=None
        ``"target"`` divides each column j by ``sum_i |E_ij|`` over its
        off-diagonal entries before ranking (columns summing to 0 stay 0); see
        :func:`edge_auroc`.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``; used only to place an edge
        list. Defaults to the labels of a DataFrame ``true_network``.

    Returns
    -------
    score : float
        Average precision in [0, 1]; chance level is the fraction of
        off-diagonal pairs that are true edges.

    See Also
    --------
    edge_auroc : Area under the ROC curve of the same ranking.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import edge_aupr
    >>> true_network = np.array([[0, 1, 0],
    ...                          [0, 0, 1],
    ...                          [0, 0, 0]])
    >>> edge_scores = np.array([[9.0, -0.8, 0.1],
    ...                         [0.3, 9.0, 0.2],
    ...                         [0.0, 0.4, 9.0]])
    >>> edge_aupr(true_network, edge_scores)  # (1/1 + 2/4) / 2
    0.75
    """
    reference, scores = _prepare(true_network, edge_scores, "edge_scores", gene_names)
    return _aupr(reference, scores, normalize)


def early_precision(true_network, edge_scores, *, k=None, gene_names=None):
    """Precision among the top-k edges ranked by absolute score.

    The off-diagonal gene pairs are sorted by decreasing ``|edge_scores|``
    and the first ``k`` are taken as the predicted edges. Ties are broken
    deterministically by a stable sort: among pairs with equal ``|score|``
    the one that comes first in row-major order (regulator index, then
    target index, in the gene order of ``true_network``) ranks higher.
    Pairs whose score is exactly 0 are never predicted edges, so when fewer
    than ``k`` pairs have a nonzero score the precision is taken over those
    pairs only (as in BEELINE's early precision); with no nonzero score at
    all it is 0.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network, rows = regulators, columns = targets. Any nonzero
        entry is an edge (signs are ignored).
    edge_scores : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Signed or unsigned edge strengths; only their absolute value matters.
        May also be an edge-list DataFrame (columns ``regulator``, ``target``,
        ``weight``). A DataFrame is aligned to a DataFrame ``true_network``
        by gene name.
    k : int, default=None
        Number of top-ranked pairs to keep, between 1 and the number of
        off-diagonal pairs. Defaults to the number of true off-diagonal
        edges.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``; used only to place an edge
        list. Defaults to the labels of a DataFrame ``true_network``.

    Returns
    -------
    score : float
        Precision in [0, 1], computed with
        :func:`sklearn.metrics.precision_score`.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import early_precision
    >>> true_network = np.array([[0, 1, 0],
    ...                          [0, 0, 1],
    ...                          [0, 0, 0]])
    >>> edge_scores = np.array([[9.0, -0.8, 0.1],
    ...                         [0.3, 9.0, 0.2],
    ...                         [0.0, 0.4, 9.0]])
    >>> early_precision(true_network, edge_scores)  # top 2: (0, 1) true, (2, 1) false
    0.5
    >>> early_precision(true_network, edge_scores, k=1)
    1.0
    """
    reference, scores = _prepare(true_network, edge_scores, "edge_scores", gene_names)
    return _early_precision(reference, scores, k)


def weight_sparsity(weights):
    """Fraction of exactly-zero entries across a collection of weight arrays.

    This is the DASH sparsity of §4 of the design when given the masked
    matrices ``[W1Π, W1Σ, W2Π ⊙ ReLU(υ), W2Σ ⊙ ReLU(υ)]``, computed by the
    caller.

    Parameters
    ----------
    weights : sequence of array-like or sparse matrices, or a single array
        The arrays to count; all their entries are pooled. Torch tensors must
        be converted first (``tensor.detach().cpu().numpy()``). NaN counts as
        nonzero. A sparse matrix counts its stored zeros and its implicit
        zeros.

    Returns
    -------
    sparsity : float
        Number of zero entries divided by the total number of entries.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import weight_sparsity
    >>> weight_sparsity([np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([2.0, 0.0])])
    0.6666666666666666
    """
    if isinstance(weights, (np.ndarray, str, bytes)) or sparse.issparse(weights):
        if isinstance(weights, (str, bytes)):
            raise TypeError("weights must be a sequence of numeric arrays.")
        weights = [weights]
    try:
        items = list(weights)
    except TypeError as exc:
        raise TypeError(
            "weights must be a sequence of numeric arrays; got "
            f"{type(weights).__name__}."
        ) from exc
    n_total = 0
    n_nonzero = 0
    for position, item in enumerate(items):
        if sparse.issparse(item):
            n_total += int(np.prod(item.shape))
            n_nonzero += int(item.count_nonzero())
            continue
        array = np.asarray(item)
        if array.dtype.kind not in "biufc":
            raise ValueError(
                f"weights[{position}] is not numeric (dtype {array.dtype})."
            )
        n_total += array.size
        n_nonzero += int(np.count_nonzero(array))
    if n_total == 0:
        raise ValueError("weights contains no entries; sparsity is undefined.")
    return (n_total - n_nonzero) / n_total


def network_scores(true_network, edge_scores, predicted_adjacency=None, *, gene_names=None):
    """All network scores of a prediction against a reference, in one dict.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network, rows = regulators, columns = targets. Any nonzero
        entry is an edge (signs are ignored). Must have at least one edge and
        one non-edge off the diagonal.
    edge_scores : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Signed or unsigned edge strengths (e.g. the effect matrix
        ``network_``), or an edge-list DataFrame (columns ``regulator``,
        ``target``, ``weight``).
    predicted_adjacency : array-like, sparse matrix or DataFrame, default=None
        Predicted structure (nonzero = edge), or an edge-list DataFrame.
        Defaults to ``edge_scores != 0``.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``; used only to place edge
        lists. Defaults to the labels of a DataFrame ``true_network``.

    Returns
    -------
    scores : dict
        With keys

        - ``"balanced_accuracy"``: :func:`structure_balanced_accuracy` of the
          predicted adjacency;
        - ``"auroc"``, ``"aupr"``: :func:`edge_auroc` and :func:`edge_aupr`
          of ``edge_scores``;
        - ``"auroc_target_normalized"``, ``"aupr_target_normalized"``: the
          same with ``normalize="target"``;
        - ``"early_precision"``: :func:`early_precision` with k = number of
          true edges;
        - ``"precision"``, ``"recall"``, ``"f1"``: of the predicted
          adjacency against the reference edges (precision is 0 for an empty
          prediction);
        - ``"n_predicted_edges"``: number of off-diagonal predicted edges
          (int);
        - ``"network_density"``: that number divided by the number of
          off-diagonal pairs, n_genes * (n_genes - 1).

        Every value excludes the diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import network_scores
    >>> true_network = np.array([[0, 1, 0],
    ...                          [0, 0, 1],
    ...                          [0, 0, 0]])
    >>> edge_scores = np.array([[9.0, -0.8, 0.0],
    ...                         [0.0, 9.0, 0.2],
    ...                         [0.0, 0.4, 9.0]])
    >>> scores = network_scores(true_network, edge_scores)
    >>> scores["balanced_accuracy"], scores["n_predicted_edges"]
    (0.875, 3)
    >>> scores["network_density"]
    0.5
    """
    reference, scores = _prepare(true_network, edge_scores, "edge_scores", gene_names)
    if predicted_adjacency is None:
        adjacency = scores != 0
    else:
        _, adjacency = _prepare(
            true_network, predicted_adjacency, "predicted_adjacency", gene_names
        )
        adjacency = adjacency != 0
    n_genes = reference.shape[0]
    n_predicted = int(np.count_nonzero(_off_diagonal(adjacency)))
    return {
        "balanced_accuracy": _balanced_accuracy(reference, adjacency),
        "auroc": _auroc(reference, scores, None),
        "aupr": _aupr(reference, scores, None),
        "auroc_target_normalized": _auroc(reference, scores, "target"),
        "aupr_target_normalized": _aupr(reference, scores, "target"),
        "early_precision": _early_precision(reference, scores, None),
        **_structure_scores(reference, adjacency),
        "n_predicted_edges": n_predicted,
        "network_density": n_predicted / (n_genes * (n_genes - 1)),
    }


def forecast_mse(estimator, X, *, t=None, trajectory=None):
    """Mean squared error of a fitted model's one-step forecasts.

    Each snapshot is forecast by integrating the model from the previous
    snapshot of its trajectory (the estimator's ``forecast``); the error is averaged over all genes and
    transitions (the quantity the model is trained to minimise).

    Parameters
    ----------
    estimator : DASHRegulatoryEstimator
        A fitted estimator.
    X : array-like or DataFrame of shape (n_samples, n_genes)
    t, trajectory : array-like of shape (n_samples,), default=None
        Time and trajectory of each row, as in ``fit``.

    Returns
    -------
    mse : float

    Examples
    --------
    >>> import numpy as np
    >>> from skdash import DASHRegulatoryEstimator
    >>> from skdash.metrics import forecast_mse
    >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(20, 3))
    >>> est = DASHRegulatoryEstimator(hidden_units=3, max_epochs=2, random_state=0).fit(X)
    >>> bool(forecast_mse(est, X) >= 0)
    True
    """
    check_is_fitted(estimator)
    observed, forecast, ends = estimator._one_step_forecasts(X, t, trajectory)
    return float(mean_squared_error(observed[ends], forecast[ends]))


# --------------------------------------------------------------------------
# Calibration of edge confidences
# --------------------------------------------------------------------------
def _check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer; got {n_bins!r}.")


def confidence_calibration(true_network, confidence, *, n_bins=10, gene_names=None):
    """Observed precision of the gene pairs against their confidence, in bins.

    Off-diagonal pairs are grouped into ``n_bins`` equal-width confidence bins
    on [0, 1] (the last one closed); in each non-empty bin the precision is the
    fraction of its pairs that are true edges.  A calibrated confidence has a
    precision close to the mean confidence in every bin.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network, rows = regulators, columns = targets; nonzero = edge.
    confidence : array-like or DataFrame of shape (n_genes, n_genes)
        Confidence of each pair, in [0, 1] (e.g. ``StabilitySelection.confidence_``).
    n_bins : int, default=10
        Number of equal-width bins.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``, to place an edge list.

    Returns
    -------
    table : DataFrame
        One row per non-empty bin: ``bin_low``, ``bin_high``, ``n_pairs``,
        ``mean_confidence``, ``precision``.

    See Also
    --------
    expected_calibration_error : The table summed into one number.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import confidence_calibration
    >>> true_network = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> confidence = np.array([[1.0, 0.9, 0.1], [0.0, 1.0, 0.2], [0.0, 0.95, 1.0]])
    >>> confidence_calibration(true_network, confidence, n_bins=2)[["n_pairs", "precision"]].values.tolist()
    [[4.0, 0.25], [2.0, 0.5]]
    """
    _check_n_bins(n_bins)
    reference, values = _prepare(true_network, confidence, "confidence", gene_names)
    y_true, y_confidence = _off_diagonal(reference), _off_diagonal(values)
    if np.any((y_confidence < 0) | (y_confidence > 1)):
        raise ValueError(
            f"confidence must lie in [0, 1]; got values from {y_confidence.min():.4g} to {y_confidence.max():.4g}."
        )
    # the small offset keeps values such as 7/10 in the bin that starts at 0.7
    bins = np.minimum(np.floor(y_confidence * n_bins + 1e-9).astype(int), n_bins - 1)
    frame = pd.DataFrame({"bin": bins, "confidence": y_confidence, "edge": y_true.astype(float)})
    table = frame.groupby("bin").agg(n_pairs=("edge", "size"), mean_confidence=("confidence", "mean"),
                                     precision=("edge", "mean"))
    table.insert(0, "bin_high", (table.index + 1) / n_bins)
    table.insert(0, "bin_low", table.index / n_bins)
    table["n_pairs"] = table["n_pairs"].astype(float)
    return table.reset_index(drop=True)


def expected_calibration_error(true_network, confidence, *, n_bins=10, gene_names=None):
    """Expected calibration error of edge confidences.

    The mean over off-diagonal pairs of ``|precision - mean confidence|`` of
    their bin (see :func:`confidence_calibration`): 0 for a calibrated
    confidence.  Most pairs of a sparse network have a low confidence and are
    non-edges, so this average is dominated by the lowest bin; read it beside
    the calibration table.

    Parameters
    ----------
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network; nonzero = edge.
    confidence : array-like or DataFrame of shape (n_genes, n_genes)
        Confidence of each pair, in [0, 1].
    n_bins : int, default=10
        Number of equal-width bins.
    gene_names : sequence of str, default=None
        Order of the genes of ``true_network``, to place an edge list.

    Returns
    -------
    error : float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.metrics import expected_calibration_error
    >>> true_network = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> confidence = np.array([[1.0, 0.9, 0.1], [0.0, 1.0, 0.2], [0.0, 0.95, 1.0]])
    >>> # 4/6 * |0.25 - 0.075| + 2/6 * |0.5 - 0.925|
    >>> round(expected_calibration_error(true_network, confidence, n_bins=2), 4)
    0.2583
    """
    table = confidence_calibration(true_network, confidence, n_bins=n_bins, gene_names=gene_names)
    weights = table["n_pairs"] / table["n_pairs"].sum()
    return float(np.sum(weights * np.abs(table["precision"] - table["mean_confidence"])))
