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
    C = np.asarray(student.metrics.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 1]))
    assert C.tolist() == [[1, 1], [0, 3]]


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


@pytest.mark.points(1)
def test_standardise_test_set_uses_training_statistics(student):
    """The test set is scaled with the TRAINING mean and standard deviation."""
    X_tr = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    X_te = np.array([[2.0, 20.0], [6.0, 40.0]])
    _, B = student.star_galaxy.standardise(X_tr, X_te)
    assert np.allclose(np.asarray(B), (X_te - X_tr.mean(axis=0)) / X_tr.std(axis=0))


@pytest.mark.points(1)
def test_purity_and_completeness_differ(student):
    """Three objects called galaxies, two of them galaxies (purity 2/3); two of the four
    galaxies found (completeness 1/2)."""
    y_true = [1, 1, 1, 1, 0, 0]
    y_pred = [1, 1, 0, 0, 1, 0]
    purity, completeness = student.star_galaxy.purity_completeness(y_true, y_pred, 1)
    assert np.isclose(purity, 2 / 3) and np.isclose(completeness, 0.5)


@pytest.mark.points(1)
def test_knn_classify_is_not_fooled_by_units(student):
    """knn_classify: a useless column with a huge scale must not decide the neighbours."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    X = np.column_stack([1e6 * rng.normal(size=300), 3.0 * y + rng.normal(size=300)])
    pred = np.asarray(student.star_galaxy.knn_classify(X[:200], y[:200], X[200:]))
    assert np.mean(pred == y[200:]) > 0.8


@pytest.mark.points(1)
def test_balanced_logistic_finds_the_rare_class(student):
    """With 10 % of class 1, balanced_logistic finds most of class 1 in the training set."""
    rng = np.random.default_rng(7)
    y = (rng.random(1000) < 0.1).astype(int)
    X = rng.normal(size=(1000, 2)) + 1.2 * y[:, None]
    proba = np.asarray(student.star_galaxy.balanced_logistic(X, y, X))
    assert np.mean(proba[y == 1] > 0.5) > 0.5 and np.mean(proba[y == 0] <= 0.5) > 0.5


@pytest.mark.points(1)
def test_distances_of_a_3_4_5_triangle(student):
    """The Euclidean distance from (0, 0) to (3, 4) is 5; Manhattan 7; Chebyshev 4."""
    A, B = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])
    for p, d in ((2, 5.0), (1, 7.0), (np.inf, 4.0)):
        assert np.isclose(float(np.asarray(student.neighbors.pairwise_distances(A, B, p))[0, 0]), d)


@pytest.mark.points(1)
def test_gaussian_nb_parameters(student):
    """GaussianNB stores class means, VARIANCES and class frequencies as priors."""
    X = np.array([[0.0], [2.0], [10.0], [12.0], [14.0]])
    y = np.array([0, 0, 1, 1, 1])
    model = student.naive_bayes.GaussianNB(var_smoothing=0.0).fit(X, y)
    assert np.allclose(np.asarray(model.theta_)[:, 0], [1.0, 12.0])
    assert np.allclose(np.asarray(model.var_)[:, 0], [1.0, 8 / 3])
    assert np.allclose(model.class_prior_, [0.4, 0.6])
    assert np.allclose(np.exp(np.asarray(model.predict_log_proba(X))).sum(axis=1), 1.0)


@pytest.mark.points(1)
def test_roc_curve_and_auc_small_example(student):
    """Four objects: the ROC curve goes through thresholds in decreasing score order;
    the area under a unit square is one; normalize="true" rows sum to one."""
    fpr, tpr, thr = student.metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], drop_intermediate=False)
    assert np.allclose(fpr, [0, 0, 0.5, 0.5, 1]) and np.allclose(tpr, [0, 0.5, 0.5, 1, 1])
    assert np.isinf(thr[0]) and np.all(np.diff(np.asarray(thr)[1:]) < 0)
    assert np.isclose(float(student.metrics.auc([0.0, 1.0], [1.0, 1.0])), 1.0)
    C = np.asarray(student.metrics.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], normalize="true"))
    assert np.allclose(C.sum(axis=1), 1.0)
