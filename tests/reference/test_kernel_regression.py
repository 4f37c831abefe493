"""Nadaraya-Watson and locally linear regression."""
import numpy as np
import pytest

from reference.kernel_regression import LocallyLinearRegression, NadarayaWatson, kernel_weights


def _sine(n=150, seed=0):
    rng = np.random.RandomState(seed)
    x = np.sort(rng.uniform(0, 10, n))
    return x[:, None], np.sin(x) + 0.1 * rng.randn(n)


def test_nadaraya_watson_is_the_weighted_mean():
    X, y = _sine(40)
    xq = np.array([[2.5], [7.1]])
    h = 0.7
    pred = NadarayaWatson(h).fit(X, y).predict(xq)
    for q, p in zip(xq[:, 0], pred):
        w = np.exp(-0.5 * ((X[:, 0] - q) / h) ** 2)
        assert p == pytest.approx(np.sum(w * y) / np.sum(w), rel=1e-12)


def test_locally_linear_is_weighted_least_squares_at_each_point():
    X, y = _sine(40)
    q, h = 4.2, 0.8
    w = np.exp(-0.5 * ((X[:, 0] - q) / h) ** 2)
    A = np.column_stack([np.ones(len(y)), X[:, 0] - q])
    beta = np.linalg.solve(A.T @ (w[:, None] * A), A.T @ (w * y))
    assert LocallyLinearRegression(h).fit(X, y).predict([[q]])[0] == pytest.approx(beta[0], rel=1e-7)


def test_locally_linear_reproduces_lines_nadaraya_watson_does_not():
    X = np.random.RandomState(0).uniform(-3, 3, (80, 2))
    y = 2.0 * X[:, 0] - 1.0 * X[:, 1] + 0.5
    Xq = np.array([[-3.0, -3.0], [0.0, 0.0], [3.0, 3.0]])
    truth = 2.0 * Xq[:, 0] - Xq[:, 1] + 0.5
    np.testing.assert_allclose(LocallyLinearRegression(1.0).fit(X, y).predict(Xq), truth, atol=1e-6)
    edge_error = abs(NadarayaWatson(1.0).fit(X, y).predict(Xq[:1])[0] - truth[0])
    assert edge_error > 0.5  # NW's boundary bias


@pytest.mark.parametrize("kernel", ["gaussian", "epanechnikov", "tophat"])
def test_smoothers_recover_the_sine(kernel):
    X, y = _sine()
    xq = np.linspace(0.5, 9.5, 40)[:, None]
    truth = np.sin(xq[:, 0])
    for model in (NadarayaWatson(0.4, kernel=kernel), LocallyLinearRegression(0.4, kernel=kernel)):
        rmse = np.sqrt(np.mean((model.fit(X, y).predict(xq) - truth) ** 2))
        assert rmse < 0.1, (model, rmse)


def test_bandwidth_trades_bias_for_variance():
    X, y = _sine()
    train_rmse = [np.sqrt(np.mean((NadarayaWatson(h).fit(X, y).predict(X) - y) ** 2)) for h in (0.02, 0.3, 3.0)]
    assert train_rmse[0] < train_rmse[1] < train_rmse[2]
    assert train_rmse[0] < 0.05  # tiny bandwidth interpolates the noise
    assert train_rmse[2] > 0.5  # huge bandwidth flattens the sine


def test_kernels_and_empty_neighbourhoods():
    w = kernel_weights(np.array([[0.0]]), np.array([[0.0], [0.5], [2.0]]), 1.0, "epanechnikov")
    np.testing.assert_allclose(w, [[1.0, 0.75, 0.0]])
    X, y = np.array([[0.0], [1.0]]), np.array([1.0, 3.0])
    # a query beyond every compact kernel falls back to its nearest training point
    assert NadarayaWatson(0.1, kernel="tophat").fit(X, y).predict([[5.0]])[0] == 3.0
    assert LocallyLinearRegression(0.1, kernel="tophat").fit(X, y).predict([[-5.0]])[0] == 1.0


@pytest.mark.parametrize("make", [lambda: NadarayaWatson(0.0), lambda: NadarayaWatson(kernel="box"),
                                  lambda: LocallyLinearRegression(-1.0)])
def test_bad_parameters(make):
    X, y = _sine(10)
    with pytest.raises(ValueError):
        make().fit(X, y)
