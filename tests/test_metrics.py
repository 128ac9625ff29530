"""Tests of skdash.metrics: hand-computed cases, diagonal exclusion, alignment, validation."""

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.metrics import average_precision_score, roc_auc_score

from skdash import metrics
from skdash.metrics import (
    early_precision,
    edge_aupr,
    edge_auroc,
    edges_to_matrix,
    network_scores,
    structure_balanced_accuracy,
    weight_sparsity,
)

GENES = ["g0", "g1", "g2"]

# Reference: g0 -> g1 (activation), g1 -> g2 (repression). Off-diagonal pairs in
# row-major order: (0,1) T, (0,2) F, (1,0) F, (1,2) T, (2,0) F, (2,1) F.
TRUE = np.array(
    [
        [0, 1, 0],
        [0, 0, -1],
        [0, 0, 0],
    ]
)

# |scores| off-diagonal: (0,1)=.8 T, (0,2)=0, (1,0)=0, (1,2)=.2 T, (2,0)=0, (2,1)=.4 F.
SCORES = np.array(
    [
        [0.0, -0.8, 0.0],
        [0.0, 0.0, 0.2],
        [0.0, 0.4, 0.0],
    ]
)

# Hand-computed scores of SCORES against TRUE.
EXPECTED = {
    # predicted (0,1) T, (1,2) T, (2,1) F: TPR 2/2, TNR 3/4.
    "balanced_accuracy": 0.875,
    # positives .8 (beats 4 negatives) and .2 (beats the 3 zeros): 7/8.
    "auroc": 0.875,
    # ranking .8 T (P 1/1), .4 F, .2 T (P 2/3): (1 + 2/3) / 2.
    "aupr": 5 / 6,
    # columns: col0 all 0; col1 (0,1) 2/3 T, (2,1) 1/3 F; col2 (1,2) 1 T.
    "auroc_target_normalized": 1.0,
    "aupr_target_normalized": 1.0,
    # top 2: .8 T, .4 F.
    "early_precision": 0.5,
    # predicted (0,1) T, (1,2) T, (2,1) F of 2 true edges: P 2/3, R 1, F1 2 PR / (P + R) = 0.8.
    "precision": 2 / 3,
    "recall": 1.0,
    "f1": 0.8,
    "n_predicted_edges": 3,
    "network_density": 0.5,
}


def with_diagonal(matrix, value):
    matrix = np.array(matrix, dtype=float)
    np.fill_diagonal(matrix, value)
    return matrix


def as_frame(matrix, genes=GENES):
    return pd.DataFrame(matrix, index=genes, columns=genes)


def off_diagonal(matrix):
    matrix = np.asarray(matrix)
    return matrix[~np.eye(matrix.shape[0], dtype=bool)]


# --------------------------------------------------------------------------
# Hand-computed values
# --------------------------------------------------------------------------
def test_network_scores_hand_computed():
    scores = network_scores(TRUE, SCORES)
    assert set(scores) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        assert scores[key] == pytest.approx(expected, abs=1e-12), key
    assert isinstance(scores["n_predicted_edges"], int)
    assert all(isinstance(value, float) for key, value in scores.items()
               if key != "n_predicted_edges")


def test_individual_functions_match_hand_values():
    assert structure_balanced_accuracy(TRUE, SCORES != 0) == pytest.approx(0.875)
    assert edge_auroc(TRUE, SCORES) == pytest.approx(0.875)
    assert edge_aupr(TRUE, SCORES) == pytest.approx(5 / 6)
    assert edge_auroc(TRUE, SCORES, normalize="target") == pytest.approx(1.0)
    assert edge_aupr(TRUE, SCORES, normalize="target") == pytest.approx(1.0)
    assert early_precision(TRUE, SCORES) == pytest.approx(0.5)
    assert early_precision(TRUE, SCORES, k=1) == pytest.approx(1.0)
    assert early_precision(TRUE, SCORES, k=3) == pytest.approx(2 / 3)


def test_balanced_accuracy_four_genes():
    # 4 genes, 12 off-diagonal pairs, 3 true edges.
    true = np.zeros((4, 4))
    true[0, 1] = true[0, 2] = true[3, 0] = 1
    predicted = np.zeros((4, 4))
    predicted[0, 1] = 1  # TP
    predicted[3, 0] = 5  # TP (any nonzero is an edge)
    predicted[1, 2] = -1  # FP
    predicted[2, 3] = 0.1  # FP
    # TPR = 2/3, TNR = 7/9.
    expected = 0.5 * (2 / 3 + 7 / 9)
    assert structure_balanced_accuracy(true, predicted) == pytest.approx(expected)
    assert structure_balanced_accuracy(true, true) == 1.0
    assert structure_balanced_accuracy(true, with_diagonal(1 - true, 0)) == 0.0


