"""
=====================================
In-silico knockouts of a fitted model
=====================================

A fitted PHOENIX model is a simulator of the regulatory dynamics, so it can
answer "what happens if gene G is knocked out?": hold G at 0 for the whole
trajectory and let every other gene follow the learned vector field.
:meth:`~skdash.DASHRegulatoryEstimator.perturbation_effects` does this for many
genes at once and reports, for each knocked-out gene and each target, the mean
shift of the target's level at a horizon relative to the unperturbed simulation
from the same initial states.

On simulated data the truth is known: the simulator accepts the same clamp
(``data.simulate(x0, times, clamp={gene: 0.0})``), so the predicted shifts can
be compared with the true ones.  The system is small and the fit short so that
the example runs in seconds; see :ref:`perturbation` for where such predictions
can and cannot be trusted.
"""

# %%
# Data and fit
# ------------
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr

from skdash import DASHRegulatoryEstimator
from skdash.datasets import make_regulatory_network
from skdash.pruning import PruningSchedule

data = make_regulatory_network(20, n_trajectories=60, n_test_trajectories=8, noise=0.02, as_frame=True,
                               random_state=0)
est = DASHRegulatoryEstimator(data.prior, hidden_units=16, max_epochs=60, batch_size=16, learning_rate=0.01,
                              sparsity=0.8, pruning=PruningSchedule(start=5, interval=3, rate=0.3),
                              n_threads=1, random_state=0)
est.fit(data.X, t=data.t, trajectory=data.trajectory)

# %%
# Predicted and true knockout effects
# -----------------------------------
# Every gene that regulates another one is knocked out, from the first states of
# the noise-free test trajectories, and read 9 time units later.
regulators = [gene for gene in data.gene_names if data.network.loc[gene].sum() > 0]
starts = data.X_test[data.t_test == 0]
horizon = 9.0
predicted = est.perturbation_effects(starts, genes=regulators, horizon=horizon)

free = data.simulate(starts, [0.0, horizon])[:, -1]
true = np.array([(data.simulate(starts, [0.0, horizon], clamp={gene: 0.0})[:, -1] - free).mean(axis=0)
                 for gene in regulators])

# %%
# The knocked-out gene's own shift is trivial (it is held at 0), so it is left
# out; pairs with no true effect are scored only in the figure.
others = np.ones(true.shape, dtype=bool)
others[np.arange(len(regulators)), [data.gene_names.index(gene) for gene in regulators]] = False
moved = others & (np.abs(true) > 0.01)
rho = spearmanr(predicted.to_numpy()[moved], true[moved]).statistic
print(f"{len(regulators)} knockouts, {moved.sum()} (gene, target) pairs with a true |shift| > 0.01: "
      f"Spearman {rho:.2f}")

fig, ax = plt.subplots(figsize=(5, 5), layout="constrained")
ax.scatter(true[others], predicted.to_numpy()[others], s=10, alpha=0.6)
limit = np.abs(true[others]).max()
ax.plot([-limit, limit], [-limit, limit], color="grey", lw=0.8)
ax.set_xlabel("true shift at the horizon")
ax.set_ylabel("predicted shift")
ax.set_title(f"Knockouts on a 20-gene network (Spearman {rho:.2f})")

# %%
# Which genes matter most?
# ------------------------
# :meth:`~skdash.DASHRegulatoryEstimator.gene_influence` ranks the genes by the
# sum of the absolute shifts they cause in the other genes.
print(est.gene_influence(starts, genes=regulators, horizon=horizon).head())
