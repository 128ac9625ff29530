"""Regulator x target gene matrices and edge lists: one set of rules for every form.

A network, prior or reference reaches skdash as a NumPy array (or anything
array-like), a SciPy sparse matrix, a DataFrame labelled by gene (index =
regulators, columns = targets) or an edge list (a DataFrame with columns
``regulator``, ``target`` and optionally ``weight``).  :func:`to_matrix` turns
any of them into a float64 matrix in a given gene order, and :func:`edge_list`
turns a matrix back into a ranked edge list.  The rules, the same for every
caller:

- gene labels are compared as strings;
- a labelled DataFrame with a gene order is aligned by label, each axis on its
  own; without one it is read by position and must then list the same genes in
  the same order on its index and columns, so that its diagonal holds the
  self-loops;
- an unlabelled matrix is read by position;
- duplicated, unknown or missing genes, a wrong shape and NaN or infinite
  values are errors whose message names the argument (``what``) and the genes
  (bounded by :func:`~skdash._messages.shown_names`).

Every message starts with ``what``, a noun phrase such as ``"the prior"`` or
``"true_network"``; ``source`` names where the gene order comes from (``"X"``,
``"gene_names"``, ...).
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._messages import shown_names

#: The columns that make a DataFrame an edge list (a weight column is optional).
EDGE_COLUMNS = ("regulator", "target")


def _subject(what):
    """``what`` at the start of a sentence: "the prior" -> "The prior", "true_network" unchanged."""
    return "The" + what[3:] if what.startswith("the ") else what


def _count(n, singular, plural):
    return f"{n} {singular if n == 1 else plural}"


def is_edge_list(obj):
    """Whether ``obj`` is an edge-list DataFrame (columns regulator, target[, weight])."""
    return isinstance(obj, pd.DataFrame) and all(column in obj.columns for column in EDGE_COLUMNS)


def check_gene_names(gene_names, what="gene_names"):
    """Gene names as a list of unique strings; raise for a string, an empty or a repeating list."""
    if isinstance(gene_names, str) or not hasattr(gene_names, "__iter__"):
        got = "a string" if isinstance(gene_names, str) else type(gene_names).__name__
        raise TypeError(f"{_subject(what)} must be a list of gene names; got {got}.")
    names = [str(name) for name in gene_names]
    if not names:
        raise ValueError(f"{_subject(what)} is empty.")
    _check_unique(names, what, "genes")
    return names


def check_top_k(top_k):
    """``top_k`` is None or a non-negative integer (0 keeps no edge)."""
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, Integral) or top_k < 0):
        raise ValueError(f"top_k must be a non-negative integer or None; got {top_k!r}.")


def _check_unique(labels, what, role):
    labels = pd.Index(labels)
    if labels.has_duplicates:
        repeated = labels[labels.duplicated()].unique()
        raise ValueError(f"{_subject(what)} lists these {role} more than once: {shown_names(repeated)}.")


def _labels(index):
    return [str(label) for label in index]


def _mismatch(what, source, missing, unknown_by_role):
    """Raise the one error for genes that do not match: those missing and those unknown, by role."""
    parts = []
    if missing:
        parts.append(f"{_count(len(missing), 'gene', 'genes')} of {source} missing from {what}: "
                     f"{shown_names(missing)}")
    unknown_all = []
    for (singular, plural), unknown in unknown_by_role:
        if unknown:
            parts.append(f"{_count(len(unknown), singular, plural)} not in {source}: {shown_names(unknown)}")
            unknown_all.extend(unknown)
    if not parts:
        return
    message = f"{_subject(what)} and {source} name different genes: " + "; ".join(parts) + "."
    if unknown_all and pd.to_numeric(pd.Series(unknown_all), errors="coerce").notna().all():
        message += (" They look like numbers: label the regulators and targets by gene name, "
                    "not by position.")
    if missing:
        message += " Reindex it explicitly, e.g. `.reindex(index=genes, columns=genes, fill_value=0)`."
    raise ValueError(message)


def _unknown(labels, known):
    return [label for label in pd.unique(np.asarray(labels, dtype=object)) if label not in known]


def _place_edges(edges, genes, what, source, weight):
    """An edge list as a dense matrix in the order ``genes``; absent pairs are 0."""
    regulators = np.asarray(_labels(edges["regulator"]), dtype=object)
    targets = np.asarray(_labels(edges["target"]), dtype=object)
    known = set(genes)
    _mismatch(what, source, [], [(("regulator", "regulators"), _unknown(regulators, known)),
                                 (("target", "targets"), _unknown(targets, known))])
    if weight in edges.columns:
        try:
            values = edges[weight].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"The {weight!r} column of {what} must be numeric.") from None
        if not np.all(np.isfinite(values)):
            raise ValueError(f"The {weight!r} column of {what} contains NaN or infinite values.")
    else:
        values = np.ones(len(edges))
    pairs = pd.DataFrame({"regulator": regulators, "target": targets})
    repeated = pairs.duplicated().to_numpy()
    if repeated.any():
        shown = [f"{r}->{t}" for r, t in pairs[repeated].drop_duplicates().itertuples(index=False)]
        raise ValueError(f"{_subject(what)} lists these edges more than once: {shown_names(shown)}.")
    order = pd.Index(genes)
    matrix = np.zeros((len(genes), len(genes)))
    matrix[order.get_indexer(regulators), order.get_indexer(targets)] = values
    return matrix


def _frame_values(frame, genes, what, source, fill_missing):
    """A labelled DataFrame as an array, aligned by label to ``genes`` (or read by position)."""
    rows, columns = _labels(frame.index), _labels(frame.columns)
    _check_unique(rows, what, "regulators (rows)")
    _check_unique(columns, what, "targets (columns)")
    if genes is None:
        if rows != columns:
            raise ValueError(
                f"{_subject(what)} is a DataFrame whose index (regulators) and columns (targets) do not "
                "list the same genes in the same order, so its diagonal would not hold the self-loops. "
                "Reorder it, e.g. `frame.loc[genes, genes]`."
            )
        return frame.to_numpy()
    known, complete = set(genes), set(rows) & set(columns)
    missing = [] if fill_missing else [gene for gene in genes if gene not in complete]
    unknown_rows, unknown_columns = _unknown(rows, known), _unknown(columns, known)
    if unknown_rows == unknown_columns:  # a square frame: name its extra genes once
        unknown = [(("gene", "genes"), unknown_rows)]
    else:
        unknown = [(("regulator (row)", "regulators (rows)"), unknown_rows),
                   (("target (column)", "targets (columns)"), unknown_columns)]
    _mismatch(what, source, missing, unknown)
    relabelled = frame.set_axis(rows, axis=0).set_axis(columns, axis=1)
    return relabelled.reindex(index=genes, columns=genes, fill_value=0).to_numpy()


def to_matrix(network, genes=None, *, what, source="gene_names", n_genes=None, fill_missing=False,
              keep_sparse=False, weight="weight"):
    """Any accepted form of a gene network as a float64 matrix in the gene order ``genes``.

    Parameters
    ----------
    network : array-like, sparse matrix or DataFrame
        A square matrix (rows = regulators, columns = targets), a DataFrame
        labelled by gene, or an edge list (columns ``regulator``, ``target``
        and optionally ``weight``, 1 when absent).
    genes : list of str, default=None
        The gene order of the result (see :func:`check_gene_names`).  A
        DataFrame is aligned to it by label; an edge list needs it.  None:
        everything is read by position.
    what : str
        How messages name ``network``, e.g. ``"the prior"`` or ``"edge_scores"``.
    source : str, default="gene_names"
        How messages name where ``genes`` comes from, e.g. ``"X"``.
    n_genes : int, default=None
        The number of genes when ``genes`` is None (e.g. X without names).
    fill_missing : bool, default=False
        Whether a DataFrame may leave genes out (they get 0, as in a prior of
        transcription factors x targets); otherwise a missing gene is an error.
    keep_sparse : bool, default=False
        Return a sparse input as a CSR matrix instead of a dense array.
    weight : str, default="weight"
        The value column of an edge list.

    Returns
    -------
    matrix : ndarray or csr_matrix of shape (n_genes, n_genes), float64

    Raises
    ------
    TypeError
        If the values are not numeric.
    ValueError
        For duplicated, unknown or missing genes, an edge listed twice, a
        shape other than (n_genes, n_genes), or NaN or infinite values.
    """
    if genes is not None:
        n_genes = len(genes)
    if is_edge_list(network):
        if genes is None:
            raise ValueError(f"{_subject(what)} is an edge list: it needs the gene names to be placed.")
        return _place_edges(network, genes, what, source, weight)
    if isinstance(network, pd.DataFrame):
        network = _frame_values(network, genes, what, source, fill_missing)
    if sp.issparse(network):
        matrix = sp.csr_matrix(network, dtype=np.float64)
        values = matrix.data
    else:
        try:
            matrix = values = np.asarray(network, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{_subject(what)} must be numeric: {error}") from None
    where = "with rows = regulators and columns = targets"
    if matrix.ndim != 2:
        raise ValueError(f"{_subject(what)} must be a 2-D square matrix of shape (n_genes, n_genes) {where}; "
                         f"got shape {matrix.shape} ({matrix.ndim}-D).")
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{_subject(what)} must be a square matrix of shape (n_genes, n_genes) {where}; "
                         f"got shape {matrix.shape}.")
    if n_genes is not None and matrix.shape != (n_genes, n_genes):
        raise ValueError(f"{_subject(what)} must have shape (n_genes, n_genes) = ({n_genes}, {n_genes}), "
                         f"the genes of {source}, {where}; got shape {matrix.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{_subject(what)} contains NaN or infinite values.")
    if sp.issparse(matrix) and not keep_sparse:
        return matrix.toarray()
    return matrix


def ranked_pairs(keep, *, rank_by, top_k=None, include_self_loops=False):
    """Positions of the kept gene pairs, by decreasing ``rank_by``.

    Parameters
    ----------
    keep : ndarray of bool, shape (n_genes, n_genes)
        The pairs to list.
    rank_by : ndarray of shape (n_genes, n_genes)
        Ranks the pairs, highest first; ties keep the row-major order
        (regulator, then target).
    top_k : int, default=None
        Keep only the first ``top_k`` pairs (0: none; None: all).
    include_self_loops : bool, default=False
        Whether the diagonal may be listed.

    Returns
    -------
    regulators, targets : ndarray of int
    """
    check_top_k(top_k)
    keep = np.array(keep, dtype=bool)
    if not include_self_loops:
        np.fill_diagonal(keep, False)
    regulators, targets = np.nonzero(keep)
    order = np.argsort(-np.asarray(rank_by)[regulators, targets], kind="stable")[:top_k]
    return regulators[order], targets[order]


def edge_list(weights, genes, *, keep=None, include_self_loops=False, threshold=None, rank_by=None,
              top_k=None, values=None):
    """A weight matrix as an edge list (regulator, target, weight[, ...]), ranked.

    Parameters
    ----------
    weights : ndarray of shape (n_genes, n_genes)
        The ``weight`` of each pair.
    genes : list of str
        Names of the rows and columns.
    keep : ndarray of bool, default=None
        The pairs that are edges; default: the nonzero weights.
    include_self_loops : bool, default=False
        Whether to list a gene's effect on itself.
    threshold : float, default=None
        Keep only edges with ``|weight| >= threshold``.
    rank_by : ndarray of shape (n_genes, n_genes), default=None
        Ranks the edges, highest first (default: ``|weight|``).
    top_k : int, default=None
        Keep only the ``top_k`` highest-ranked edges (0: none; None: all).
    values : dict of str to ndarray, default=None
        Further columns, each read from its matrix at the listed pairs.

    Returns
    -------
    edges : DataFrame
        Columns regulator, target, weight and those of ``values``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    keep = weights != 0 if keep is None else np.array(keep, dtype=bool)
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, Real) or not threshold >= 0:
            raise ValueError(f"threshold must be a non-negative number or None; got {threshold!r}.")
        keep &= np.abs(weights) >= threshold
    rank_by = np.abs(weights) if rank_by is None else rank_by
    regulators, targets = ranked_pairs(keep, rank_by=rank_by, top_k=top_k, include_self_loops=include_self_loops)
    names = np.asarray(genes, dtype=object)
    columns = {"regulator": names[regulators], "target": names[targets], "weight": weights[regulators, targets]}
    for name, matrix in (values or {}).items():
        columns[name] = np.asarray(matrix)[regulators, targets]
    return pd.DataFrame(columns)


def gene_frame(matrix, genes):
    """A matrix as a DataFrame labelled by gene: index ``regulator``, columns ``target``."""
    index = pd.Index(list(genes), name="regulator")
    return pd.DataFrame(matrix, index=index, columns=index.rename("target"))