def test_network_scores_with_separate_adjacency():
    adjacency = np.array([[0, 1, 1], [0, 0, 0], [0, 0, 0]])
    scores = network_scores(TRUE, SCORES, adjacency)
    # TPR 1/2, TNR 3/4; the ranking scores are unchanged.
    assert scores["balanced_accuracy"] == pytest.approx(0.625)
    assert scores["n_predicted_edges"] == 2
    assert scores["network_density"] == pytest.approx(2 / 6)
    assert scores["auroc"] == pytest.approx(EXPECTED["auroc"])


def test_signs_are_ignored():
    assert network_scores(-TRUE, -SCORES) == network_scores(np.abs(TRUE), np.abs(SCORES))


# --------------------------------------------------------------------------
# Diagonal exclusion
# --------------------------------------------------------------------------
@pytest.mark.parametrize("diagonal", [1e12, -1e12, 0.0])
@pytest.mark.parametrize("true_diagonal", [0, 1])
def test_diagonal_does_not_matter(diagonal, true_diagonal):
    true = with_diagonal(TRUE, true_diagonal)
    scores = with_diagonal(SCORES, diagonal)
    result = network_scores(true, scores)
    for key, expected in EXPECTED.items():
        assert result[key] == pytest.approx(expected, abs=1e-12), key
    assert early_precision(true, scores, k=1) == 1.0
    assert structure_balanced_accuracy(true, with_diagonal(SCORES, 1)) == 0.875


def test_diagonal_only_reference_is_rejected():
    with pytest.raises(ValueError, match="no edges off the diagonal"):
        edge_auroc(np.eye(3), SCORES)


# --------------------------------------------------------------------------
# Agreement with direct scikit-learn calls
# --------------------------------------------------------------------------
def test_against_direct_sklearn_calls():
    rng = np.random.default_rng(0)
    n = 7
    true = (rng.random((n, n)) < 0.3) * rng.choice([-1, 1], size=(n, n))
    scores = rng.normal(size=(n, n))
    scores[rng.random((n, n)) < 0.2] = 0.0
    np.fill_diagonal(scores, 1e6)
    y_true = off_diagonal(true) != 0
    y_score = np.abs(off_diagonal(scores))
    assert edge_auroc(true, scores) == pytest.approx(roc_auc_score(y_true, y_score))
    assert edge_aupr(true, scores) == pytest.approx(
        average_precision_score(y_true, y_score)
    )
    normalized = np.abs(scores)
    np.fill_diagonal(normalized, 0.0)
    normalized = normalized / normalized.sum(axis=0)
    assert edge_auroc(true, scores, normalize="target") == pytest.approx(
        roc_auc_score(y_true, off_diagonal(normalized))
    )


# --------------------------------------------------------------------------
# Per-target normalisation
# --------------------------------------------------------------------------
def test_target_normalization_changes_ranking():
    true = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    # Column 1 has large scores for both its regulators, column 2 a small one.
    scores = np.array(
        [
            [0.0, 10.0, 0.0],
            [2.0, 0.0, 1.0],
            [2.0, 9.0, 0.0],
        ]
    )
    # Raw: positives 10 (beats 4), 1 (beats the 0): 5/8; AP = (1 + 2/5) / 2.
    assert edge_auroc(true, scores) == pytest.approx(5 / 8)
    assert edge_aupr(true, scores) == pytest.approx(0.7)
    # Per target: col0 .5/.5, col1 10/19 (T) and 9/19, col2 1 (T) and 0.
    assert edge_auroc(true, scores, normalize="target") == pytest.approx(1.0)
    assert edge_aupr(true, scores, normalize="target") == pytest.approx(1.0)
    # The diagonal does not enter the column sums.
    assert edge_auroc(true, with_diagonal(scores, 1e9), normalize="target") == 1.0


