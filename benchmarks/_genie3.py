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


def genie3_scores(X, t, trajectory, *, response="rate", n_estimators=100, random_state=0, **forest_params):
    """Edge scores, shape (regulators, targets): one ExtraTreesRegressor per target.

    Each target gene gets its own forest (that is what makes it GENIE3: a single
    multi-output forest would share splits between targets).  The features are
    all genes at t_k; the response of target j is its finite-difference rate
    (x_j(t_k+1) - x_j(t_k)) / (t_k+1 - t_k) with ``response="rate"``, or its next
    value x_j(t_k+1) with ``response="next"`` (time-lagged GENIE3).  The target's
    own value is a feature, because a gene's change depends on its own level
    (decay); the self-edge is zeroed afterwards.  A target whose response is
    constant (e.g. a gene held fixed, without noise) gets no regulators.
    """
    states, next_states, intervals = transition_pairs(X, t, trajectory)
    if response == "rate":
        responses = (next_states - states) / intervals[:, None]
    elif response == "next":
        responses = next_states
    else:
        raise ValueError(f"response must be 'rate' or 'next'; got {response!r}.")
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
    off_diagonal = ~np.eye(n_genes, dtype=bool)
    values = scores[off_diagonal]
    n_keep = int(round(fraction * values.size))
    order = np.argsort(-values, kind="stable")[:n_keep]
    order = order[values[order] > 0]
    kept = np.zeros(values.size, dtype=bool)
    kept[order] = True
    adjacency = np.zeros((n_genes, n_genes), dtype=bool)
    adjacency[off_diagonal] = kept
    return adjacency
