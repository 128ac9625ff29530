"""The prior module (skdash._prior): alignment to the genes of X and the tensors DASH uses.
(How fit reports a bad prior is in test_validation.py.)"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from skdash._prior import SPARSE_DENSITY, align_gene_matrix, has_edges, to_torch


def test_a_labelled_prior_is_aligned_to_the_genes_of_X():
    prior = pd.DataFrame([[0.0, 1.0], [-2.0, 0.0]], index=["b", "a"], columns=["b", "a"])
    aligned = align_gene_matrix(prior, ["a", "b"], 2)
    np.testing.assert_array_equal(aligned, [[0.0, -2.0], [1.0, 0.0]])


def test_a_labelled_prior_needs_named_genes():
    prior = pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ValueError, match=r"X has none.*set_output\(transform=\"pandas\"\)"):
        align_gene_matrix(prior, None, 2)


def test_a_sparse_prior_stays_sparse_and_an_array_is_taken_in_X_order():
    prior = sp.csr_matrix(np.diag([1.0, 2.0, 3.0]))
    assert sp.issparse(align_gene_matrix(prior, None, 3))
    array = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(align_gene_matrix(array, None, 3), array)


@pytest.mark.parametrize("density", [0.01, 0.5])
def test_to_torch_is_sparse_below_the_density_threshold(density):
    n = 20
    matrix = np.zeros((n, n))
    matrix.flat[:round(density * n * n)] = -1.5
    tensor = to_torch(matrix, absolute=True)
    assert tensor.is_sparse == (density < SPARSE_DENSITY)
    np.testing.assert_array_equal(tensor.to_dense().numpy() if tensor.is_sparse else tensor.numpy(),
                                  np.abs(matrix))
    assert tensor.dtype == torch.float64


def test_has_edges():
    assert has_edges(np.eye(2)) and has_edges(sp.csr_matrix(np.eye(2)))
    assert not has_edges(np.zeros((2, 2))) and not has_edges(sp.csr_matrix((2, 2)))