def test_target_normalization_zero_column_stays_zero():
    true = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]])
    scores = np.array([[0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    # Column 0 sums to 0 (its true edge (2,0) scores 0), column 2 too.
    # Normalised: (0,1) .75 T, (2,1) .25 F, everything else 0.
    # Positives: .75 beats 4 negatives, 0 beats none (ties count 1/2 with 3 zeros).
    expected = (4 + 1.5) / 8
    assert edge_auroc(true, scores, normalize="target") == pytest.approx(expected)
    assert np.isfinite(edge_aupr(true, scores, normalize="target"))


def test_invalid_normalize():
    with pytest.raises(ValueError, match="normalize must be None or 'target'"):
        edge_auroc(TRUE, SCORES, normalize="regulator")
    with pytest.raises(ValueError, match="normalize must be None or 'target'"):
        edge_aupr(TRUE, SCORES, normalize=True)


# --------------------------------------------------------------------------
# Early precision
# --------------------------------------------------------------------------
def test_early_precision_ties_are_broken_in_row_major_order():
    scores = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    # All tied: top-k are the first k off-diagonal pairs in row-major order,
    # (0,1) T, (0,2) F, (1,0) F, (1,2) T, ...
    assert early_precision(TRUE, scores, k=1) == 1.0
    assert early_precision(TRUE, scores, k=2) == 0.5
    assert early_precision(TRUE, scores, k=3) == pytest.approx(1 / 3)
    assert early_precision(TRUE, scores, k=4) == 0.5
    # Swapping the truth of the first two pairs swaps the result for k=1.
    true = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 0]])
    assert early_precision(true, scores, k=1) == 0.0
    # Negative and positive scores of equal magnitude tie too.
    assert early_precision(TRUE, scores * np.array([[1, -1, 1]]), k=1) == 1.0


def test_early_precision_zero_scores_are_not_edges():
    scores = np.zeros((3, 3))
    scores[1, 2] = 0.5  # one true edge, nothing else predicted
    assert early_precision(TRUE, scores) == 1.0
    assert early_precision(TRUE, scores, k=6) == 1.0
    assert early_precision(TRUE, np.zeros((3, 3))) == 0.0


def test_early_precision_default_k_is_number_of_true_edges():
    rng = np.random.default_rng(1)
    true = rng.random((6, 6)) < 0.3
    np.fill_diagonal(true, True)
    scores = rng.random((6, 6))
    n_true = int(off_diagonal(true).sum())
    assert early_precision(true, scores) == early_precision(true, scores, k=n_true)


