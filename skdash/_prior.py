"""Prior knowledge as the estimator receives it: validation, alignment of a
labelled prior to the genes of X, and conversion to the tensors DASH uses."""

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from ._gene_matrix import to_matrix

#: Below this density the prior is kept sparse inside the pruning scores.
SPARSE_DENSITY = 0.1


def align_gene_matrix(matrix, gene_names, n_genes, what="prior"):
    """Return ``matrix`` as a float64 ndarray or CSR matrix ordered like the genes of X.

    A DataFrame is aligned to ``gene_names`` by label (an error lists genes of X it
    lacks and genes it has that X lacks); an unlabelled matrix must already have
    shape (n_genes, n_genes) and is taken in X's column order.  The rules are those
    of :func:`skdash._gene_matrix.to_matrix`.
    """
    if isinstance(matrix, pd.DataFrame) and gene_names is None:
        raise ValueError(
            f"The {what} is a DataFrame with gene names but X has none, so they cannot be matched. "
            "If X went through a scikit-learn transformer first (e.g. MinMaxScaler in a Pipeline), "
            "that step turned the DataFrame into an array: keep the names with "
            "`pipeline.set_output(transform=\"pandas\")`, e.g. `make_pipeline(MinMaxScaler(), "
            "DASHRegulatoryEstimator(prior=prior)).set_output(transform=\"pandas\")`. Otherwise pass X "
            f"as a DataFrame whose columns are the gene names, or give the {what} as an array in X's "
            f"column order ({what}.loc[genes, genes].to_numpy())."
        )
    genes = None if gene_names is None else [str(name) for name in gene_names]
    return to_matrix(matrix, genes, what=f"the {what}", source="X", n_genes=n_genes, keep_sparse=True)


def to_torch(matrix, *, absolute=False, device="cpu"):
    """float64 torch tensor, sparse (COO) when the matrix is sparse enough."""
    dense_density = (matrix.nnz if sp.issparse(matrix) else np.count_nonzero(matrix)) / max(1, np.prod(matrix.shape))
    if dense_density < SPARSE_DENSITY:
        coo = sp.coo_matrix(matrix)
        data = np.abs(coo.data) if absolute else coo.data
        tensor = torch.sparse_coo_tensor(np.vstack([coo.row, coo.col]), data, coo.shape, dtype=torch.float64,
                                         check_invariants=True)
        return tensor.coalesce().to(device)
    dense = matrix.toarray() if sp.issparse(matrix) else matrix
    return torch.tensor(np.abs(dense) if absolute else dense, dtype=torch.float64, device=device)


def has_edges(matrix):
    return (matrix.count_nonzero() if sp.issparse(matrix) else np.count_nonzero(matrix)) > 0
