"""The gene-matrix rules (skdash._gene_matrix): every form, alignment by label, errors."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skdash._gene_matrix import (
    check_gene_names,
    check_top_k,
    edge_list,
    gene_frame,
    is_edge_list,
    ranked_pairs,
    to_matrix,
)

GENES = ["a", "b", "c"]
MATRIX = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, -1.0], [0.5, 0.0, 3.0]])
EDGES = pd.DataFrame({"regulator": ["a", "b", "c", "c"], "target": ["b", "c", "a", "c"],
                      "weight": [2.0, -1.0, 0.5, 3.0]})


# --------------------------------------------------------------------------
# to_matrix: each form
# --------------------------------------------------------------------------
def test_array_is_read_by_position():
    result = to_matrix(MATRIX.tolist(), GENES, what="the prior")
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, MATRIX)
    np.testing.assert_array_equal(to_matrix(MATRIX, what="the prior"), MATRIX)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.coo_array, sp.csc_matrix])
def test_sparse_is_dense_unless_kept(container):
    dense = to_matrix(container(MATRIX), GENES, what="the prior")
    assert isinstance(dense, np.ndarray)
    np.testing.assert_array_equal(dense, MATRIX)
    kept = to_matrix(container(MATRIX), GENES, what="the prior", keep_sparse=True)
    assert sp.issparse(kept) and kept.format == "csr" and kept.dtype == np.float64
    np.testing.assert_array_equal(kept.toarray(), MATRIX)


def test_labelled_frame_is_aligned_by_label_on_each_axis():
    frame = pd.DataFrame(MATRIX, index=GENES, columns=GENES)
    shuffled = frame.loc[["c", "a", "b"], ["b", "c", "a"]]
    np.testing.assert_array_equal(to_matrix(shuffled, GENES, what="the prior"), MATRIX)
    # the result follows the requested gene order
    np.testing.assert_array_equal(to_matrix(frame, GENES[::-1], what="the prior"), MATRIX[::-1, ::-1])


def test_labels_are_compared_as_strings():
    frame = pd.DataFrame(MATRIX, index=[1, 2, 3], columns=["1", "2", "3"])
    np.testing.assert_array_equal(to_matrix(frame, ["3", "2", "1"], what="the prior"), MATRIX[::-1, ::-1])


def test_labelled_frame_without_gene_order_is_read_by_position():
    frame = pd.DataFrame(MATRIX, index=GENES, columns=GENES)
    np.testing.assert_array_equal(to_matrix(frame, what="true_network"), MATRIX)
    scrambled = pd.DataFrame(MATRIX, index=GENES, columns=["b", "a", "c"])
    with pytest.raises(ValueError, match="true_network is a DataFrame whose index .* same genes in the same order"):
        to_matrix(scrambled, what="true_network")


def test_fill_missing_zero_fills_genes_a_frame_leaves_out():
    # transcription factors x some targets
    frame = pd.DataFrame([[1.0, -1.0]], index=["b"], columns=["a", "c"])
    expected = np.zeros((3, 3))
    expected[1, 0], expected[1, 2] = 1.0, -1.0
    np.testing.assert_array_equal(to_matrix(frame, GENES, what="the prior", fill_missing=True), expected)
    with pytest.raises(ValueError, match=r"3 genes of X missing from the prior: \['a', 'b', 'c'\]"):
        to_matrix(frame, GENES, what="the prior", source="X")


def test_edge_list_is_placed_by_label():
    np.testing.assert_array_equal(to_matrix(EDGES, GENES, what="edges"), MATRIX)
    np.testing.assert_array_equal(to_matrix(EDGES.iloc[::-1], GENES[::-1], what="edges"), MATRIX[::-1, ::-1])
    unweighted = to_matrix(EDGES.drop(columns="weight"), GENES, what="edges")
    np.testing.assert_array_equal(unweighted, MATRIX != 0)
    confidence = EDGES.assign(confidence=[0.1, 0.2, 0.3, 0.4])
    assert to_matrix(confidence, GENES, what="edges", weight="confidence")[2, 2] == 0.4


def test_edge_list_and_matrix_round_trip():
    edges = edge_list(MATRIX, GENES, include_self_loops=True)
    np.testing.assert_array_equal(to_matrix(edges, GENES, what="edges"), MATRIX)


def test_is_edge_list():
    assert is_edge_list(EDGES) and is_edge_list(EDGES.drop(columns="weight"))
    assert not is_edge_list(pd.DataFrame(MATRIX)) and not is_edge_list(MATRIX)


# --------------------------------------------------------------------------
# to_matrix: errors name the argument and the genes
# --------------------------------------------------------------------------
def test_missing_and_unknown_genes_are_named():
    frame = pd.DataFrame(MATRIX, index=["a", "b", "z"], columns=["a", "b", "z"])
    with pytest.raises(ValueError, match=r"^The prior and X name different genes: 1 gene of X missing from "
                                         r"the prior: \['c'\]; 1 gene not in X: \['z'\]\. Reindex"):
        to_matrix(frame, GENES, what="the prior", source="X")
    rows_only = pd.DataFrame(MATRIX, index=["a", "b", "z"], columns=GENES)
    with pytest.raises(ValueError, match=r"1 regulator \(row\) not in true_network: \['z'\]"):
        to_matrix(rows_only, GENES, what="edge_scores", source="true_network")


def test_unknown_genes_are_bounded_by_shown_names():
    names = [f"x{i}" for i in range(12)]
    frame = pd.DataFrame(np.zeros((12, 12)), index=names, columns=names)
    with pytest.raises(ValueError, match=r"12 genes not in X: \['x0', .*'x9', \.\.\. \(12 in total\)\]"):
        to_matrix(frame, GENES, what="the prior", source="X", fill_missing=True)


def test_numeric_labels_get_a_hint():
    with pytest.raises(ValueError, match="look like numbers"):
        to_matrix(pd.DataFrame(MATRIX), GENES, what="the prior", source="X")


@pytest.mark.parametrize("index, columns, role", [
    (["a", "a", "c"], GENES, r"regulators \(rows\)"),
    (GENES, ["a", "b", "b"], r"targets \(columns\)"),
])
def test_duplicated_labels(index, columns, role):
    with pytest.raises(ValueError, match=rf"The prior lists these {role} more than once: \['[ab]'\]"):
        to_matrix(pd.DataFrame(MATRIX, index=index, columns=columns), GENES, what="the prior")


def test_edge_list_errors():
    with pytest.raises(ValueError, match=r"1 regulator not in gene_names: \['z'\]; 1 target not in gene_names: "
                                         r"\['y'\]"):
        to_matrix(pd.DataFrame({"regulator": ["a", "z"], "target": ["y", "b"]}), GENES, what="edges")
    with pytest.raises(ValueError, match=r"edges lists these edges more than once: \['a->b'\]"):
        to_matrix(pd.DataFrame({"regulator": ["a", "a"], "target": ["b", "b"]}), GENES, what="edges")
    with pytest.raises(TypeError, match="'weight' column of edges must be numeric"):
        to_matrix(EDGES.assign(weight="strong"), GENES, what="edges")
    with pytest.raises(ValueError, match="'weight' column of edges contains NaN"):
        to_matrix(EDGES.assign(weight=np.nan), GENES, what="edges")
    with pytest.raises(ValueError, match="edges is an edge list: it needs the gene names"):
        to_matrix(EDGES, what="edges")


@pytest.mark.parametrize("matrix, genes, message", [
    (np.zeros(3), None, r"The prior must be a 2-D square matrix .*got shape \(3,\) \(1-D\)"),
    (np.zeros((3, 2)), GENES, r"The prior must be a square matrix .*got shape \(3, 2\)"),
    (np.zeros((2, 2)), GENES, r"The prior must have shape \(n_genes, n_genes\) = \(3, 3\), the genes of X"),
    (np.full((3, 3), np.nan), GENES, "The prior contains NaN or infinite values"),
    (sp.csr_matrix(np.full((3, 3), np.inf)), GENES, "The prior contains NaN or infinite values"),
])
def test_shape_and_value_errors(matrix, genes, message):
    with pytest.raises(ValueError, match=message):
        to_matrix(matrix, genes, what="the prior", source="X")


def test_n_genes_without_names():
    with pytest.raises(ValueError, match=r"= \(4, 4\)"):
        to_matrix(MATRIX, what="the ppi", n_genes=4)


def test_non_numeric_values():
    with pytest.raises(TypeError, match="The prior must be numeric"):
        to_matrix(np.full((3, 3), "x"), GENES, what="the prior")


# --------------------------------------------------------------------------
# gene names and top_k
# --------------------------------------------------------------------------
def test_check_gene_names():
    assert check_gene_names(("a", 1)) == ["a", "1"]
    with pytest.raises(TypeError, match="gene_names must be a list of gene names; got a string"):
        check_gene_names("abc")
    with pytest.raises(TypeError, match="got int"):
        check_gene_names(3)
    with pytest.raises(ValueError, match="gene_names is empty"):
        check_gene_names([])
    with pytest.raises(ValueError, match=r"gene_names lists these genes more than once: \['a'\]"):
        check_gene_names(["a", "b", "a"])


@pytest.mark.parametrize("top_k", [None, 0, 1, np.int64(5)])
def test_valid_top_k(top_k):
    check_top_k(top_k)


@pytest.mark.parametrize("top_k", [-1, 1.0, True, "3"])
def test_invalid_top_k(top_k):
    with pytest.raises(ValueError, match="top_k must be a non-negative integer or None"):
        check_top_k(top_k)


# --------------------------------------------------------------------------
# edge_list and ranked_pairs
# --------------------------------------------------------------------------
def test_edge_list_default_is_nonzero_off_diagonal_by_weight():
    edges = edge_list(MATRIX, GENES)
    assert list(edges.columns) == ["regulator", "target", "weight"]
    assert edges[["regulator", "target"]].values.tolist() == [["a", "b"], ["b", "c"], ["c", "a"]]
    np.testing.assert_array_equal(edges["weight"], [2.0, -1.0, 0.5])
    assert isinstance(edges.index, pd.RangeIndex)


def test_edge_list_options():
    keep = np.ones((3, 3), dtype=bool)
    score = np.arange(9.0).reshape(3, 3)
    edges = edge_list(MATRIX, GENES, keep=keep, rank_by=score, top_k=2, values={"score": score})
    # every kept pair is listed (even with weight 0), the highest score first
    assert edges[["regulator", "target"]].values.tolist() == [["c", "b"], ["c", "a"]]
    np.testing.assert_array_equal(edges["score"], [7.0, 6.0])
    assert len(edge_list(MATRIX, GENES, top_k=0)) == 0
    assert edge_list(MATRIX, GENES, include_self_loops=True)["weight"].iloc[0] == 3.0
    assert edge_list(MATRIX, GENES, threshold=1.0)["weight"].tolist() == [2.0, -1.0]
    with pytest.raises(ValueError, match="threshold must be a non-negative number or None; got -1"):
        edge_list(MATRIX, GENES, threshold=-1)


def test_ranked_pairs_ties_keep_row_major_order():
    rows, columns = ranked_pairs(np.ones((3, 3), dtype=bool), rank_by=np.ones((3, 3)))
    assert list(zip(rows.tolist(), columns.tolist())) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    rows, _ = ranked_pairs(np.ones((3, 3), dtype=bool), rank_by=np.ones((3, 3)), top_k=0)
    assert rows.size == 0


def test_gene_frame_names_the_axes():
    frame = gene_frame(MATRIX, GENES)
    assert frame.index.name == "regulator" and frame.columns.name == "target"
    assert list(frame.index) == list(frame.columns) == GENES
