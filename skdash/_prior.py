"""Prior knowledge as the estimator receives it: validation, alignment of a
labelled prior to the genes of X, and conversion to the tensors DASH uses."""

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

#: Below this density the prior is kept sparse inside the pruning scores.
SPARSE_DENSITY = 0.1


def _check_gene_labels(frame, what):
    if not frame.index.equals(frame.columns):
        raise ValueError(
            f"The {what} DataFrame must have the same gene names, in the same order, as "
            "index (regulators) and columns (targets)."
        )
    duplicated = frame.index[frame.index.duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(f"The {what} DataFrame names these genes more than once: {duplicated[:10]}.")


def align_gene_matrix(matrix, gene_names, n_genes, what="prior"):
    """Return ``matrix`` as a float64 ndarray or CSR matrix ordered like the genes of X.

    A DataFrame is aligned to ``gene_names`` by label (an error lists genes of X it
    lacks and genes it has that X lacks); an unlabelled matrix must already have
    shape (n_genes, n_genes) and is taken in X's column order.
    """
    if isinstance(matrix, pd.DataFrame):
        _check_gene_labels(matrix, what)
        if gene_names is None:
            raise ValueError(
                f"The {what} is a DataFrame with gene names but X has none, so they cannot be matched. "
                "If X went through a scikit-learn transformer first (e.g. MinMaxScaler in a Pipeline), "
                "that step turned the DataFrame into an array: keep the names with "
                "`pipeline.set_output(transform=\"pandas\")`, e.g. `make_pipeline(MinMaxScaler(), "
                "DASHRegulatoryEstimator(prior=prior)).set_output(transform=\"pandas\")`. Otherwise pass X "
                f"as a DataFrame whose columns are the gene names, or give the {what} as an array in X's "
                f"column order ({what}.loc[genes, genes].to_numpy())."
            )
        names = [str(g) for g in matrix.index]
        wanted = [str(g) for g in gene_names]
        missing = sorted(set(wanted) - set(names))
        unknown = sorted(set(names) - set(wanted))
        if missing or unknown:
            raise ValueError(
                f"The {what} and X name different genes. Genes of X missing from the {what}: "
                f"{missing[:10]}{' ...' if len(missing) > 10 else ''} ({len(missing)}); genes of the "
                f"{what} unknown in X: {unknown[:10]}{' ...' if len(unknown) > 10 else ''} "
                f"({len(unknown)}). Reindex it explicitly, e.g. "
                f"{what}.reindex(index=genes, columns=genes, fill_value=0)."
            )
        frame = matrix.copy()
        frame.index, frame.columns = names, names
        matrix = frame.loc[wanted, wanted].to_numpy()
    if sp.issparse(matrix):
        matrix = sp.csr_matrix(matrix, dtype=np.float64)
        values = matrix.data
    else:
        try:
            matrix = np.asarray(matrix, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"The {what} must be numeric: {error}") from None
        values = matrix
    if matrix.ndim != 2 or matrix.shape != (n_genes, n_genes):
        raise ValueError(
            f"The {what} must have shape (n_genes, n_genes) = ({n_genes}, {n_genes}) with rows as "
            f"regulators and columns as targets; got shape {matrix.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"The {what} contains NaN or infinite values.")
    return matrix


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
