"""
=========================================================
Choosing prior_weight and sparsity by cross-validation
=========================================================

:class:`~skdash.DASHRegulatoryEstimator` is an ordinary scikit-learn estimator, so
its hyperparameters can be tuned with :class:`~sklearn.model_selection.GridSearchCV`
inside a :class:`~sklearn.pipeline.Pipeline`.  Two details matter for time series:

* the time of each row (``t``) and its time course (``trajectory``) must reach both
  ``fit`` and ``score`` of every split.  That is what scikit-learn's *metadata
  routing* does; it is off by default and must be switched on;
* the splits must keep whole time courses together, so use
  :class:`~sklearn.model_selection.GroupKFold` with ``groups=trajectory``.

The score is the R² of one-step forecasts (each snapshot predicted from the
previous one of its time course) on the held-out trajectories.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skdash import DASHRegulatoryEstimator
from skdash.datasets import make_regulatory_network
from skdash.pruning import PruningSchedule

data = make_regulatory_network(15, n_trajectories=15, n_test_trajectories=5, noise=0.05,
                               random_state=1)
print(f"{data.X.shape[0]} rows, {len(np.unique(data.trajectory))} time courses, "
      f"{data.X.shape[1]} genes")

# %%
# Without metadata routing skdash refuses to be cross-validated
# --------------------------------------------------------------
# Without routing, scikit-learn passes ``t`` to ``fit`` but calls ``score`` without
# it, so every split would be scored on the wrong time axis.  skdash detects this
# and stops with an explanation instead of returning a silently wrong number.
small = dict(hidden_units=8, max_epochs=15, batch_size=16, learning_rate=0.01,
             pruning=PruningSchedule(start=3, initial=0.7, interval=3, rate=0.3),
             n_iter_no_change=8, random_state=0)
try:
    GridSearchCV(DASHRegulatoryEstimator(**small), {"hidden_units": [8]},
                 cv=GroupKFold(3), error_score="raise").fit(
        data.X, t=data.t, trajectory=data.trajectory, groups=data.trajectory)
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# A pipeline, a grid, and routing switched on
# -------------------------------------------
# ``DASHRegulatoryEstimator`` requests ``t`` and ``trajectory`` for ``fit`` and
# ``score`` by itself, so no ``set_fit_request`` call is needed; ``groups`` goes to
# the splitter.  ``MinMaxScaler`` brings each gene to [0, 1], the scale the model
# expects (harmless here, essential for log-ratios or counts).
# ``set_output(transform="pandas")`` keeps the gene names through the scaler, so the
# estimator can match the labelled prior to the columns of X.
pipeline = make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(data.prior, **small)).set_output(transform="pandas")
grid = {
    "dashregulatoryestimator__prior_weight": [0.0, (0.5, 0.05)],
    "dashregulatoryestimator__sparsity": [0.8, "auto"],
}
with config_context(enable_metadata_routing=True):
    search = GridSearchCV(pipeline, grid, cv=GroupKFold(n_splits=3))
    search.fit(data.X, t=data.t, trajectory=data.trajectory, groups=data.trajectory)
    test_score = search.score(data.X_test, t=data.t_test, trajectory=data.trajectory_test)

# Every split was fitted and scored on its own time axis: no NaN, no failure.
assert np.isfinite(search.cv_results_["mean_test_score"]).all()

results = pd.DataFrame({
    "prior_weight": [str(p["dashregulatoryestimator__prior_weight"]) for p in search.cv_results_["params"]],
    "sparsity": [str(p["dashregulatoryestimator__sparsity"]) for p in search.cv_results_["params"]],
    "mean_test_score": search.cv_results_["mean_test_score"],
    "std_test_score": search.cv_results_["std_test_score"],
    "rank": search.cv_results_["rank_test_score"],
})
print(results.round(3).to_string(index=False))
print("best:", search.best_params_)
print(f"R^2 of one-step forecasts on 5 unseen time courses: {test_score:.3f}")

# %%
# R² compares each forecast with the mean end state of its gene, a demanding
# baseline when the genes relax quickly towards steady states between samples.  The
# naive forecast "nothing changes between two samples" does much worse:
X_test, same = data.X_test, data.trajectory_test[1:] == data.trajectory_test[:-1]
persistence = r2_score(X_test[1:][same], X_test[:-1][same], multioutput="variance_weighted")
print(f"R^2 of the no-change forecast: {persistence:.3f}")

# %%
# The refitted best model is an ordinary fitted estimator: its network is one call
# away.
best = search.best_estimator_[-1]
print(f"sparsity {best.sparsity_:.2f}, {int(best.adjacency_.sum())} edges")
print(best.get_network(top_k=5).to_string(index=False))

# %%
# Plot the cross-validation scores
# --------------------------------
labels = [f"λ={row.prior_weight}\nsparsity={row.sparsity}" for row in results.itertuples()]
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.bar(range(len(results)), results["mean_test_score"], yerr=results["std_test_score"],
       color=["C0" if rank == 1 else "C7" for rank in results["rank"]],
       capsize=4)
ax.set_xticks(range(len(results)), labels, fontsize="small")
ax.set_ylabel("mean CV R² (one-step forecasts)")
ax.set_title("GroupKFold(3) over time courses; best in blue")
fig.tight_layout()
plt.show()
