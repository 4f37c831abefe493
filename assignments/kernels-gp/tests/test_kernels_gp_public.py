"""Public checks of the kernels-gp assignment: run them with ``course check``.

Small fixed examples only; the hidden checks use star-galaxy catalogues and simulation
runs you have not seen, and compare your SVM and Gaussian process with scikit-learn's.
"""
import numpy as np
import pytest


@pytest.mark.points(1)
def test_kernels_by_hand(student):
    """Two points: the RBF and polynomial kernels worked out by hand."""
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert np.allclose(student.svm.rbf_kernel(X, X, gamma=0.5), [[1, np.exp(-2.5)], [np.exp(-2.5), 1]])
    assert np.allclose(student.svm.polynomial_kernel(X, X, degree=2, gamma=1.0, coef0=1.0), [[4, 1], [1, 25]])


@pytest.mark.points(1)
def test_smo_two_points(student):
    """Two points at x = 0 and x = 2: both are support vectors with alpha = 1/2 and the
    decision function is f(x) = x - 1."""
    X = np.array([[0.0], [2.0]])
    alpha, b, _ = student.svm.smo(X @ X.T, np.array([-1.0, 1.0]), 100.0, 1e-10)
    assert np.allclose(alpha, [0.5, 0.5], atol=1e-8) and abs(b + 1.0) < 1e-8
    model = student.svm.SVC(kernel="linear", C=100.0, tol=1e-10).fit(X, np.array([0, 1]))
    assert np.allclose(model.decision_function(np.array([[1.0], [3.0]])), [0.0, 2.0], atol=1e-8)


@pytest.mark.points(1)
def test_smoothers_on_a_line(student):
    """Nadaraya-Watson averages a constant to itself; locally linear regression
    reproduces a straight line, even at the ends of the data."""
    X = np.linspace(0, 1, 21)[:, None]
    const = student.emulator.NadarayaWatson(bandwidth=0.1).fit(X, np.full(21, 3.0)).predict(X)
    assert np.allclose(const, 3.0)
    line = student.emulator.LocallyLinearRegression(bandwidth=0.2).fit(X, 2 * X[:, 0] + 1).predict(np.array([[0.0], [1.0]]))
    assert np.allclose(line, [1.0, 3.0], atol=1e-8)


@pytest.mark.points(1)
def test_bandwidth_functions_run(student):
    """bandwidth_curve returns one training and one validation error per bandwidth and
    choose_bandwidth one of the bandwidths."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (120, 1))
    y = np.sin(6 * X[:, 0]) + 0.1 * rng.normal(size=120)
    train, val = student.emulator.bandwidth_curve(X[:80], y[:80], X[80:], y[80:], [0.01, 0.1], "nw")
    assert np.asarray(train).shape == (2,) and np.asarray(val).shape == (2,)
    assert float(student.emulator.choose_bandwidth(X, y, [0.01, 0.1, 1.0], "nw")) in (0.01, 0.1, 1.0)


@pytest.mark.points(1)
def test_gp_interpolates_and_is_uncertain_far_away(student):
    """With almost no noise the GP goes through the runs; far from them its standard
    deviation returns to the prior's, sqrt(signal variance + noise)."""
    X = np.linspace(0, 5, 12)[:, None]
    y = np.cos(X[:, 0])
    gp = student.emulator.GaussianProcessRegressor(length_scale=1.0, noise_level=1e-6, optimizer=None).fit(X, y)
    mean, std = gp.predict(X, return_std=True)
    assert np.allclose(mean, y, atol=1e-3) and np.max(std) < 0.01
    _, far = gp.predict(np.array([[50.0]]), return_std=True)
    assert abs(float(far[0]) - 1.0) < 1e-3
    assert int(student.emulator.next_simulation(gp, np.array([[2.5], [30.0], [1.0]]))) == 1
