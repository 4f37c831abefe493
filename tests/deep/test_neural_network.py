"""The from-scratch numpy network: gradients against torch autograd and finite differences,
optimizers against torch.optim, XOR, training behaviour, scikit-learn compatibility."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.model_selection import train_test_split

from reference import neural_network as nn_ref
from reference.neural_network import (SGD, Adam, MLPClassifier, MLPRegressor, forward, xor_data,
                                      xor_hand_weights)

TORCH_ACT = {
    "identity": lambda z: z,
    "logistic": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, nn_ref.LEAKY_SLOPE),
}


def _fitted_shell(est, X, Y, sizes, activation, alpha, l1, dropout, out_activation, seed):
    """An estimator with random weights, ready for ``_loss_and_gradients``."""
    est.set_params(activation=activation, alpha=alpha, l1=l1, dropout=dropout)
    est.coefs_, est.intercepts_ = nn_ref.init_weights(sizes, activation, seed)
    est.out_activation_ = out_activation
    return est


def _torch_loss(X, Y, coefs, intercepts, masks, activation, alpha, l1, out_activation):
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in coefs]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in intercepts]
    a = torch.tensor(X)
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = a @ W + b
        if i < len(Ws) - 1:
            a = TORCH_ACT[activation](z)
            if masks[i] is not None:
                a = a * torch.tensor(masks[i])
        else:
            a = z
    y = torch.tensor(Y)
    n = X.shape[0]
    if out_activation == "identity":
        loss = 0.5 * ((a - y) ** 2).sum() / n
    elif out_activation == "logistic":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a, y)
    else:
        loss = torch.nn.functional.cross_entropy(a, y.argmax(dim=1))
    loss = loss + 0.5 * alpha * sum((W**2).sum() for W in Ws) / n + l1 * sum(W.abs().sum() for W in Ws) / n
    loss.backward()
    return loss.item(), [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs]


CASES = [
    # estimator, n_outputs, out_activation, activation, alpha, l1, dropout
    (MLPRegressor, 2, "identity", "relu", 0.0, 0.0, 0.0),
    (MLPRegressor, 1, "identity", "tanh", 0.3, 0.1, 0.0),
    (MLPClassifier, 1, "logistic", "logistic", 0.1, 0.0, 0.0),
    (MLPClassifier, 3, "softmax", "leaky_relu", 0.2, 0.05, 0.3),
    (MLPClassifier, 4, "softmax", "identity", 0.0, 0.2, 0.5),
]


@pytest.mark.parametrize("cls,n_out,out_act,act,alpha,l1,dropout", CASES)
def test_gradients_equal_torch_autograd(cls, n_out, out_act, act, alpha, l1, dropout):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(13, 5))
    if out_act == "identity":
        Y = rng.normal(size=(13, n_out))
    elif out_act == "logistic":
        Y = rng.integers(0, 2, size=(13, 1)).astype(float)
    else:
        Y = np.eye(n_out)[rng.integers(0, n_out, 13)]
    est = _fitted_shell(cls(), X, Y, [5, 7, 6, n_out], act, alpha, l1, dropout, out_act, seed=3)
    loss, gW, gb = est._loss_and_gradients(X, Y, random_state=11)
    masks = forward(X, est.coefs_, est.intercepts_, act, dropout, 11)["masks"]  # same seed, same masks
    if dropout > 0:
        assert any(m is not None and np.any(m == 0) for m in masks)
    t_loss, t_gW, t_gb = _torch_loss(X, Y, est.coefs_, est.intercepts_, masks, act, alpha, l1, out_act)
    assert loss == pytest.approx(t_loss, rel=1e-10, abs=1e-12)
    for a, b in zip(gW + gb, t_gW + t_gb):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("act", ["tanh", "logistic", "leaky_relu"])
def test_gradients_match_finite_differences(act):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 4))
    Y = np.eye(3)[rng.integers(0, 3, 9)]
    est = _fitted_shell(MLPClassifier(), X, Y, [4, 5, 3], act, 0.2, 0.0, 0.0, "softmax", seed=0)
    _, gW, gb = est._loss_and_gradients(X, Y)
    h = 1e-6
    for params, grads in ((est.coefs_, gW), (est.intercepts_, gb)):
        for P, G in zip(params, grads):
            for idx in np.ndindex(P.shape):
                old = P[idx]
                P[idx] = old + h
                up = est._loss_and_gradients(X, Y)[0]
                P[idx] = old - h
                down = est._loss_and_gradients(X, Y)[0]
                P[idx] = old
                assert (up - down) / (2 * h) == pytest.approx(G[idx], rel=1e-5, abs=1e-8)


def test_activations_and_softmax_against_torch():
    z = np.linspace(-30, 30, 60).reshape(-1, 3)
    for name, f in nn_ref.ACTIVATIONS.items():
        np.testing.assert_allclose(f(z), TORCH_ACT[name](torch.tensor(z)).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(nn_ref.softmax(z), torch.softmax(torch.tensor(z), dim=1).numpy(), rtol=1e-12)
    assert np.all(np.isfinite(nn_ref.sigmoid(np.array([-1000.0, 1000.0]))))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(momentum):
    rng = np.random.default_rng(0)
    p = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in p]
    opt, topt = SGD(p, 0.1, momentum=momentum), torch.optim.SGD(tp, lr=0.1, momentum=momentum)
    for step in range(5):
        grads = [rng.normal(size=a.shape) for a in p]
        opt.step(grads)
        for t, g in zip(tp, grads):
            t.grad = torch.tensor(g)
        topt.step()
    for a, t in zip(p, tp):
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-12)


def test_adam_matches_torch():
    rng = np.random.default_rng(0)
    p = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in p]
    opt, topt = Adam(p, 0.01), torch.optim.Adam(tp, lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for step in range(7):
        grads = [rng.normal(size=a.shape) for a in p]
        opt.step(grads)
        for t, g in zip(tp, grads):
            t.grad = torch.tensor(g)
        topt.step()
    for a, t in zip(p, tp):
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-10)


def test_xor_hand_weights_are_exact():
    X, y = xor_data()
    coefs, intercepts = xor_hand_weights()
    out = forward(X, coefs, intercepts, "relu")["A"][-1].ravel()
    np.testing.assert_array_equal(out, y.astype(float))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trained_xor_net_is_exact(seed):
    X, y = xor_data()
    clf = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", learning_rate_init=0.1,
                        max_iter=500, random_state=seed).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), y)
    proba = clf.predict_proba(X)[np.arange(4), y]
    assert np.all(proba > 0.9)


def test_linear_network_cannot_learn_xor():
    X, y = xor_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn_ref.ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(4,), activation="identity", learning_rate_init=0.1,
                            max_iter=300, random_state=0).fit(X, y)
    assert np.mean(clf.predict(X) == y) <= 0.75


def test_classifier_matches_sklearn_on_digits():
    from sklearn.neural_network import MLPClassifier as SkMLP
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16.0, y, test_size=0.3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MLPClassifier(hidden_layer_sizes=(32,), max_iter=80, random_state=0).fit(X_tr, y_tr)
        sk = SkMLP(hidden_layer_sizes=(32,), max_iter=80, random_state=0).fit(X_tr, y_tr)
    assert ours.score(X_te, y_te) > 0.94
    assert ours.score(X_te, y_te) >= sk.score(X_te, y_te) - 0.02
    assert [W.shape for W in ours.coefs_] == [W.shape for W in sk.coefs_]


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_regressor_matches_sklearn(solver):
    from sklearn.neural_network import MLPRegressor as SkMLP
    X, y = make_regression(400, 6, noise=5.0, random_state=0)
    y = y / y.std()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    kw = dict(hidden_layer_sizes=(32,), solver=solver, learning_rate_init=0.01, max_iter=150, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, sk = MLPRegressor(**kw).fit(X_tr, y_tr), SkMLP(**kw).fit(X_tr, y_tr)
    assert ours.score(X_te, y_te) > 0.95
    assert ours.score(X_te, y_te) >= sk.score(X_te, y_te) - 0.02
    assert ours.predict(X_te).shape == (len(X_te),)


def test_early_stopping_records_validation_and_restores_best():
    X, y = make_classification(300, 10, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.01, early_stopping=True,
                        n_iter_no_change=5, max_iter=500, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.loss_curve_) == len(clf.validation_loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_weight_decay_shrinks_weights():
    X, y = make_regression(200, 8, noise=1.0, random_state=1)
    y = y / y.std()
    kw = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = MLPRegressor(alpha=0.0, **kw).fit(X, y)
        l2 = MLPRegressor(alpha=30.0, **kw).fit(X, y)
        l1 = MLPRegressor(alpha=0.0, l1=10.0, **kw).fit(X, y)
    norm = lambda m: sum(np.sum(W**2) for W in m.coefs_)  # noqa: E731
    assert norm(l2) < 0.5 * norm(free)
    small = lambda m: np.mean(np.abs(m.coefs_[0]) < 1e-2)  # noqa: E731
    assert small(l1) > small(free) + 0.2


def test_mc_dropout_mean_and_spread():
    X, y = make_regression(300, 4, noise=2.0, random_state=2)
    y = y / y.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = MLPRegressor(hidden_layer_sizes=(64,), dropout=0.2, learning_rate_init=0.01, max_iter=150,
                           random_state=0).fit(X, y)
        plain = MLPRegressor(hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=20,
                             random_state=0).fit(X, y)
    mean, std = reg.predict_mc_dropout(X[:50], n_samples=200, random_state=0)
    assert mean.shape == std.shape == (50,)
    assert np.all(std > 0)
    # inverted dropout keeps the expected activation: MC mean is close to the deterministic net
    assert np.corrcoef(mean, reg.predict(X[:50]))[0, 1] > 0.99
    # far outside the training data the network is less certain
    _, std_far = reg.predict_mc_dropout(10 * X[:50], n_samples=200, random_state=0)
    assert np.median(std_far) > 2 * np.median(std)
    _, std0 = plain.predict_mc_dropout(X[:5], n_samples=10)
    np.testing.assert_allclose(std0, 0.0, atol=1e-12)
    clf = MLPClassifier(hidden_layer_sizes=(8,), dropout=0.3, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(*make_classification(60, 4, n_classes=3, n_informative=3, n_redundant=0, random_state=0))
    pm, ps = clf.predict_mc_dropout(np.zeros((2, 4)), n_samples=20, random_state=1)
    np.testing.assert_allclose(pm.sum(axis=1), 1.0)


@pytest.mark.parametrize("bad", [
    dict(hidden_layer_sizes=(0,)), dict(activation="swish"), dict(solver="lbfgs"), dict(alpha=-1.0),
    dict(dropout=1.0), dict(max_iter=0), dict(batch_size=0), dict(learning_rate_init=0.0),
])
def test_bad_parameters_raise_value_error(bad):
    X, y = make_classification(30, 4, random_state=0)
    with pytest.raises(ValueError):
        MLPClassifier(**bad).fit(X, y)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="2 classes"):
        MLPClassifier().fit(np.ones((5, 2)), np.zeros(5))
    with pytest.raises(ValueError):
        MLPRegressor().fit(np.array([[np.nan, 1.0]]), [1.0])


# measured pass rates: MLPClassifier 54/55 and MLPRegressor 52/53 (the rest skipped, none failed)
PASS_RATE_FLOOR = {"MLPClassifier": 0.98, "MLPRegressor": 0.98}


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_check_estimator_pass_rate(cls):
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(cls(max_iter=50, random_state=0), on_fail=None)
    passed = sum(r["status"] == "passed" for r in results)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert passed / len(results) >= PASS_RATE_FLOOR[cls.__name__], failed
