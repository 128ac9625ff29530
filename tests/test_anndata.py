"""Reading expression from AnnData (skdash.io.from_anndata)."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skdash import DASHRegulatoryEstimator
from skdash.io import from_anndata

from .conftest import FAST

anndata = pytest.importorskip("anndata")

# anndata (<= 0.12) still reads a pandas option that pandas 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated")


@pytest.fixture
def adata(toy):
    obs = pd.DataFrame({"time": toy.t, "sample": [f"s{i}" for i in toy.trajectory],
                        "batch": toy.trajectory % 2},
                       index=[f"cell{i}" for i in range(len(toy.t))])
    var = pd.DataFrame(index=toy.gene_names)
    data = anndata.AnnData(X=sparse.csr_matrix(toy.X), obs=obs, var=var)
    data.layers["doubled"] = 2 * toy.X
    return data


def test_from_anndata(adata, toy):
    X, t, trajectory = from_anndata(adata, time_key="time", trajectory_key="sample")
    assert isinstance(X, pd.DataFrame) and X.dtypes.eq(np.float64).all()
    assert list(X.columns) == toy.gene_names and list(X.index) == list(adata.obs_names)
    np.testing.assert_array_equal(X.to_numpy(), toy.X)  # sparse X densified
    np.testing.assert_array_equal(t, toy.t)
    assert trajectory.tolist() == [f"s{i}" for i in toy.trajectory]


def test_layer_genes_and_integer_trajectories(adata, toy):
    X, _, trajectory = from_anndata(adata, time_key="time", trajectory_key="batch", layer="doubled",
                                    genes=["G3", "G0"])
    assert list(X.columns) == ["G3", "G0"]
    np.testing.assert_array_equal(X.to_numpy(), 2 * toy.X[:, [3, 0]])
    assert trajectory.dtype.kind == "i" and set(trajectory.tolist()) == {0, 1}


def test_single_trajectory_and_categorical_times(adata):
    adata.obs["stage"] = pd.Categorical(adata.obs["time"].astype(int))
    X, t, trajectory = from_anndata(adata, time_key="stage")
    assert trajectory is None
    np.testing.assert_array_equal(t, adata.obs["time"].to_numpy())


def test_result_fits(adata, toy):
    X, t, trajectory = from_anndata(adata, time_key="time", trajectory_key="sample")
    prior = pd.DataFrame(toy.prior, index=toy.gene_names, columns=toy.gene_names)
    estimator = DASHRegulatoryEstimator(prior=prior, **FAST).fit(X, t=t, trajectory=trajectory)
    expected = DASHRegulatoryEstimator(prior=toy.prior, **FAST).fit(toy.X, t=toy.t, trajectory=toy.trajectory)
    np.testing.assert_allclose(estimator.network_, expected.network_)
    assert list(estimator.feature_names_in_) == toy.gene_names


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(time_key="hours"), ValueError, r"no column 'hours' \(time_key\).*'time', 'sample', 'batch'"),
    (dict(time_key="time", trajectory_key="donor"), ValueError, r"no column 'donor' \(trajectory_key\)"),
    (dict(time_key="sample"), ValueError, r"adata.obs\['sample'\] \(time_key\) must hold numbers"),
    (dict(time_key="time", layer="counts"), ValueError, r"no layer 'counts'.*\['doubled'\]"),
    (dict(time_key="time", genes=["G1", "TP53", "MYC"]), ValueError, r"not in adata.var_names: \['TP53', 'MYC'\]"),
    (dict(time_key="time", genes=["G1", "G1"]), ValueError, r"more than once: \['G1'\]"),
    (dict(time_key="time", genes="G1"), TypeError, "genes must be a list"),
    (dict(time_key=3), TypeError, "time_key must be the name"),
])
def test_errors(adata, kwargs, error, message):
    with pytest.raises(error, match=message):
        from_anndata(adata, **kwargs)


def test_missing_times_and_duplicated_var_names(adata):
    adata.obs.loc["cell2", "time"] = np.nan
    with pytest.raises(ValueError, match=r"missing values \(first at observation 'cell2'\)"):
        from_anndata(adata, time_key="time")
    adata.obs["time"] = 0.0
    adata.var_names = ["G0", "G0"] + list(adata.var_names[2:])
    with pytest.raises(ValueError, match=r"duplicated names \['G0'\].*var_names_make_unique"):
        from_anndata(adata, time_key="time")
    X, _, _ = from_anndata(adata, time_key="time", genes=["G2", "G3"])  # the duplicate is not selected
    assert X.shape[1] == 2


def test_not_an_anndata():
    with pytest.raises(TypeError, match="anndata.AnnData"):
        from_anndata(np.zeros((3, 2)), time_key="time")