def test_early_precision_explicit_k_without_true_edges():
    assert early_precision(np.zeros((3, 3)), SCORES, k=2) == 0.0


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_early_precision_invalid_k(k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        early_precision(TRUE, SCORES, k=k)


def test_early_precision_k_too_large_and_no_true_edges():
    with pytest.raises(ValueError, match="exceeds the number of off-diagonal"):
        early_precision(TRUE, SCORES, k=7)
    with pytest.raises(ValueError, match="pass k explicitly"):
        early_precision(np.zeros((3, 3)), SCORES)


# --------------------------------------------------------------------------
# DataFrames: alignment by gene name
# --------------------------------------------------------------------------
def test_dataframe_alignment_permuted_gives_same_scores():
    order = ["g2", "g0", "g1"]
    scores_frame = as_frame(SCORES).loc[order, order]
    adjacency_frame = as_frame(SCORES != 0).loc[["g1", "g2", "g0"], ["g0", "g2", "g1"]]
    true_frame = as_frame(TRUE)
    assert network_scores(true_frame, scores_frame, adjacency_frame) == network_scores(
        TRUE, SCORES
    )
    assert edge_auroc(true_frame, scores_frame) == edge_auroc(TRUE, SCORES)
    assert edge_aupr(true_frame, scores_frame, normalize="target") == edge_aupr(
        TRUE, SCORES, normalize="target"
    )
    assert early_precision(true_frame, scores_frame, k=1) == 1.0
    assert structure_balanced_accuracy(true_frame, adjacency_frame) == 0.875


def test_permuting_unlabeled_array_is_not_undone():
    order = [2, 0, 1]
    permuted = SCORES[np.ix_(order, order)]
    assert edge_auroc(as_frame(TRUE), permuted) != edge_auroc(TRUE, SCORES)


def test_dataframe_unknown_and_missing_genes():
    true_frame = as_frame(TRUE)
    other = as_frame(SCORES, ["g0", "g1", "gX"])
    with pytest.raises(ValueError, match=r"missing from edge_scores.*'g2'") as info:
        edge_auroc(true_frame, other)
    assert "'gX'" in str(info.value) and "not in true_network" in str(info.value)
    bigger = pd.DataFrame(
        np.ones((4, 4)), index=GENES + ["g3"], columns=GENES + ["g3"]
    )
    with pytest.raises(ValueError, match=r"not in true_network: \['g3'\]"):
        structure_balanced_accuracy(true_frame, bigger)
    smaller = as_frame(SCORES).loc[["g0", "g1"], ["g0", "g1"]]
    with pytest.raises(ValueError, match=r"missing from predicted_adjacency.*'g2'"):
        network_scores(true_frame, SCORES, smaller)


def test_dataframe_duplicate_and_inconsistent_labels():
    duplicated = pd.DataFrame(SCORES, index=["g0", "g0", "g2"], columns=GENES)
    with pytest.raises(ValueError, match=r"lists these regulators \(rows\) more than once: \['g0'\]"):
        edge_auroc(as_frame(TRUE), duplicated)
    # A reference (or a positionally used prediction) must have index == columns.
    scrambled = pd.DataFrame(TRUE, index=GENES, columns=["g1", "g0", "g2"])
    with pytest.raises(ValueError, match="same genes in the same order"):
        edge_auroc(scrambled, SCORES)
    with pytest.raises(ValueError, match="same genes in the same order"):
        edge_auroc(TRUE, pd.DataFrame(SCORES, index=GENES, columns=["g1", "g0", "g2"]))


def test_mixed_dataframe_and_array_is_positional():
    assert network_scores(as_frame(TRUE), SCORES) == network_scores(TRUE, SCORES)
    assert network_scores(TRUE, as_frame(SCORES)) == network_scores(TRUE, SCORES)


# --------------------------------------------------------------------------
# Sparse input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.coo_array, sparse.csc_array])
def test_sparse_input(container):
    expected = network_scores(TRUE, SCORES)
    assert network_scores(container(TRUE), container(SCORES)) == expected
    assert network_scores(TRUE, container(SCORES), container(SCORES != 0)) == expected
    assert early_precision(container(TRUE), container(SCORES), k=1) == 1.0


# --------------------------------------------------------------------------
# Validation errors
# --------------------------------------------------------------------------
def test_non_square():
    with pytest.raises(ValueError, match=r"edge_scores must be a square matrix.*\(3, 4\)"):
        edge_auroc(TRUE, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="true_network must be a square matrix"):
        structure_balanced_accuracy(np.zeros((2, 3)), np.zeros((2, 3)))


def test_shape_mismatch():
    with pytest.raises(ValueError, match=r"edge_scores must have shape .*\(3, 3\).*got shape \(4, 4\)"):
        edge_aupr(TRUE, np.ones((4, 4)))
    with pytest.raises(ValueError, match="predicted_adjacency must have shape"):
        network_scores(TRUE, SCORES, np.ones((2, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite(bad):
    scores = SCORES.copy()
    scores[0, 2] = bad
    with pytest.raises(ValueError, match="edge_scores contains"):
        edge_auroc(TRUE, scores)
    true = TRUE.astype(float)
    true[2, 0] = bad
    with pytest.raises(ValueError, match="true_network contains"):
        edge_auroc(true, SCORES)
    with pytest.raises(ValueError, match="edge_scores contains"):
        edge_auroc(TRUE, sparse.csr_matrix(scores))


def test_non_finite_on_diagonal_is_still_rejected():
    with pytest.raises(ValueError, match="contains NaN"):
        early_precision(TRUE, with_diagonal(SCORES, np.nan))


@pytest.mark.parametrize(
    "function",
    [structure_balanced_accuracy, edge_auroc, edge_aupr, network_scores],
)
def test_no_true_edges(function):
    with pytest.raises(ValueError, match="no edges off the diagonal"):
        function(np.zeros((3, 3)), SCORES)


@pytest.mark.parametrize("function", [structure_balanced_accuracy, edge_auroc, edge_aupr])
def test_no_non_edges(function):
    with pytest.raises(ValueError, match="no non-edges off the diagonal"):
        function(np.ones((3, 3)), SCORES)


def test_wrong_dimensions_and_types():
    with pytest.raises(ValueError, match="2-D square matrix.*1-D"):
        edge_auroc(np.array([0, 1, 0]), SCORES)
    with pytest.raises(ValueError, match="at least 2 genes"):
        edge_auroc(np.ones((1, 1)), np.ones((1, 1)))
    with pytest.raises(TypeError, match="edge_scores must be numeric"):
        edge_auroc(TRUE, np.array([["a", "b", "c"]] * 3))


def test_reference_edge_list_is_rejected_with_hint():
    edges = pd.DataFrame({"regulator": ["g0"], "target": ["g1"]})
    with pytest.raises(ValueError, match="edges_to_matrix"):
        edge_auroc(edges, SCORES)


# --------------------------------------------------------------------------
# Edge lists
# --------------------------------------------------------------------------
def test_edges_to_matrix_round_trip():
    rng = np.random.default_rng(2)
    genes = ["a", "b", "c", "d"]
    matrix = rng.normal(size=(4, 4)) * (rng.random((4, 4)) < 0.5)
    frame = pd.DataFrame(matrix, index=genes, columns=genes)
    long = frame.stack().rename("weight").rename_axis(["regulator", "target"])
    edges = long[long != 0].reset_index().sample(frac=1.0, random_state=0)
    rebuilt = edges_to_matrix(edges, genes)
    np.testing.assert_array_equal(rebuilt.to_numpy(), matrix)
    assert list(rebuilt.index) == genes and list(rebuilt.columns) == genes
    # Another gene order places the same edges elsewhere.
    other = edges_to_matrix(edges, genes[::-1])
    np.testing.assert_array_equal(other.to_numpy(), matrix[::-1, ::-1])


def test_edges_to_matrix_default_weight_and_extra_columns():
    edges = pd.DataFrame({"regulator": ["a", "b"], "target": ["b", "a"], "note": [1, 2]})
    result = edges_to_matrix(edges, ["a", "b"])
    np.testing.assert_array_equal(result.to_numpy(), [[0.0, 1.0], [1.0, 0.0]])


def test_edges_to_matrix_errors():
    edges = pd.DataFrame({"regulator": ["a", "zz"], "target": ["b", "yy"], "weight": [1, 2]})
    unknown = r"1 regulator not in gene_names: \['zz'\]; 1 target not in gene_names: \['yy'\]"
    with pytest.raises(ValueError, match=unknown):
        edges_to_matrix(edges, ["a", "b"])
    repeated = pd.DataFrame({"regulator": ["a", "a"], "target": ["b", "b"]})
    with pytest.raises(ValueError, match="more than once"):
        edges_to_matrix(repeated, ["a", "b"])
    with pytest.raises(ValueError, match=r"gene_names lists these genes more than once: \['a'\]"):
        edges_to_matrix(repeated.iloc[:1], ["a", "b", "a"])
    with pytest.raises(ValueError, match="'weight' column of edges contains NaN or infinite values"):
        edges_to_matrix(
            pd.DataFrame({"regulator": ["a"], "target": ["b"], "weight": [np.nan]}),
            ["a", "b"],
        )
    with pytest.raises(ValueError, match="columns 'regulator' and 'target'"):
        edges_to_matrix(pd.DataFrame({"source": ["a"], "target": ["b"]}), ["a", "b"])
    with pytest.raises(TypeError, match="pandas DataFrame"):
        edges_to_matrix(np.zeros((2, 2)), ["a", "b"])
    with pytest.raises(TypeError, match="list of gene names; got a string"):
        edges_to_matrix(repeated.iloc[:1], "ab")


def _edge_list(matrix, genes):
    frame = as_frame(matrix, genes)
    long = frame.stack().rename("weight").rename_axis(["regulator", "target"])
    return long[long != 0].reset_index()


def test_edge_list_inputs_match_matrix():
    edges = _edge_list(SCORES, GENES)
    expected = network_scores(TRUE, SCORES)
    assert network_scores(TRUE, edges, gene_names=GENES) == expected
    # A DataFrame reference supplies the gene names.
    assert network_scores(as_frame(TRUE), edges) == expected
    assert network_scores(as_frame(TRUE), SCORES, edges) == expected
    # gene_names in another order: the matrix is aligned to the reference by name.
    assert edge_auroc(as_frame(TRUE), edges, gene_names=GENES[::-1]) == expected["auroc"]
    assert early_precision(TRUE, edges, gene_names=GENES, k=1) == 1.0
    adjacency_edges = _edge_list(SCORES != 0, GENES).drop(columns="weight")
    assert structure_balanced_accuracy(TRUE, adjacency_edges, gene_names=GENES) == 0.875


def test_edge_list_errors():
    edges = _edge_list(SCORES, GENES)
    with pytest.raises(ValueError, match="pass gene_names"):
        edge_auroc(TRUE, edges)
    with pytest.raises(ValueError, match=r"not in gene_names: \['g2'\]"):
        edge_auroc(TRUE, edges, gene_names=["g0", "g1", "other"])


# --------------------------------------------------------------------------
# Weight sparsity
# --------------------------------------------------------------------------
def test_weight_sparsity_hand_computed():
    h, n = 2, 3
    w1_prod = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])  # 4 zeros
    w1_sum = np.zeros((h, n))  # 6 zeros
    upsilon = np.array([1.0, -0.5, 2.0])  # ReLU zeroes row 1 of the second layers
    relu = np.maximum(upsilon, 0.0)[:, None]
    w2_prod = np.ones((n, h)) * relu  # 2 zeros
    w2_sum = np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]) * relu  # 4 zeros
    sparsity = weight_sparsity([w1_prod, w1_sum, w2_prod, w2_sum])
    assert sparsity == pytest.approx(16 / (4 * h * n))


