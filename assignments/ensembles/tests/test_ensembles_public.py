"""Public checks of the ensembles assignment: run them with ``course check``.

Small synthetic data only; the hidden checks use a photometric-redshift catalogue you
have not seen.
"""
import numpy as np
import pytest


def _wave(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    return X, np.sin(2 * X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.normal(size=n)


@pytest.mark.points(1)
def test_ensembles_fit_and_predict(student):
    """Bagging and gradient boosting fit a smooth function better than its mean."""
    X, y = _wave()
    for model in (student.ensemble.BaggingRegressor(n_estimators=10, random_state=0),
                  student.ensemble.GradientBoostingRegressor(n_estimators=50, random_state=0)):
        pred = np.asarray(model.fit(X, y).predict(X))
        assert pred.shape == y.shape and np.mean((pred - y) ** 2) < 0.5 * np.var(y)


@pytest.mark.points(1)
def test_adaboost_classifies(student):
    """AdaBoost with stumps learns a diagonal boundary."""
    X, _ = _wave()
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = student.ensemble.AdaBoostClassifier(n_estimators=50, random_state=0).fit(X, y)
    assert np.mean(np.asarray(model.predict(X)) == y) > 0.9


@pytest.mark.points(1)
def test_photoz_metrics_on_a_toy_case(student):
    """A prediction 10 % too high in (1 + z) has dz/(1+z) = 0.1 everywhere: zero NMAD and
    no outliers at 0.15, all outliers at 0.05."""
    z = np.linspace(0.1, 2.0, 50)
    z_pred = z + 0.1 * (1 + z)
    assert np.allclose(np.asarray(student.photoz.normalised_residuals(z, z_pred)), 0.1)
    assert abs(float(student.photoz.sigma_nmad(z, z_pred))) < 1e-12
    assert float(student.photoz.outlier_fraction(z, z_pred, 0.15)) == 0.0
    assert float(student.photoz.outlier_fraction(z, z_pred, 0.05)) == 1.0


@pytest.mark.points(1)
def test_bootstrap_shapes(student):
    """bootstrap_predictions returns one row per resample; bias_variance two numbers."""
    X, y = _wave()
    P = np.asarray(student.photoz.bootstrap_predictions(X[:200], y[:200], X[200:], n_bootstraps=5, max_depth=3))
    assert P.shape == (5, 100)
    bias2, var = student.photoz.bias_variance(P, y[200:])
    assert bias2 >= 0 and var > 0
