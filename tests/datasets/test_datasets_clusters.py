"""The galaxy-cluster generator: relations, scatters and correlations come back out."""
import numpy as np
import pandas as pd
import pytest

from reference.datasets import make_galaxy_clusters
from reference.datasets._physics import efunc
from reference.datasets.clusters import (
    CLUSTER_COLUMNS,
    HSE_BIAS_MEDIAN,
    HSE_BIAS_SCATTER,
    M_PIVOT,
    MASS_RANGE,
    SCALING_RELATIONS,
)

N = 6000


@pytest.fixture(scope="module")
def clusters():
    return make_galaxy_clusters(N, seed=3)


def _fit(df, column):
    """Least squares ln O = a + B ln(M/M_piv) + C ln E(z); returns (a, B, C, residuals)."""
    design = np.column_stack([
        np.ones(len(df)), np.log(df.M500 / M_PIVOT), np.log(efunc(df.z))])
    target = np.log(df[column].to_numpy())
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return coef, target - design @ coef


def test_columns_shape_dtypes_and_no_nan(clusters):
    assert list(clusters.columns) == list(CLUSTER_COLUMNS)
    assert clusters.shape == (N, len(CLUSTER_COLUMNS))
    assert all(dtype == np.float64 for dtype in clusters.dtypes)
    assert np.isfinite(clusters.to_numpy()).all()
    assert (clusters.drop(columns="z") > 0).all().all()


def test_mass_function_range_and_steepness(clusters):
    logm = np.log10(clusters.M500)
    assert logm.min() >= MASS_RANGE[0] and logm.max() <= MASS_RANGE[1]
    # steep: each half-dex bin holds fewer clusters than the one below
    counts, _ = np.histogram(logm, bins=[13.5, 14.0, 14.5, 15.0])
    assert counts[0] > 3 * counts[1] > 0 and counts[1] > 3 * counts[2] > 0


@pytest.mark.parametrize("column", ["T_X", "M_gas", "Y_X", "Y_SZ", "L_X", "sigma_v"])
def test_scaling_relation_slope_and_scatter_recovered(clusters, column):
    rel = SCALING_RELATIONS[column]
    (a, slope, ez), resid = _fit(clusters, column)
    assert slope == pytest.approx(rel.slope, abs=0.04)
    assert ez == pytest.approx(rel.ez_exponent, abs=0.05 + 0.4 * rel.scatter)
    assert np.exp(a) == pytest.approx(rel.norm, rel=0.05)
    assert resid.std() == pytest.approx(rel.scatter, rel=0.08)


def test_richness_scatter_shrinks_for_rich_clusters(clusters):
    rel = SCALING_RELATIONS["richness"]
    (a, slope, _), resid = _fit(clusters, "richness")
    assert slope == pytest.approx(rel.slope, abs=0.05)
    massive = clusters.M500.to_numpy() > 2e14
    poor = clusters.M500.to_numpy() < 5e13
    # Poisson noise: poor groups scatter more than the intrinsic floor, rich ones near it
    assert resid[poor].std() > resid[massive].std() > 0.8 * rel.scatter


def test_concentration_falls_weakly_with_mass(clusters):
    (_, slope, _), resid = _fit(clusters, "concentration")
    assert -0.2 < slope < 0.0
    assert resid.std() == pytest.approx(SCALING_RELATIONS["concentration"].scatter, rel=0.1)


def test_correlated_residual_signs(clusters):
    res = {c: _fit(clusters, c)[1] for c in ("T_X", "M_gas", "L_X", "Y_SZ")}
    r = np.corrcoef([res["T_X"], res["M_gas"], res["L_X"], res["Y_SZ"]])
    assert r[0, 1] < -0.1  # T_X vs M_gas: anti-correlated (Kravtsov et al. 2006)
    assert r[1, 2] > 0.2  # M_gas vs L_X: gas-rich clusters are brighter
    assert r[0, 2] < -0.05  # T_X vs L_X: cool cores are bright and cool
    assert r[1, 3] > 0.2  # M_gas vs Y_SZ
    # Y_X = M_gas T_X scatters less than T_X + M_gas would if independent
    _, res_yx = _fit(clusters, "Y_X")
    assert res_yx.std() < np.hypot(res["T_X"].std(), res["M_gas"].std())


def test_hydrostatic_bias_median_scatter_and_dynamical_state(clusters):
    bias = clusters.M_HSE / clusters.M500
    assert bias.median() == pytest.approx(HSE_BIAS_MEDIAN, abs=0.01)
    assert np.log(bias).std() == pytest.approx(HSE_BIAS_SCATTER, rel=0.08)
    # disturbed clusters (large centre offset) are more biased (lower 1-b)
    rho = pd.Series(np.log(clusters.relaxation)).corr(pd.Series(np.log(bias)), method="spearman")
    assert rho < -0.2
    # and have lower concentrations
    _, c_res = _fit(clusters, "concentration")
    assert np.corrcoef(np.log(clusters.relaxation), c_res)[0, 1] < -0.1


def test_hse_bias_switch():
    unbiased = make_galaxy_clusters(3000, seed=5, hse_bias=False)
    biased = make_galaxy_clusters(3000, seed=5)
    assert (unbiased.M_HSE / unbiased.M500).median() == pytest.approx(1.0, abs=0.015)
    pd.testing.assert_frame_equal(unbiased.drop(columns="M_HSE"), biased.drop(columns="M_HSE"))


def test_feature_ranking_is_clear():
    """Y_SZ predicts mass best; without it M_gas or Y_X does; richness is far worse."""
    from sklearn.tree import DecisionTreeRegressor

    df = make_galaxy_clusters(1500, seed=11)
    y = np.log10(df.M500)
    X = df.drop(columns="M500")
    tree = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X[:1000], y[:1000])
    importances = pd.Series(tree.feature_importances_, index=X.columns)
    assert importances.idxmax() == "Y_SZ" and importances["Y_SZ"] > 0.8
    tree.fit(X.drop(columns="Y_SZ")[:1000], y[:1000])
    importances = pd.Series(tree.feature_importances_, index=X.columns.drop("Y_SZ"))
    assert importances.idxmax() in {"M_gas", "Y_X"}

    def held_out_rmse(column):
        t = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X[[column, "z"]][:1000], y[:1000])
        return np.sqrt(np.mean((t.predict(X[[column, "z"]][1000:]) - y[1000:]) ** 2))

    assert held_out_rmse("Y_SZ") < held_out_rmse("M_gas") < held_out_rmse("richness")
    assert held_out_rmse("richness") < held_out_rmse("concentration")


def test_same_seed_same_data_different_seed_differs():
    a = make_galaxy_clusters(200, seed=7)
    pd.testing.assert_frame_equal(a, make_galaxy_clusters(200, seed=7))
    assert not np.allclose(a.to_numpy(), make_galaxy_clusters(200, seed=8).to_numpy())


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
def test_bad_n_rejected(bad):
    with pytest.raises((ValueError, TypeError), match="n must"):
        make_galaxy_clusters(bad)
