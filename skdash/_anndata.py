"""Expression, time and trajectory from an AnnData object (optional dependency)."""

import numpy as np
import pandas as pd
from scipy import sparse

from ._messages import shown_names

_INSTALL = "pip install 'skdash[anndata]'  (or: pip install anndata)"


def _obs_column(adata, key, option):
    if not isinstance(key, str):
        raise TypeError(f"{option} must be the name of a column of adata.obs; got {key!r}.")
    if key not in adata.obs.columns:
        raise ValueError(
            f"adata.obs has no column {key!r} ({option}); its columns are {shown_names(adata.obs.columns)}."
        )
    column = adata.obs[key]
    if column.isna().any():
        first = adata.obs_names[np.flatnonzero(column.isna().to_numpy())[0]]
        raise ValueError(f"adata.obs[{key!r}] has missing values (first at observation {first!r}).")
    return column


def from_anndata(adata, *, time_key, trajectory_key=None, layer=None, genes=None):
    """Expression, times and trajectories of an AnnData object, ready for ``fit``.

    Parameters
    ----------
    adata : anndata.AnnData
        Observations (snapshots) x variables (genes).
    time_key : str
        Column of ``adata.obs`` with the time of each observation (numbers).
    trajectory_key : str, default=None
        Column of ``adata.obs`` naming the time course of each observation
        (e.g. a sample, lineage or replicate id).  ``None``: one time course.
    layer : str, default=None
        Layer of ``adata.layers`` to read instead of ``adata.X``.
    genes : sequence of str, default=None
        Variables (``adata.var_names``) to keep, in this order.  Default: all.

    Returns
    -------
    X : DataFrame of shape (n_obs, n_genes)
        Dense float64 expression (sparse matrices are densified), indexed by
        ``obs_names``, with the gene names as columns.
    t : ndarray of shape (n_obs,)
        Time of each observation.
    trajectory : ndarray of shape (n_obs,) or None
        Trajectory label of each observation; ``None`` without ``trajectory_key``.

    Raises
    ------
    ImportError
        If anndata is not installed.
    ValueError
        For a missing obs column or layer, unknown or duplicated genes, missing
        or non-numeric times.

    Notes
    -----
    The values are returned as stored.  The model expects expression roughly on
    a [0, 1] scale: scale it (e.g. ``MinMaxScaler`` in a Pipeline), after a log
    transform for counts.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import anndata  # doctest: +SKIP
    >>> from skdash.io import from_anndata
    >>> adata = anndata.AnnData(  # doctest: +SKIP
    ...     X=np.random.default_rng(0).uniform(size=(6, 3)),
    ...     obs=pd.DataFrame({"time": [0, 1, 2] * 2, "sample": list("aaabbb")},
    ...                      index=[f"cell{i}" for i in range(6)]),
    ...     var=pd.DataFrame(index=["G1", "G2", "G3"]))
    >>> X, t, trajectory = from_anndata(adata, time_key="time",  # doctest: +SKIP
    ...                                 trajectory_key="sample", genes=["G3", "G1"])
    >>> list(X.columns), t.tolist()  # doctest: +SKIP
    (['G3', 'G1'], [0.0, 1.0, 2.0, 0.0, 1.0, 2.0])
    """
    try:
        import anndata
    except ImportError as error:
        raise ImportError(f"from_anndata needs the anndata package: {_INSTALL}.") from error
    if not isinstance(adata, anndata.AnnData):
        raise TypeError(f"adata must be an anndata.AnnData object; got {type(adata).__name__}.")

    times = _obs_column(adata, time_key, "time_key")
    try:
        t = pd.to_numeric(pd.Series(np.asarray(times, dtype=object)), errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"adata.obs[{time_key!r}] (time_key) must hold numbers (the time of each "
                         f"observation); got values such as {shown_names(pd.unique(np.asarray(times))[:3])}.") from None
    if not np.all(np.isfinite(t)):
        raise ValueError(f"adata.obs[{time_key!r}] (time_key) contains infinite times.")
    trajectory = None
    if trajectory_key is not None:
        trajectory = np.asarray(_obs_column(adata, trajectory_key, "trajectory_key"), dtype=object)
        numbers = pd.to_numeric(pd.Series(trajectory), errors="coerce").to_numpy(dtype=np.float64)
        if not np.isnan(numbers).any() and np.array_equal(numbers, np.round(numbers)):
            trajectory = numbers.astype(np.int64)

    var_names = pd.Index([str(name) for name in adata.var_names])
    if genes is None:
        selected = var_names
    else:
        if isinstance(genes, str) or not hasattr(genes, "__iter__"):
            raise TypeError(f"genes must be a list of variable names; got {genes!r}.")
        selected = pd.Index([str(gene) for gene in genes])
        if selected.empty:
            raise ValueError("genes is empty.")
        unknown = selected[~selected.isin(var_names)].unique().tolist()
        if unknown:
            raise ValueError(f"These genes are not in adata.var_names: {shown_names(unknown)}.")
        repeated = selected[selected.duplicated()].unique().tolist()
        if repeated:
            raise ValueError(f"genes lists these genes more than once: {shown_names(repeated)}.")
    repeated = var_names[var_names.duplicated() & var_names.isin(selected)].unique().tolist()
    if repeated:
        raise ValueError(
            f"adata.var_names has duplicated names {shown_names(repeated)}; make them unique first, "
            "e.g. adata.var_names_make_unique()."
        )

    if layer is None:
        matrix = adata.X
        if matrix is None:
            raise ValueError("adata.X is empty (None); pass layer= to read one of adata.layers "
                             f"{shown_names(adata.layers.keys())}.")
    else:
        if layer not in adata.layers:
            raise ValueError(f"adata.layers has no layer {layer!r}; its layers are "
                             f"{shown_names(adata.layers.keys())}.")
        matrix = adata.layers[layer]
    if hasattr(matrix, "to_memory"):  # a backed sparse dataset
        matrix = matrix.to_memory()
    elif not sparse.issparse(matrix):  # ndarray, h5py dataset, dask array, ...
        matrix = np.asarray(matrix)
    wanted = set(selected)
    position = {name: i for i, name in enumerate(var_names) if name in wanted}
    matrix = matrix[:, [position[name] for name in selected]]
    values = np.asarray(matrix.toarray() if sparse.issparse(matrix) else matrix, dtype=np.float64)
    X = pd.DataFrame(values, index=pd.Index([str(name) for name in adata.obs_names]),
                     columns=pd.Index(selected.tolist()))
    return X, t, trajectory
