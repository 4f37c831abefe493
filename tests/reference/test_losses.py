"""Losses: values against scikit-learn/closed forms, gradients against finite differences."""
import numpy as np
import pytest
from sklearn import metrics as skm

from reference import losses as L
from _helpers_a import numeric_grad

RNG = np.random.RandomState(0)
Y_REG = RNG.randn(12)
F_REG = Y_REG + RNG.randn(12) * 2.0  # some residuals beyond the Huber delta
Y01 = (RNG.rand(12) > 0.5).astype(float)
Z = RNG.randn(12) * 3
Y_PM = 2 * Y01 - 1

REGRESSION = [
    (L.mean_squared_error_loss, L.mean_squared_error_grad, {}),
    (L.huber_loss, L.huber_grad, {"delta": 1.0}),
    (L.huber_loss, L.huber_grad, {"delta": 0.3}),
]
CLASSIFICATION = [
    (L.sigmoid_cross_entropy, L.sigmoid_cross_entropy_grad, Y01, {}),
    (L.weighted_cross_entropy, L.weighted_cross_entropy_grad, Y01, {"pos_weight": 3.0, "neg_weight": 0.5}),
    (L.hinge_loss, L.hinge_grad, Y_PM, {}),
]


@pytest.mark.parametrize("loss, grad, kw", REGRESSION)
def test_regression_gradients_match_finite_differences(loss, grad, kw):
    num = numeric_grad(lambda f: loss(Y_REG, f, **kw), F_REG)
    np.testing.assert_allclose(grad(Y_REG, F_REG, **kw), num, atol=1e-7)


def test_mae_gradient_away_from_kinks():
    num = numeric_grad(lambda f: L.mean_absolute_error_loss(Y_REG, f), F_REG)
    np.testing.assert_allclose(L.mean_absolute_error_grad(Y_REG, F_REG), num, atol=1e-7)


@pytest.mark.parametrize("loss, grad, y, kw", CLASSIFICATION)
def test_classification_gradients_match_finite_differences(loss, grad, y, kw):
    z = Z.copy()
    if loss is L.hinge_loss:  # keep away from the hinge's kink at y z = 1
        z[np.abs(y * z - 1) < 1e-3] += 0.1
    num = numeric_grad(lambda s: loss(y, s, **kw), z)
    np.testing.assert_allclose(grad(y, z, **kw), num, atol=1e-7)


def test_values_match_scikit_learn():
    assert L.mean_squared_error_loss(Y_REG, F_REG) == pytest.approx(skm.mean_squared_error(Y_REG, F_REG))
    assert L.mean_absolute_error_loss(Y_REG, F_REG) == pytest.approx(skm.mean_absolute_error(Y_REG, F_REG))
    p = 1 / (1 + np.exp(-Z))
    assert L.sigmoid_cross_entropy(Y01, Z) == pytest.approx(skm.log_loss(Y01, p))
    assert L.hinge_loss(Y_PM, Z) == pytest.approx(skm.hinge_loss(Y_PM, Z))


def test_huber_is_quadratic_inside_and_linear_outside():
    assert L.huber_loss([0.0], [0.5], delta=1.0) == pytest.approx(0.125)
    assert L.huber_loss([0.0], [3.0], delta=1.0) == pytest.approx(2.5)
    # one huge outlier moves the Huber loss linearly, the MSE quadratically
    assert L.huber_loss([0.0], [1e4]) < 1e-3 * L.mean_squared_error_loss([0.0], [1e4])


def test_weighted_cross_entropy_reduces_to_plain_and_scales():
    assert L.weighted_cross_entropy(Y01, Z) == pytest.approx(L.sigmoid_cross_entropy(Y01, Z))
    pos = Y01 == 1
    only_pos = L.weighted_cross_entropy(Y01, Z, pos_weight=1.0, neg_weight=0.0)
    assert only_pos == pytest.approx(L.sigmoid_cross_entropy(Y01[pos], Z[pos]) * pos.mean())


def test_sigmoid_is_stable_and_symmetric():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = L.sigmoid(z)
        ls = L.log_sigmoid(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ls))
    np.testing.assert_allclose(s + L.sigmoid(-z), 1.0)
    assert s[2] == 0.5 and ls[0] == pytest.approx(-1000.0)
    assert np.isfinite(L.sigmoid_cross_entropy([1.0, 0.0], [-1000.0, 1000.0]))
    assert L.sigmoid_cross_entropy([1.0, 0.0], [-1000.0, 1000.0]) == pytest.approx(1000.0)


@pytest.mark.parametrize("call", [
    lambda: L.mean_squared_error_loss([1, 2], [1, 2, 3]),
    lambda: L.sigmoid_cross_entropy([0, 2], [0.1, 0.2]),
    lambda: L.hinge_loss([0, 1], [0.1, 0.2]),
    lambda: L.huber_loss([1.0], [2.0], delta=0),
    lambda: L.mean_squared_error_loss([], []),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
