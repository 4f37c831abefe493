"""Public checks of the classification assignment: run them with ``course check``.

Small synthetic data only; the hidden checks use star-galaxy and morphology catalogues
you have not seen.
"""
import numpy as np
import pytest


def _blobs(n=200, seed=0, scale=(1.0, 1.0)):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + 2.5 * y[:, None]
    return X * np.asarray(scale), y


@pytest.mark.points(1)
def test_logistic_regression_probabilities(student):
    """predict_proba returns one row per sample that sums to one and separates the blobs."""
    X, y = _blobs()
    proba = np.asarray(student.linear_model.LogisticRegression().fit(X, y).predict_proba(X))
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.mean((proba[:, 1] > 0.5) == y) > 0.9


@pytest.mark.points(1)
def test_perceptron_and_knn_learn_the_blobs(student):
    """The perceptron and kNN should both classify well-separated blobs."""
    X, y = _blobs()
    assert np.mean(np.asarray(student.linear_model.Perceptron().fit(X, y).predict(X)) == y) > 0.9
    assert np.mean(np.asarray(student.neighbors.KNeighborsClassifier(n_neighbors=5).fit(X, y).predict(X)) == y) > 0.9


@pytest.mark.points(1)
def test_gaussian_nb_is_a_probability(student):
    """GaussianNB posteriors sum to one."""
    X, y = _blobs()
    proba = np.asarray(student.naive_bayes.GaussianNB().fit(X, y).predict_proba(X))
    assert np.allclose(proba.sum(axis=1), 1.0)


@pytest.mark.points(1)
def test_confusion_matrix_small_example(student):
    """Rows are true classes, columns predicted classes."""
    C = np.asarray(student.metrics.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0]))
    assert C.tolist() == [[1, 1], [1, 2]]


@pytest.mark.points(1)
def test_standardise_and_purity(student):
    """standardise gives the training set zero mean and unit variance; purity and
    completeness of a perfect classifier are both one."""
    X, _ = _blobs(scale=(1000.0, 0.01))
    A, B = student.star_galaxy.standardise(X[:100], X[100:])
    A = np.asarray(A)
    assert np.allclose(A.mean(axis=0), 0.0, atol=1e-10) and np.allclose(A.std(axis=0), 1.0)
    assert np.asarray(B).shape == (100, 2)
    assert tuple(student.star_galaxy.purity_completeness([0, 1, 1], [0, 1, 1])) == (1.0, 1.0)
