"""Public checks of the linear-models assignment: run them with ``course check``.

They use small synthetic data and only say whether the basics work; the hidden checks
use simulated cluster catalogues you have not seen and stricter criteria.
"""
import numpy as np
import pytest


def _line(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    return x, 2.0 + x @ np.array([3.0, -1.0])


@pytest.mark.points(1)
def test_normal_equations_recover_an_exact_line(student):
    """solver="normal" should recover coefficients and intercept of noise-free data."""
    X, y = _line()
    model = student.linear_model.LinearRegression(solver="normal").fit(X, y)
    assert np.allclose(model.coef_, [3.0, -1.0]) and abs(model.intercept_ - 2.0) < 1e-8


@pytest.mark.points(1)
def test_gradient_descent_loss_goes_down(student):
    """Batch gradient descent: the training loss should decrease epoch after epoch."""
    X, y = _line()
    model = student.linear_model.LinearRegression(solver="gd", learning_rate=0.1, max_iter=200, tol=None).fit(X, y)
    history = np.asarray(model.loss_history_)
    assert len(history) == 200 and np.all(np.diff(history) <= 0) and history[-1] < 1e-3


@pytest.mark.points(1)
def test_ridge_and_lasso_shrink(student):
    """A larger penalty shrinks ridge weights; a large enough L1 penalty zeroes lasso's."""
    X, y = _line()
    small = np.linalg.norm(student.linear_model.Ridge(alpha=0.1).fit(X, y).coef_)
    large = np.linalg.norm(student.linear_model.Ridge(alpha=100.0).fit(X, y).coef_)
    assert large < small
    assert np.all(np.asarray(student.linear_model.Lasso(alpha=100.0).fit(X, y).coef_) == 0.0)


@pytest.mark.points(1)
def test_power_law_of_exact_relation(student):
    """M = 10**14 * T**1.5 should give slope 1.5 and normalisation 14 in log10 space."""
    T = np.linspace(1, 10, 20)
    slope, intercept = student.scaling.fit_power_law(T, 1e14 * T**1.5)
    assert abs(slope - 1.5) < 1e-8 and abs(intercept - 14.0) < 1e-8


@pytest.mark.points(1)
def test_polynomial_tools(student):
    """polynomial_design has degree + 1 columns starting with ones; choose_degree returns
    one of the candidate degrees."""
    x = np.linspace(-1, 1, 40)
    X = np.asarray(student.scaling.polynomial_design(x, 3))
    assert X.shape == (40, 4) and np.allclose(X[:, 0], 1.0)
    y = 1 - x + 0.5 * x**2
    assert int(student.scaling.choose_degree(x, y, [1, 2, 3])) in (1, 2, 3)


@pytest.mark.points(1)
def test_huber_gradient_values(student):
    """The Huber gradient is the residual inside [-delta, delta] and +-delta outside."""
    g = np.asarray(student.scaling.huber_loss_gradient(np.array([-3.0, 0.5, 3.0]), 1.0))
    assert np.allclose(g, [-1.0, 0.5, 1.0])
