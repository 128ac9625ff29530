"""Readers for the data files bundled in ``skdash/datasets/data`` and the yeast loader."""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._compat import validate_params
from ._time_courses import _as_frames

__all__ = ["load_yeast_cell_cycle"]

_PACKAGE = "skdash.datasets"


def _open_data(folder, filename):
    """Open a bundled data file for reading text (works from an installed wheel)."""
    return resources.files(_PACKAGE).joinpath("data", folder, filename).open("r", encoding="utf-8")


def _read_table(folder, filename, **kwargs):
    with _open_data(folder, filename) as handle:
        return pd.read_csv(handle, **kwargs)


def _read_matrix(folder, filename):
    """A headerless numeric CSV matrix as a float array."""
    return _read_table(folder, filename, header=None).to_numpy(dtype=float)


def _read_trajectory_file(folder, filename):
    """Read the PHOENIX trajectory layout.

    The first row is ``"n_genes,n_trajectories"``; then, per trajectory, one row
    per gene (one column per time point) followed by one row of times.

    Returns
    -------
    values : ndarray of shape (n_trajectories, n_times, n_genes)
    times : ndarray of shape (n_trajectories, n_times)
    """
    with _open_data(folder, filename) as handle:
        header = handle.readline().split(",")
        n_genes, n_traj = int(float(header[0])), int(float(header[1]))
        body = pd.read_csv(handle, header=None).to_numpy(dtype=float)
    if body.shape[0] != n_traj * (n_genes + 1):
        raise ValueError(
            f"{filename}: expected {n_traj * (n_genes + 1)} rows after the header, "
            f"found {body.shape[0]}."
        )
    blocks = body.reshape(n_traj, n_genes + 1, body.shape[1])
    return blocks[:, :n_genes].transpose(0, 2, 1), blocks[:, n_genes]


_YEAST = "yeast_cell_cycle"
_YEAST_FILES = ("pramila_500genes_1sample_24T.csv", "pramila_500genes_1VALsample_24T.csv")

_YEAST_DESCR = """\
Yeast cell cycle (Pramila et al., 2006)
---------------------------------------

Real time-series gene expression of the budding yeast *Saccharomyces cerevisiae*
through synchronised cell cycles (Pramila, Wu, Miles, Noble and Breeden, Genes &
Development 20:2266-2278, 2006), as prepared for the PHOENIX paper (Hossain et
al., Genome Biology 2024) and reused by DASH.

- 500 genes, two time courses of 24 points each, at 0, 5, ..., 100, 110, 115 and
  120 minutes. Trajectory 0 is PHOENIX's training course, trajectory 1 its
  validation course.
- Values are log-ratios (about -2.5 to 4), not [0, 1] expression: scale them
  before fitting a model that expects [0, 1].
- ``prior`` is a signed motif prior (+0.5 / -0.5, rows = regulators, columns =
  targets) built from transcription factor binding motifs.
- ``gene_names`` are systematic ORF names; ``gene_symbols`` the common names.

Source: the public, MIT-licensed repositories of the PHOENIX and DASH authors
(QuackenbushLab/phoenix, QuackenbushLab/DASH); licence in
``skdash/datasets/data/LICENSE-phoenix-dash-data.txt``.
"""


@validate_params({"as_frame": ["boolean"]}, prefer_skip_nested_validation=True)
def load_yeast_cell_cycle(as_frame=True):
    """Load the yeast cell cycle time courses of Pramila et al. (500 genes).

    The real-data benchmark of the PHOENIX and DASH papers: two time courses of
    24 time points over 0-120 minutes, with a motif-based prior network.

    Parameters
    ----------
    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with gene-name columns (so that a fitted
        estimator names its genes), ``prior`` a DataFrame
        indexed and columned by gene names, and ``frame`` holds the data in long
        format (trajectory, time, genes).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With the following keys:

        X : ndarray or DataFrame of shape (48, 500)
            Log-ratio expression; rows are trajectory-major, time-minor.
        t : ndarray of shape (48,)
            Time of each row, in minutes.
        trajectory : ndarray of shape (48,)
            0 for the training course, 1 for the validation course.
        prior : ndarray or DataFrame of shape (500, 500)
            Signed motif prior (+-0.5), rows = regulators, columns = targets.
        gene_names : list of str
            Systematic gene names, the column order of ``X``.
        gene_symbols : list of str
            Common gene names in the same order.
        DESCR : str
            Description of the data set.

    Examples
    --------
    >>> from skdash.datasets import load_yeast_cell_cycle
    >>> data = load_yeast_cell_cycle()
    >>> data.X.shape, data.prior.shape
    ((48, 500), (500, 500))
    >>> data.t[:4].tolist(), sorted(set(data.trajectory.tolist()))
    ([0.0, 5.0, 10.0, 15.0], [0, 1])
    """
    names = _read_table(_YEAST, "pramila500_gene_names.csv")
    gene_names = names.iloc[:, 0].astype(str).tolist()
    # The file writes "None" for genes without a common symbol (pandas reads it as
    # missing); those genes are named by their systematic name instead.
    symbols = names.iloc[:, 1]
    gene_symbols = symbols.where(symbols.notna(), names.iloc[:, 0]).astype(str).tolist()
    values, times = [], []
    for filename in _YEAST_FILES:
        v, t = _read_trajectory_file(_YEAST, filename)
        values.append(v.reshape(-1, v.shape[-1]))
        times.append(t.ravel())
    X = np.vstack(values)
    t = np.concatenate(times)
    trajectory = np.repeat(np.arange(len(values)), [v.shape[0] for v in values])
    prior = _read_matrix(_YEAST, "edge_prior_matrix_pramila_500.csv")
    bunch = Bunch(
        X=X, t=t, trajectory=trajectory, prior=prior, gene_names=gene_names,
        gene_symbols=gene_symbols, DESCR=_YEAST_DESCR,
    )
    if as_frame:
        _as_frames(bunch, gene_names)
    return bunch
