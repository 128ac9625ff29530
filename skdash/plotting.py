"""Figures of a fitted DASHRegulatoryEstimator (optional: needs matplotlib).

- :func:`plot_network`: the inferred signed network, as a heatmap of the
  strongest edges or as a circular graph.
- :func:`plot_pruning_path`: validation loss against sparsity, with the
  checkpoint that was kept.
- :func:`plot_trajectories`: observed snapshots against the model's
  simulation from each trajectory's first snapshot.
- :func:`plot_confidence`: the most stable edges of a fitted
  :class:`~skdash.StabilitySelection`, coloured by confidence.
- :func:`plot_calibration`: observed precision of edges against their
  confidence.

Every function draws on ``ax`` (a new figure when ``ax`` is None) and returns
the Axes.  matplotlib is imported only when a function is called; install it
with ``pip install 'skdash[plot]'``.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._gene_matrix import check_gene_names, edge_list, is_edge_list, ranked_pairs, to_matrix
from ._messages import shown_names

__all__ = ["plot_calibration", "plot_confidence", "plot_network", "plot_pruning_path", "plot_trajectories"]

#: Gene labels are drawn only up to this many genes on an axis.
MAX_LABELS = 60


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "skdash.plotting needs matplotlib: pip install 'skdash[plot]'  (or: pip install matplotlib)"
        ) from error
    return plt


def _axes(ax, figsize):
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _check_fitted_estimator(estimator, attributes):
    if not hasattr(estimator, "get_network") or not hasattr(estimator, "fit"):
        raise TypeError(f"Expected a DASHRegulatoryEstimator; got {type(estimator).__name__}.")
    check_is_fitted(estimator, attributes)


def _gene_names(estimator):
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return [f"gene_{i}" for i in range(estimator.n_features_in_)]


def _edges(network, gene_names, top_k):
    """The ``top_k`` strongest edges (regulator, target, weight) without self-loops, and the gene order."""
    if hasattr(network, "get_network"):
        _check_fitted_estimator(network, ["network_"])
        genes = _gene_names(network)
        return edge_list(network.network_, genes, keep=network.adjacency_, top_k=top_k), genes
    if gene_names is not None:
        genes = check_gene_names(gene_names)
    elif is_edge_list(network):
        appearance = pd.unique(np.concatenate([network["regulator"].to_numpy(), network["target"].to_numpy()]))
        genes = [str(gene) for gene in appearance]
    elif isinstance(network, pd.DataFrame):
        genes = [str(gene) for gene in network.index]
    else:
        genes = None
    matrix = to_matrix(network, genes, what="network")
    genes = genes if genes is not None else [f"gene_{i}" for i in range(matrix.shape[0])]
    return edge_list(matrix, genes, top_k=top_k), genes


def plot_network(network, *, top_k=50, kind="heatmap", gene_names=None, ax=None, cmap="RdBu_r"):
    """Draw the strongest edges of a signed regulatory network.

    Parameters
    ----------
    network : DASHRegulatoryEstimator, DataFrame or array-like
        A fitted estimator, an edge list (columns ``regulator``, ``target``,
        ``weight``, as returned by ``get_network``) or a square regulators x
        targets matrix.  Self-loops are not drawn.
    top_k : int or None, default=50
        Draw the ``top_k`` edges with the largest ``|weight|`` (0: none; None:
        all edges), as ``top_k`` of ``get_network``.  Only the genes they join
        are shown.
    kind : {"heatmap", "graph"}, default="heatmap"
        "heatmap": regulators (rows) x targets (columns), coloured by the signed
        weight, blank where there is no edge.  "graph": genes on a circle,
        arrows from regulator to target, red for activation and blue for
        repression, width by ``|weight|``.
    gene_names : sequence of str, default=None
        Gene names of an unlabelled matrix, and the gene order of an edge list
        or of a labelled matrix (which is then aligned to it by label).  Genes
        outside it are an error.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    cmap : str or Colormap, default="RdBu_r"
        Diverging colormap for the signed weights.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skdash.plotting import plot_network
    >>> edges = pd.DataFrame({"regulator": ["A", "B", "C"], "target": ["B", "C", "A"],
    ...                       "weight": [0.8, -0.5, 0.3]})
    >>> ax = plot_network(edges, kind="graph")
    >>> len(ax.patches), len(ax.texts)
    (3, 3)
    """
    if kind not in ("heatmap", "graph"):
        raise ValueError(f'kind must be "heatmap" or "graph"; got {kind!r}.')
    edges, genes = _edges(network, gene_names, top_k)
    rank = {gene: i for i, gene in enumerate(genes)}
    plt = _pyplot()
    colormap = plt.get_cmap(cmap)
    limit = float(np.abs(edges["weight"]).max()) if len(edges) else 1.0
    limit = limit if limit > 0 else 1.0
    what = f"top {len(edges)} edges" if top_k is not None else f"{len(edges)} edges"

    if kind == "heatmap":
        ax = _axes(ax, (7, 6))
        regulators = sorted(pd.unique(edges["regulator"]), key=lambda g: rank.get(g, len(rank)))
        targets = sorted(pd.unique(edges["target"]), key=lambda g: rank.get(g, len(rank)))
        # with no edge (top_k=0) one blank cell keeps the axes drawable
        matrix = np.full((max(1, len(regulators)), max(1, len(targets))), np.nan)
        row = {g: i for i, g in enumerate(regulators)}
        column = {g: i for i, g in enumerate(targets)}
        for regulator, target, weight in edges.itertuples(index=False):
            matrix[row[regulator], column[target]] = weight
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap=colormap, vmin=-limit, vmax=limit,
                          aspect="auto", interpolation="nearest")
        ax.figure.colorbar(image, ax=ax, label="signed effect (weight)")
        for axis, labels, setter in ((ax.xaxis, targets, ax.set_xticks), (ax.yaxis, regulators, ax.set_yticks)):
            if len(labels) <= MAX_LABELS:
                setter(np.arange(len(labels)), labels, fontsize="small")
            else:
                setter([])
        ax.tick_params(axis="x", labelrotation=90)
        ax.set_xlabel("target")
        ax.set_ylabel("regulator")
        ax.set_title(f"Inferred network: {what}")
        return ax

    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    ax = _axes(ax, (7, 7))
    nodes = sorted(pd.unique(np.concatenate([edges["regulator"].to_numpy(), edges["target"].to_numpy()])),
                   key=lambda g: rank.get(g, len(rank)))
    angles = np.pi / 2 - 2 * np.pi * np.arange(len(nodes)) / max(len(nodes), 1)
    position = {gene: (np.cos(a), np.sin(a)) for gene, a in zip(nodes, angles)}
    for regulator, target, weight in edges.itertuples(index=False):
        strength = abs(weight) / limit
        ax.add_patch(FancyArrowPatch(
            position[regulator], position[target], arrowstyle="-|>", mutation_scale=10,
            connectionstyle="arc3,rad=0.12", shrinkA=7, shrinkB=7, linewidth=0.6 + 2.4 * strength,
            color=colormap(0.5 + 0.5 * np.sign(weight) * (0.4 + 0.6 * strength)), alpha=0.85, zorder=1,
        ))
    if nodes:
        xy = np.array([position[g] for g in nodes])
        ax.scatter(xy[:, 0], xy[:, 1], s=60, color="0.85", edgecolors="0.3", zorder=2)
        if len(nodes) <= MAX_LABELS:
            for gene, angle in zip(nodes, angles):
                degrees = np.degrees(angle) % 360
                flip = 90 < degrees < 270
                ax.text(1.1 * np.cos(angle), 1.1 * np.sin(angle), gene, fontsize="small",
                        rotation=degrees - 180 if flip else degrees, rotation_mode="anchor",
                        ha="right" if flip else "left", va="center")
    ax.legend(handles=[Line2D([], [], color=colormap(0.9), lw=2, label="activation (+)"),
                       Line2D([], [], color=colormap(0.1), lw=2, label="repression (-)")],
              loc="upper right", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"Inferred network: {what}")
    return ax


def plot_pruning_path(estimator, *, ax=None, show_epochs=True):
    """Plot the monitored loss against sparsity along the DASH pruning schedule.

    Parameters
    ----------
    estimator : DASHRegulatoryEstimator
        A fitted estimator (uses ``pruning_path_``, ``history_`` and
        ``best_epoch_``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    show_epochs : bool, default=True
        Also draw every epoch as a faint point.

    Returns
    -------
    ax : matplotlib Axes
        With one line for the path (the best loss at each sparsity level) and a
        star at the checkpoint that was kept.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skdash import DASHRegulatoryEstimator
    >>> from skdash.plotting import plot_pruning_path
    >>> from skdash.pruning import PruningSchedule
    >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(30, 4))
    >>> est = DASHRegulatoryEstimator(hidden_units=4, max_epochs=6, pruning=PruningSchedule(start=1, interval=2),
    ...                               random_state=0)
    >>> est = est.fit(X, t=np.tile(np.arange(5.0), 6), trajectory=np.repeat(np.arange(6), 5))
    >>> ax = plot_pruning_path(est)
    >>> ax.get_xlabel()
    'sparsity (fraction of pruned weights)'
    """
    _check_fitted_estimator(estimator, ["pruning_path_", "history_"])
    ax = _axes(ax, (6, 4))
    history = pd.DataFrame(estimator.history_)
    has_validation = history["validation_loss"].notna().any()
    monitored = history["monitored_loss"]
    path = estimator.pruning_path_.sort_values("sparsity")
    if show_epochs:
        ax.scatter(history["sparsity"], monitored, s=10, color="0.6", alpha=0.6, label="epochs", zorder=1)
    ax.plot(path["sparsity"], path["validation_loss"], "o-", color="C0", label="best loss at each sparsity",
            zorder=2)
    chosen = history[history["epoch"] == getattr(estimator, "best_epoch_", None)]
    if len(chosen):
        sparsity, loss = float(chosen["sparsity"].iloc[0]), float(monitored[chosen.index[0]])
        ax.scatter([sparsity], [loss], marker="*", s=250, color="C3", edgecolors="k", zorder=3,
                   label=f"kept: sparsity {sparsity:.3f}, epoch {int(chosen['epoch'].iloc[0])}")
    if (monitored > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel("sparsity (fraction of pruned weights)")
    ax.set_ylabel(f"{'validation' if has_validation else 'training'} loss (MSE)")
    ax.set_title("DASH pruning path")
    ax.legend(fontsize="small")
    return ax


def plot_trajectories(estimator, X, t, trajectory=None, *, genes=None, trajectories=None, n_points=100,
                      ax=None):
    """Observed snapshots (points) against the model's simulation (lines).

    Each selected trajectory is simulated with ``estimator.simulate`` from its
    first snapshot over a fine time grid, and compared with its observed
    snapshots, gene by gene.

    Parameters
    ----------
    estimator : DASHRegulatoryEstimator
        A fitted estimator.
    X : array-like or DataFrame of shape (n_samples, n_genes)
        Expression, with the genes of fit.
    t : array-like of shape (n_samples,)
        Time of each row.
    trajectory : array-like of shape (n_samples,), default=None
        Trajectory of each row (default: a single trajectory).
    genes : sequence of str or int, default=None
        Genes to draw, by name (or column position).  Default: the 4 genes
        that vary most in ``X``.
    trajectories : sequence, default=None
        Trajectory labels to draw.  Default: the first 3 that appear.
    n_points : int, default=100
        Points of the simulated time grid per trajectory.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        One line and one set of points per (gene, trajectory); colour = gene,
        line style and marker = trajectory (explained in the legend).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skdash import DASHRegulatoryEstimator
    >>> from skdash.plotting import plot_trajectories
    >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(30, 4))
    >>> t, trajectory = np.tile(np.arange(5.0), 6), np.repeat(np.arange(6), 5)
    >>> est = DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, sparsity=0.0,
    ...                               random_state=0).fit(X, t=t, trajectory=trajectory)
    >>> ax = plot_trajectories(est, X, t, trajectory, genes=[0, 1], trajectories=[0, 1])
    >>> len(ax.lines), len(ax.collections)
    (4, 4)
    """
    _check_fitted_estimator(estimator, ["module_"])
    names = _gene_names(estimator)
    frame = X if isinstance(X, pd.DataFrame) else None
    values = np.asarray(X, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise ValueError(f"X must have shape (n_samples, {len(names)}) (the genes of fit); got {values.shape}.")
    n = values.shape[0]
    times = np.asarray(t, dtype=np.float64)
    if times.shape != (n,):
        raise ValueError(f"t must have one time per row of X ({n}); got shape {times.shape}.")
    labels = np.zeros(n, dtype=int) if trajectory is None else np.asarray(trajectory)
    if labels.shape != (n,):
        raise ValueError(f"trajectory must have one label per row of X ({n}); got shape {labels.shape}.")
    if not isinstance(n_points, Integral) or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2; got {n_points!r}.")

    if genes is None:
        columns = list(np.argsort(-values.var(axis=0), kind="stable")[:4])
    else:
        if isinstance(genes, (str, Integral)):
            genes = [genes]
        columns, unknown = [], []
        for gene in genes:
            if isinstance(gene, Integral) and not isinstance(gene, bool) and 0 <= gene < len(names):
                columns.append(int(gene))
            elif str(gene) in names:
                columns.append(names.index(str(gene)))
            else:
                unknown.append(gene)
        if unknown:
            raise ValueError(f"Unknown genes {unknown}; the fitted genes are {shown_names(names)}.")
    present = list(pd.unique(labels))
    if trajectories is None:
        trajectories = present[:3]
    else:
        missing = [label for label in trajectories if label not in present]
        if missing:
            raise ValueError(f"Unknown trajectories {missing}; X has {shown_names(present)}.")

    ax = _axes(ax, (7, 4.5))
    styles, markers = ["-", "--", ":", "-."], ["o", "s", "^", "D"]
    for k, label in enumerate(trajectories):
        rows = np.flatnonzero(labels == label)
        rows = rows[np.argsort(times[rows], kind="stable")]
        grid = np.linspace(times[rows[0]], times[rows[-1]], n_points)
        start = frame.iloc[rows[[0]]] if frame is not None else values[rows[[0]]]
        simulated = estimator.simulate(start, grid)[0]
        for c, column in enumerate(columns):
            color = f"C{c % 10}"
            ax.plot(grid, simulated[:, column], linestyle=styles[k % 4], color=color)
            ax.scatter(times[rows], values[rows, column], marker=markers[k % 4], color=color, s=20,
                       edgecolors="k", linewidths=0.4)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=f"C{c % 10}", label=names[column]) for c, column in enumerate(columns)]
    handles += [Line2D([], [], color="k", linestyle=styles[k % 4], marker=markers[k % 4], markersize=4,
                       label=f"trajectory {label}") for k, label in enumerate(trajectories)]
    ax.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_xlabel("time")
    ax.set_ylabel("expression")
    ax.set_title("Observed (points) and simulated from the first snapshot (lines)", fontsize="medium")
    return ax


def plot_confidence(stability, *, top_k=50, ax=None, cmap="viridis"):
    """Heatmap of the most stable edges, coloured by their confidence.

    Parameters
    ----------
    stability : StabilitySelection
        A fitted :class:`~skdash.StabilitySelection` (uses ``confidence_``,
        ``edge_scores_`` and ``network_``).
    top_k : int or None, default=50
        Draw the ``top_k`` off-diagonal pairs ranked highest by ``edge_scores_``
        among those with a nonzero confidence (0: none; None: all of them).  Only the
        genes they join are shown.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    cmap : str or Colormap, default="viridis"
        Colormap for the confidence, on a fixed [0, 1] scale.

    Returns
    -------
    ax : matplotlib Axes
        With one image (blank where a pair is not drawn) and, when at most
        ``MAX_LABELS`` genes are shown on each axis, the sign of the mean
        effect (+ or -) written in each coloured cell.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skdash import DASHRegulatoryEstimator, StabilitySelection
    >>> from skdash.plotting import plot_confidence
    >>> X = np.random.default_rng(0).uniform(0.2, 0.8, size=(30, 4))
    >>> base = DASHRegulatoryEstimator(hidden_units=4, max_epochs=3, n_threads=1)
    >>> stability = StabilitySelection(base, n_estimators=2, random_state=0).fit(
    ...     X, t=np.tile(np.arange(5.0), 6), trajectory=np.repeat(np.arange(6), 5))
    >>> ax = plot_confidence(stability, top_k=5)
    >>> ax.images[0].get_clim()
    (0.0, 1.0)
    """
    from ._stability import StabilitySelection

    if not isinstance(stability, StabilitySelection):
        raise TypeError(f"Expected a fitted StabilitySelection; got {type(stability).__name__}.")
    check_is_fitted(stability, ["confidence_", "edge_scores_", "network_"])
    genes = _gene_names(stability)
    confidence = np.asarray(stability.confidence_, dtype=float)
    regulators, targets = ranked_pairs(confidence > 0, rank_by=stability.edge_scores_, top_k=top_k)
    rows, columns = np.unique(regulators), np.unique(targets)
    row, column = {g: i for i, g in enumerate(rows)}, {g: i for i, g in enumerate(columns)}
    matrix = np.full((rows.size, columns.size), np.nan)
    for regulator, target in zip(regulators, targets):
        matrix[row[regulator], column[target]] = confidence[regulator, target]

    ax = _axes(ax, (7, 6))
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="confidence (fraction of refits with the edge)")
    labelled = rows.size <= MAX_LABELS and columns.size <= MAX_LABELS
    for axis_genes, setter in ((columns, ax.set_xticks), (rows, ax.set_yticks)):
        if labelled:
            setter(np.arange(axis_genes.size), [genes[g] for g in axis_genes], fontsize="small")
        else:
            setter([])
    if labelled:
        for regulator, target in zip(regulators, targets):
            value = confidence[regulator, target]
            ax.text(column[target], row[regulator], "+" if stability.network_[regulator, target] >= 0 else "-",
                    ha="center", va="center", fontsize="small", color="k" if value > 0.6 else "w")
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel("target")
    ax.set_ylabel("regulator")
    ax.set_title(f"Edge confidence: top {len(regulators)} pairs (sign of the mean effect)")
    return ax


def plot_calibration(confidence, true_network, *, n_bins=10, gene_names=None, ax=None):
    """Observed precision of edges against their confidence (a reliability diagram).

    Parameters
    ----------
    confidence : StabilitySelection, array-like or DataFrame of shape (n_genes, n_genes)
        A fitted :class:`~skdash.StabilitySelection` (its ``confidence_``) or a
        matrix of confidences in [0, 1].
    true_network : array-like, sparse matrix or DataFrame of shape (n_genes, n_genes)
        Reference network; nonzero = edge.
    n_bins : int, default=10
        Number of equal-width confidence bins (see
        :func:`skdash.metrics.confidence_calibration`).
    gene_names : sequence of str, default=None
        Passed to :func:`~skdash.metrics.confidence_calibration`.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        With the diagonal of perfect calibration, one point per non-empty bin
        (precision against mean confidence, annotated with its number of
        pairs) and the expected calibration error in the title.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skdash.plotting import plot_calibration
    >>> true_network = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    >>> confidence = np.array([[1.0, 0.9, 0.1], [0.0, 1.0, 0.2], [0.0, 0.95, 1.0]])
    >>> ax = plot_calibration(confidence, true_network, n_bins=2)
    >>> ax.lines[1].get_ydata().tolist()
    [0.25, 0.5]
    """
    from .metrics import confidence_calibration, expected_calibration_error

    if hasattr(confidence, "get_network") and hasattr(confidence, "fit"):
        check_is_fitted(confidence, ["confidence_"])
        confidence = confidence.confidence_
    table = confidence_calibration(true_network, confidence, n_bins=n_bins, gene_names=gene_names)
    error = expected_calibration_error(true_network, confidence, n_bins=n_bins, gene_names=gene_names)
    ax = _axes(ax, (5, 5))
    ax.plot([0, 1], [0, 1], "--", color="0.6", label="calibrated")
    ax.plot(table["mean_confidence"], table["precision"], "o-", color="C0", label="observed")
    for x, y, n in zip(table["mean_confidence"], table["precision"], table["n_pairs"]):
        ax.annotate(f"{int(n)}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize="x-small")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("confidence (mean in bin)")
    ax.set_ylabel("precision (fraction of true edges)")
    ax.set_title(f"Calibration: ECE {error:.3f} (numbers: pairs per bin)")
    ax.legend(fontsize="small", loc="upper left")
    return ax
