"""A GENIE3-style tree-ensemble baseline for time series (private helper of accuracy.py).

GENIE3 (Huynh-Thu et al., 2010) fits one tree ensemble per target gene and reads
the ensemble's feature importances as the scores of the regulator -> target
edges.  For time courses the response of target j is, in the simplest form of
dynGENIE3's idea, its finite-difference rate of change between two consecutive
snapshots of one trajectory, or (time-lagged GENIE3) its value at the second
snapshot; the features are all genes' values at the first snapshot.
"""

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor


def transition_pairs(X, t, trajectory):
    """Consecutive snapshots of each trajectory: states x(t_k), next states x(t_k+1), intervals.

    Pairs are formed only inside a trajectory, so no pair spans two time courses.
    """
    X, t, trajectory = np.asarray(X, dtype=float), np.asarray(t, dtype=float), np.asarray(trajectory)
    order = np.lexsort((t, trajectory))  # by trajectory, then time
    X, t, trajectory = X[order], t[order], trajectory[order]
    starts = np.flatnonzero(trajectory[1:] == trajectory[:-1])
    intervals = t[starts + 1] - t[starts]
    if np.any(intervals <= 0):
        raise ValueError("Duplicate times within a trajectory; finite differences are undefined.")
    return X[starts], X[starts + 1], intervals


def estimate_decay_rates(X, t, trajectory, *, floor=1e-3):
    """Per-gene decay rates alpha_j, as dynGENIE3 estimates them when none are given.

    In each trajectory where a gene's highest value comes before its lowest, the
    fall between them is read as pure exponential decay:
    alpha = log(x_max / x_min) / (t_min - t_max), with both values floored at
    ``floor`` (noise can push a value to or below zero).  A gene's rate is the
    median over such trajectories, and 0 (no decay term) when it never falls.
    """
    X, t, trajectory = np.asarray(X, dtype=float), np.asarray(t, dtype=float), np.asarray(trajectory)
    per_trajectory = []
    for label in np.unique(trajectory):
        rows = np.flatnonzero(trajectory == label)
        rows = rows[np.argsort(t[rows], kind="stable")]
        values, times = np.maximum(X[rows], floor), t[rows]
        high, low = values.argmax(axis=0), values.argmin(axis=0)
        genes = np.arange(X.shape[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = np.log(values[high, genes] / values[low, genes]) / (times[low] - times[high])
        per_trajectory.append(np.where(low > high, rates, np.nan))
    per_trajectory = np.array(per_trajectory)
    falls = ~np.isnan(per_trajectory).all(axis=0)
    decay = np.zeros(X.shape[1])
    decay[falls] = np.nanmedian(per_trajectory[:, falls], axis=0)
    return decay


def genie3_scores(X, t, trajectory, *, response="rate", decay=None, n_estimators=100, random_state=0,
                  **forest_params):
    """Edge scores, shape (regulators, targets): one ExtraTreesRegressor per target.

    Each target gene gets its own forest (that is what makes it GENIE3: a single
    multi-output forest would share splits between targets).  The features are
    all genes at t_k; the response of target j is its finite-difference rate
    (x_j(t_k+1) - x_j(t_k)) / (t_k+1 - t_k) with ``response="rate"``, or its next
    value x_j(t_k+1) with ``response="next"`` (time-lagged GENIE3).  The target's
    own value is a feature, because a gene's change depends on its own level
    (decay); the self-edge is zeroed afterwards.  A target whose response is
    constant (e.g. a gene held fixed, without noise) gets no regulators.

    ``decay`` (array of per-gene rates alpha_j, only with ``response="rate"``)
    turns the response into dynGENIE3's (x_j(t_k+1) - x_j(t_k)) / dt + alpha_j x_j(t_k):
    the production rate, once the gene's own decay is added back.
    """
    states, next_states, intervals = transition_pairs(X, t, trajectory)
    if response == "rate":
        responses = (next_states - states) / intervals[:, None]
        if decay is not None:
            decay = np.asarray(decay, dtype=float)
            if decay.shape != (states.shape[1],) or not np.all(np.isfinite(decay)):
                raise ValueError(f"decay must hold one finite rate per gene ({states.shape[1]}); "
                                 f"got shape {decay.shape}.")
            responses = responses + decay * states
    elif response == "next":
        responses = next_states
    else:
        raise ValueError(f"response must be 'rate' or 'next'; got {response!r}.")
    if decay is not None and response != "rate":
        raise ValueError("decay applies only to response='rate'.")
    n_genes = states.shape[1]
    scores = np.zeros((n_genes, n_genes))
    params = dict(max_features="sqrt", n_jobs=1, random_state=random_state)
    params.update(forest_params)
    for target in range(n_genes):
        if np.ptp(responses[:, target]) == 0:
            continue  # nothing to explain; importances would be undefined
        forest = ExtraTreesRegressor(n_estimators=n_estimators, **params)
        forest.fit(states, responses[:, target])
        scores[:, target] = forest.feature_importances_
    np.fill_diagonal(scores, 0.0)
    return scores


def top_fraction_adjacency(scores, fraction):
    """Binary network: the ``fraction`` of off-diagonal pairs with the highest scores.

    Pairs with a score of exactly 0 are never edges, so fewer than the fraction
    may be kept.  Ties at the cut are broken by a stable sort (row-major order).
    """
    n_genes = scores.shape[0]
    return top_k_adjacency(scores, int(round(fraction * n_genes * (n_genes - 1))))


def top_k_adjacency(scores, k):
    """Binary network: the ``k`` off-diagonal pairs with the highest scores (0-scored pairs never)."""
    n_genes = scores.shape[0]
    n_pairs = n_genes * (n_genes - 1)
    if not 0 <= k <= n_pairs:
        raise ValueError(f"k must be between 0 and the {n_pairs} off-diagonal pairs; got {k}.")
    off_diagonal = ~np.eye(n_genes, dtype=bool)
    values = scores[off_diagonal]
    order = np.argsort(-values, kind="stable")[:k]
    order = order[values[order] > 0]
    kept = np.zeros(values.size, dtype=bool)
    kept[order] = True
    adjacency = np.zeros((n_genes, n_genes), dtype=bool)
    adjacency[off_diagonal] = kept
    return adjacency
