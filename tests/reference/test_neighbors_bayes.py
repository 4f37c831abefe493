"""k-nearest neighbours and Gaussian naive Bayes against scikit-learn."""
import numpy as np
import pytest
from sklearn import naive_bayes as sknb
from sklearn import neighbors as skn
from sklearn.datasets import load_digits, load_iris, make_classification, make_regression

from reference.naive_bayes import GaussianNB
from reference.neighbors import KNeighborsClassifier, KNeighborsRegressor, pairwise_distances

RNG = np.random.RandomState(0)
IRIS_X, IRIS_Y = load_iris(return_X_y=True)
IRIS_X = IRIS_X + 1e-3 * RNG.randn(*IRIS_X.shape)  # break distance ties (sklearn's order is arbitrary there)
CLS = {
    "iris": (IRIS_X, IRIS_Y),
    "cls": make_classification(300, 5, n_informative=3, n_classes=3, random_state=0),
    "digits": (lambda d: (d[0][:500] + 1e-3 * RNG.randn(500, 64), d[1][:500]))(load_digits(return_X_y=True)),
}


def _split(X, y, n_test=60):
    return X[:-n_test], y[:-n_test], X[-n_test:]


@pytest.mark.parametrize("name", sorted(CLS))
@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_knn_classifier_matches_sklearn(name, weights, metric):
    X, y = CLS[name]
    perm = np.random.RandomState(1).permutation(len(y))
    Xtr, ytr, Xte = _split(X[perm], y[perm])
    ours = KNeighborsClassifier(5, weights=weights, metric=metric).fit(Xtr, ytr)
    ref = skn.KNeighborsClassifier(5, weights=weights, metric=metric, algorithm="brute").fit(Xtr, ytr)
    np.testing.assert_allclose(ours.predict_proba(Xte), ref.predict_proba(Xte), atol=1e-10)
    np.testing.assert_array_equal(ours.predict(Xte), ref.predict(Xte))
    d1, i1 = ours.kneighbors(Xte)
    d2, i2 = ref.kneighbors(Xte)
    np.testing.assert_allclose(d1, d2, atol=1e-8)
    np.testing.assert_array_equal(i1, i2)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_knn_regressor_matches_sklearn(weights, p):
    X, y = make_regression(200, 4, noise=5.0, random_state=0)
    ours = KNeighborsRegressor(7, weights=weights, p=p).fit(X[:150], y[:150])
    ref = skn.KNeighborsRegressor(7, weights=weights, p=p, algorithm="brute").fit(X[:150], y[:150])
    np.testing.assert_allclose(ours.predict(X[150:]), ref.predict(X[150:]), rtol=1e-10)


def test_knn_regressor_multi_output_and_exact_hits():
    X, Y = make_regression(80, 3, n_targets=2, random_state=2)
    ours = KNeighborsRegressor(3, weights="distance").fit(X, Y)
    assert ours.predict(X[:5]).shape == (5, 2)
    # a query on a training point returns that point's target under distance weighting
    np.testing.assert_allclose(ours.predict(X[:5]), Y[:5])
    ref = skn.KNeighborsRegressor(3).fit(X[:60], Y[:60])
    np.testing.assert_allclose(KNeighborsRegressor(3).fit(X[:60], Y[:60]).predict(X[60:]), ref.predict(X[60:]))


def test_kneighbors_without_query_excludes_self():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    m = KNeighborsClassifier(2).fit(X, [0, 0, 1, 1])
    d, i = m.kneighbors()
    np.testing.assert_array_equal(i, [[1, 2], [0, 2], [1, 0], [2, 1]])
    np.testing.assert_allclose(d, [[1, 3], [1, 2], [2, 3], [4, 6]])


def test_pairwise_distances_against_definition():
    A, B = RNG.randn(4, 3), RNG.randn(5, 3)
    for p in (1, 2, 3, np.inf):
        expected = np.array([[np.linalg.norm(a - b, ord=p) for b in B] for a in A])
        np.testing.assert_allclose(pairwise_distances(A, B, p), expected, atol=1e-12)


def test_knn_bad_input():
    with pytest.raises(ValueError, match="n_neighbors"):
        KNeighborsClassifier(10).fit(IRIS_X[:5], IRIS_Y[:5])
    with pytest.raises(ValueError, match="weights"):
        KNeighborsClassifier(weights="gaussian").fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="metric"):
        KNeighborsRegressor(metric="cosine").fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="features"):
        KNeighborsClassifier().fit(IRIS_X, IRIS_Y).predict(IRIS_X[:, :2])


@pytest.mark.parametrize("name", sorted(CLS))
def test_gaussian_nb_matches_sklearn(name):
    X, y = CLS[name]
    ours, ref = GaussianNB().fit(X, y), sknb.GaussianNB().fit(X, y)
    np.testing.assert_allclose(ours.theta_, ref.theta_, atol=1e-10)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-8)
    np.testing.assert_allclose(ours.class_prior_, ref.class_prior_)
    assert ours.epsilon_ == pytest.approx(ref.epsilon_)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X).sum(axis=1), 1.0)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_gaussian_nb_priors_and_smoothing():
    X, y = CLS["cls"]
    priors = [0.6, 0.3, 0.1]
    ours = GaussianNB(priors=priors, var_smoothing=1e-3).fit(X, y)
    ref = sknb.GaussianNB(priors=priors, var_smoothing=1e-3).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    # a larger prior for a class can only win it more samples
    assert (GaussianNB(priors=[0.98, 0.01, 0.01]).fit(X, y).predict(X) == 0).sum() >= (ours.predict(X) == 0).sum()
    with pytest.raises(ValueError, match="priors"):
        GaussianNB(priors=[0.5, 0.5]).fit(X, y)


def test_gaussian_nb_log_proba_is_stable_far_from_the_data():
    X, y = CLS["iris"]
    m = GaussianNB().fit(X, y)
    far = np.full((1, 4), 1e3)
    lp = m.predict_log_proba(far)
    assert np.all(np.isfinite(lp)) and np.isclose(np.exp(lp).sum(), 1.0)
