"""
======================================
Edge confidence by stability selection
======================================

A single DASH fit is one draw: refits with another seed, or on other time
courses, keep a different set of edges near the pruning cut.
:class:`skdash.StabilitySelection` refits the estimator on half of the
trajectories at a time, each refit with its own seed, and reports for every
pair of genes the fraction of refits that keep the edge.

That fraction is stability, not the probability that the edge is true; the
calibration plot below compares the two on a simulated network whose true
edges we know.  The data are small so that the example runs in seconds.
"""

# %%
# Data and the base estimator
# ---------------------------
import matplotlib.pyplot as plt

from skdash import DASHRegulatoryEstimator, StabilitySelection
from skdash._stability import _member_edge_scores
from skdash.datasets import corrupt_prior, make_regulatory_network
from skdash.metrics import edge_aupr
from skdash.plotting import plot_calibration, plot_confidence
from skdash.pruning import PruningSchedule

data = make_regulatory_network(30, n_trajectories=30, n_test_trajectories=0, noise=0.05, random_state=0)
prior = corrupt_prior(data.prior, 0.2, random_state=0)  # an imperfect prior: 20% of its edges moved
base = DASHRegulatoryEstimator(
    prior, hidden_units=12, max_epochs=25, batch_size=16, learning_rate=0.01, sparsity=0.9,
    pruning=PruningSchedule(start=3, initial=0.7, interval=2, rate=0.3), n_threads=1, random_state=0,
)

# %%
# One fit against ten refits
# --------------------------
single = base.fit(data.X, t=data.t, trajectory=data.trajectory)
stability = StabilitySelection(base, n_estimators=10, random_state=0)
stability.fit(data.X, t=data.t, trajectory=data.trajectory)

print(f"AUPR of one fit:        {edge_aupr(data.network, _member_edge_scores(single)):.3f}")
print(f"AUPR of the confidence: {edge_aupr(data.network, stability.edge_scores_):.3f}")
print(f"AUPR of the prior:      {edge_aupr(data.network, prior):.3f}")
print(stability.get_network().head(10))

# %%
# At this size (30 genes, 25 epochs) the corrupted prior alone ranks the edges
# better than the fitted models do: the example shows how to read the
# confidence, not how good the network is (see ``benchmarks/`` for that).

# %%
# The most stable edges, and how often they are true
# --------------------------------------------------
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
plot_confidence(stability, top_k=30, ax=left)
plot_calibration(stability, data.network, n_bins=5, ax=right)
plt.show()