def test_weight_sparsity_inputs():
    assert weight_sparsity(np.array([[0.0, 1.0], [0.0, 0.0]])) == 0.75
    assert weight_sparsity((np.zeros(3), [1, 0, 0, 0, 0])) == 7 / 8
    explicit_zero = sparse.csr_matrix(([0.0, 1.0], ([0, 1], [0, 1])), shape=(2, 2))
    assert weight_sparsity([explicit_zero]) == 0.75
    assert weight_sparsity(sparse.eye(4)) == 0.75
    assert weight_sparsity([np.array([np.nan, 0.0])]) == 0.5
    assert weight_sparsity([np.array([-0.0, 0.0, 1e-300])]) == pytest.approx(2 / 3)


def test_weight_sparsity_errors():
    with pytest.raises(ValueError, match="no entries"):
        weight_sparsity([])
    with pytest.raises(ValueError, match="no entries"):
        weight_sparsity([np.zeros((0, 3))])
    with pytest.raises(ValueError, match=r"weights\[1\] is not numeric"):
        weight_sparsity([np.zeros(2), np.array(["a"])])
    with pytest.raises(TypeError):
        weight_sparsity(3.0)
    with pytest.raises(TypeError):
        weight_sparsity("abc")


# --------------------------------------------------------------------------
# Calibration of edge confidences
# --------------------------------------------------------------------------
def test_calibration_table_and_error():
    from skdash.metrics import confidence_calibration, expected_calibration_error
    true_network = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
    confidence = np.where(true_network, 0.75, 0.25)
    confidence[0, 2] = 0.75  # one confident non-edge
    np.fill_diagonal(confidence, 1.0)  # ignored
    table = confidence_calibration(true_network, confidence, n_bins=4)
    assert table["bin_low"].tolist() == [0.25, 0.75] and table["n_pairs"].tolist() == [7, 5]
    np.testing.assert_allclose(table["precision"], [0.0, 0.8])
    # 7/12 * 0.25 + 5/12 * 0.05
    assert expected_calibration_error(true_network, confidence, n_bins=4) == pytest.approx(0.1666667)
    # a confidence equal to the edge indicator is perfectly calibrated
    assert expected_calibration_error(true_network, true_network.astype(float)) == 0.0
    # 1.0 falls in the last (closed) bin
    assert confidence_calibration(true_network, np.ones((4, 4)), n_bins=2)["bin_low"].tolist() == [0.5]


def test_calibration_errors():
    from skdash.metrics import confidence_calibration
    true_network = np.eye(3, k=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        confidence_calibration(true_network, -np.ones((3, 3)))
    with pytest.raises(ValueError, match="n_bins"):
        confidence_calibration(true_network, np.zeros((3, 3)), n_bins=1.5)
    with pytest.raises(ValueError, match="shape"):
        confidence_calibration(true_network, np.zeros((2, 2)))


# --------------------------------------------------------------------------
# Module hygiene
# --------------------------------------------------------------------------
def test_public_api_and_docstring_examples():
    assert sorted(metrics.__all__) == sorted(
        [
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
    )
    for name in metrics.__all__:
        function = getattr(metrics, name)
        assert "Examples" in function.__doc__, name
    result = doctest.testmod(metrics, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= len(metrics.__all__)
    assert result.failed == 0
