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


@pytest.mark.points(1)
def test_one_gradient_step_by_hand(student):
    """One epoch of solver="gd" from zero is one step against the gradient of the MEAN
    loss: for squared error dL/dw = 2/n X^T r, for the Huber loss 1/n X^T clip(r)."""
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([1.0, 3.0, 2.0, 9.0])
    lr, eps = 0.05, 1.0
    r = -y                                               # residuals at w = 0, b = 0
    for loss, g in (("squared_error", 2.0 * r / 4), ("huber", np.clip(r, -eps, eps) / 4)):
        model = student.linear_model.LinearRegression(solver="gd", loss=loss, epsilon=eps, learning_rate=lr,
                                                      max_iter=1, tol=None).fit(X, y)
        assert np.allclose(model.coef_, -lr * (X.T @ g)), loss
        assert np.isclose(model.intercept_, -lr * g.sum()), loss


@pytest.mark.points(1)
def test_ridge_intercept_and_lasso_small_alpha(student):
    """Ridge's intercept is mean(y) - mean(x) . w (the intercept is not penalised); a
    small L1 penalty leaves lasso close to least squares."""
    X, y = _line()
    y = y + 10.0
    model = student.linear_model.Ridge(alpha=5.0).fit(X, y)
    assert np.isclose(model.intercept_, y.mean() - X.mean(axis=0) @ np.asarray(model.coef_))
    coef = np.asarray(student.linear_model.Lasso(alpha=0.001).fit(X, y).coef_)
    assert np.allclose(coef, [3.0, -1.0], atol=0.05)


@pytest.mark.points(1)
def test_validation_curve_interpolates_training_points(student):
    """A polynomial of degree n - 1 fitted on n training points goes through all of them:
    its training error is zero when it is fitted on the training points only."""
    x_tr, y_tr = np.array([-1.0, -0.4, 0.1, 0.5, 0.9]), np.array([0.3, -0.2, 0.5, 0.1, 0.8])
    x_va, y_va = np.array([-0.7, 0.3, 0.7]), np.array([0.0, 0.2, 0.4])
    train, val = student.scaling.validation_curve(x_tr, y_tr, x_va, y_va, [1, 4])
    assert np.asarray(train)[1] < 1e-12 and np.asarray(train)[0] > 0 and len(np.asarray(val)) == 2


@pytest.mark.points(1)
def test_choose_degree_prefers_a_line_for_a_noisy_line(student):
    """Noisy points on a straight line: chosen on held-out points, degree 1 beats 12."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 30)
    y = 0.5 + 2.0 * x + 0.3 * rng.normal(size=30)
    assert int(student.scaling.choose_degree(x, y, [1, 12])) == 1


@pytest.mark.points(1)
def test_huber_fit_recovers_a_clean_line(student):
    """Without outliers, huber_fit recovers slope and intercept of a straight line."""
    x = np.linspace(-2, 2, 40)
    slope, intercept = student.scaling.huber_fit(x, 0.5 - 1.5 * x, delta=1.0, learning_rate=0.1, n_iter=3000)
    assert abs(slope + 1.5) < 1e-3 and abs(intercept - 0.5) < 1e-3
