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
def test_bootstrap_samples(student):
    """Each bagged learner gets its own sample of n rows drawn WITH replacement (so most
    samples repeat rows, and samples differ), and bagging predicts the learners' mean."""
    X, y = _wave(100)
    model = student.ensemble.BaggingRegressor(n_estimators=10, random_state=0).fit(X, y)
    samples = [np.asarray(idx) for idx in model.estimators_samples_]
    assert len(samples) == 10 and all(idx.shape == (100,) for idx in samples)
    assert sum(len(np.unique(idx)) < 100 for idx in samples) >= 8, "draw WITH replacement"
    assert len({tuple(idx) for idx in samples}) == 10, "every learner needs its own sample"
    mean = np.mean([np.asarray(m.predict(X)) for m in model.estimators_], axis=0)
    assert np.allclose(np.asarray(model.predict(X)), mean)


@pytest.mark.points(1)
def test_boosting_starts_at_the_mean_and_the_median(student):
    """F_0 is the mean of y for the squared error and the median for the absolute error;
    one absolute-error stump with learning_rate=1 then predicts the median of each leaf."""
    X, y = _wave()
    y = y + 3.0 * (np.arange(len(y)) % 10 == 0)                  # a few large outliers
    gb = student.ensemble.GradientBoostingRegressor
    assert np.allclose(np.asarray(gb(n_estimators=1).fit(X, y).init_, dtype=float), [np.mean(y)])
    model = gb(loss="absolute_error", n_estimators=1, max_depth=1, learning_rate=1.0).fit(X, y)
    assert np.allclose(np.asarray(model.init_, dtype=float), [np.median(y)])
    leaves = np.asarray(model.estimators_[0][0].apply(X))
    medians = {leaf: np.median(y[leaves == leaf]) for leaf in np.unique(leaves)}
    assert np.allclose(np.asarray(model.predict(X)), [medians[leaf] for leaf in leaves])


@pytest.mark.points(1)
def test_adaboost_classifies(student):
    """AdaBoost with stumps learns a diagonal boundary."""
    X, _ = _wave()
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = student.ensemble.AdaBoostClassifier(n_estimators=50, random_state=0).fit(X, y)
    assert np.mean(np.asarray(model.predict(X)) == y) > 0.9


@pytest.mark.points(1)
def test_adaboost_three_classes_is_samme(student):
    """With three classes the learner weights follow SAMME, log((1 - err)/err) + log(K - 1),
    like scikit-learn's AdaBoostClassifier on the same stumps."""
    from sklearn.ensemble import AdaBoostClassifier

    X, _ = _wave()
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.7, 0.7])
    model = student.ensemble.AdaBoostClassifier(n_estimators=10, random_state=0).fit(X, y)
    ref = AdaBoostClassifier(n_estimators=10, random_state=0).fit(X, y)
    assert np.allclose(np.asarray(model.estimator_weights_, dtype=float), ref.estimator_weights_, atol=1e-8)


@pytest.mark.points(1)
def test_photoz_metrics_on_a_toy_case(student):
    """A prediction 10 % too high in (1 + z) has dz/(1+z) = 0.1 everywhere: zero NMAD and
    no outliers at 0.15, all outliers at 0.05; 20 % too low: all outliers at 0.15."""
    z = np.linspace(0.1, 2.0, 50)
    z_pred = z + 0.1 * (1 + z)
    assert np.allclose(np.asarray(student.photoz.normalised_residuals(z, z_pred)), 0.1)
    assert abs(float(student.photoz.sigma_nmad(z, z_pred))) < 1e-12
    assert float(student.photoz.outlier_fraction(z, z_pred, 0.15)) == 0.0
    assert float(student.photoz.outlier_fraction(z, z_pred, 0.05)) == 1.0
    assert float(student.photoz.outlier_fraction(z, z - 0.2 * (1 + z), 0.15)) == 1.0


@pytest.mark.points(1)
def test_sigma_nmad_by_hand(student):
    """dz/(1+z) of -0.02, 0, 0.02 and one outlier of 1: the median absolute deviation is
    0.02, times 1.4826."""
    z = np.zeros(4)
    z_pred = np.array([-0.02, 0.0, 0.02, 1.0])
    assert abs(float(student.photoz.sigma_nmad(z, z_pred)) - 1.4826 * 0.02) < 1e-12


@pytest.mark.points(1)
def test_bootstrap_shapes(student):
    """bootstrap_predictions returns one row per resample; bias_variance two numbers."""
    X, y = _wave()
    P = np.asarray(student.photoz.bootstrap_predictions(X[:200], y[:200], X[200:], n_bootstraps=5, max_depth=3))
    assert P.shape == (5, 100)
    bias2, var = student.photoz.bias_variance(P, y[200:])
    assert bias2 >= 0 and var > 0


@pytest.mark.points(1)
def test_bias_variance_by_hand(student):
    """Two resamples predicting (0, 2, 4) and (2, 2, 4) for truths (1, 1, 1): mean
    predictions (1, 2, 4), squared bias (0 + 1 + 9) / 3, variance across the resamples
    (1 + 0 + 0) / 3."""
    bias2, var = student.photoz.bias_variance(np.array([[0.0, 2.0, 4.0], [2.0, 2.0, 4.0]]), np.ones(3))
    assert abs(float(bias2) - 10 / 3) < 1e-12 and abs(float(var) - 1 / 3) < 1e-12
