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


@pytest.mark.points(1)
def test_kernel_weights_by_hand(student):
    """Runs at distances 0, 1 and 2 from the query, h = 0.5: weights exp(-d^2 / (2 h^2))
    = 1, exp(-2), exp(-8) (the nearest run's weight is 1)."""
    W = np.asarray(student.emulator.kernel_weights(np.array([[0.0]]), np.array([[0.0], [1.0], [2.0]]), 0.5))
    assert np.allclose(W, [[1.0, np.exp(-2.0), np.exp(-8.0)]], rtol=1e-8)


@pytest.mark.points(1)
def test_smo_margin_and_box(student):
    """x = 0 (class -1), x = 2 and x = 5 (class +1).  With a large C the far point is no
    support vector (alpha = 0) and f(x) = x - 1; with C = 0.1 the two near points are
    clipped to alpha = C = 0.1 and f(x) = 0.2 (x - 1) (the intercept is then the midpoint
    of the optimality bounds)."""
    X, y = np.array([[0.0], [2.0], [5.0]]), np.array([-1.0, 1.0, 1.0])
    alpha, b, _ = student.svm.smo(X @ X.T, y, 100.0, 1e-10)
    assert np.allclose(alpha, [0.5, 0.5, 0.0], atol=1e-6) and abs(b + 1.0) < 1e-6
    alpha, b, _ = student.svm.smo(X[:2] @ X[:2].T, y[:2], 0.1, 1e-10)
    assert np.allclose(alpha, [0.1, 0.1], atol=1e-6) and abs(b + 0.2) < 1e-6


def _noise_labels():
    rng = np.random.default_rng(7)
    return rng.normal(size=(60, 2)), rng.integers(0, 2, size=60)


@pytest.mark.points(1)
def test_cross_validation_of_pure_noise(student):
    """Random labels: a memorising SVM (large gamma) is perfect on its training folds but
    at chance on the held-out folds; select_svc picks the best cross-validated cell."""
    X, y = _noise_labels()
    Cs, gammas = [1.0, 100.0], [0.1, 100.0]
    acc = np.asarray(student.svm.cross_validated_accuracy(X, y, Cs, gammas, n_splits=3))
    assert acc.shape == (2, 2) and acc[1, 1] < 0.8
    C, gamma = (float(v) for v in student.svm.select_svc(X, y, Cs, gammas, n_splits=3))
    assert acc[Cs.index(C), gammas.index(gamma)] >= acc.max() - 0.01


def _wiggle():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (120, 1))
    return X, np.sin(6 * X[:, 0]) + 0.1 * rng.normal(size=120)


@pytest.mark.points(1)
def test_tiny_bandwidth_overfits(student):
    """A tiny bandwidth reproduces its own training runs (noise included) but not new
    ones, so cross-validation prefers a moderate one."""
    X, y = _wiggle()
    train, val = (np.asarray(v) for v in student.emulator.bandwidth_curve(X[:80], y[:80], X[80:], y[80:],
                                                                          [0.001, 0.05], "nw"))
    assert val[0] > 10 * train[0]
    assert float(student.emulator.choose_bandwidth(X, y, [0.001, 0.05], "nw")) == 0.05


@pytest.mark.points(1)
def test_gp_likelihood_and_noise(student):
    """Two runs far apart (y = 1 and -1, signal variance 1, noise 0.25): each is an
    independent N(0, 1.25), so log p = 2 (-1 / 2.5 - log(1.25) / 2 - log(2 pi) / 2); far
    from the runs the predictive standard deviation is sqrt(1.25), and a fitted emulator
    beats its starting guesses."""
    X, y = np.array([[0.0], [100.0]]), np.array([1.0, -1.0])
    gp = student.emulator.GaussianProcessRegressor(length_scale=1.0, noise_level=0.25, optimizer=None).fit(X, y)
    expected = 2 * (-1 / 2.5 - 0.5 * np.log(1.25) - 0.5 * np.log(2 * np.pi))
    assert abs(float(gp.log_marginal_likelihood()) - expected) < 1e-8
    mean, std = gp.predict(np.array([[50.0], [60.0], [70.0], [80.0]]), return_std=True)
    assert np.allclose(std, np.sqrt(1.25), rtol=1e-8) and np.allclose(mean, 0.0, atol=1e-8)
    # prior mean 0, std 1.118 far away: 0.5 and 1.0 lie within one sigma, 1.2 and 3.0 do not
    runs = np.array([[50.0], [60.0], [70.0], [80.0]])
    assert abs(float(student.emulator.coverage(gp, runs, np.array([0.5, 1.0, 1.2, 3.0]))) - 0.5) < 1e-12
    Xw, yw = _wiggle()
    emu = student.emulator.fit_emulator(Xw[:30], yw[:30])
    assert float(emu.log_marginal_likelihood()) > float(emu.log_marginal_likelihood(np.log([1.0, 0.5, 0.1]))) + 1.0
