"""Hidden checks of the neural-networks assignment.

Run on the trusted side: ``student`` proxies the submission (``neural_network.py``,
``spectra.py``) in the sandbox; only arrays, numbers and lists cross the wire.  Each
check draws its data from ``hidden_rng``.

Exact comparisons with torch where the math is exact (activations, losses, the backward
pass against autograd, optimiser steps against ``torch.optim``); thresholds on hidden
spectra elsewhere, with every test error computed here from the weights the student's
training returns.  Margins were measured on the reference solution over hidden seeds
0..29 and random 256-bit seeds (comments at each threshold).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader import Fail

SCRATCH = pytest.mark.forbid_imports("torch", "sklearn.neural_network", "tensorflow", "jax", "keras")


def _array(value, shape, what):
    arr = np.asarray(value, dtype=float)
    if arr.shape != tuple(shape):
        raise Fail(f"{what} has shape {arr.shape}, expected {tuple(shape)}")
    if not np.all(np.isfinite(arr)):
        raise Fail(f"{what} contains NaN or infinite values")
    return arr


def _close(a, b, what, rtol=1e-8, atol=1e-10):
    b = np.asarray(b, dtype=float)
    a = _array(a, b.shape, what)
    if not np.allclose(a, b, rtol=rtol, atol=atol):
        raise Fail(f"{what} differs from the exact value (largest error {np.max(np.abs(a - b)):.3g})")


@pytest.mark.points(0)
def test_api(student):
    """neural_network.py and spectra.py define the functions and classes of the assignment."""
    nn = student.neural_network
    for name in ("relu", "sigmoid", "softmax", "activation_derivative", "mse_loss", "cross_entropy_loss",
                 "binary_cross_entropy_loss", "forward", "backward", "penalty", "penalty_gradients",
                 "SGD", "Adam", "MLPRegressor", "MLPClassifier"):
        assert callable(getattr(nn, name)), name
    for name in ("xor_accuracy", "train_network"):
        assert callable(getattr(student.spectra, name)), name


# --------------------------------------------------------------- activations and losses
@pytest.mark.points(2)
@SCRATCH
def test_activations_match_torch(student, hidden_rng, helpers):
    """relu, sigmoid (also for |z| of several hundred, without overflow warnings turning
    into NaN) or activation_derivative differ from the exact activations and their
    derivatives f'(z)."""
    nn = student.neural_network
    z = hidden_rng.normal(0, 3, size=(20, 7))
    z[0, :3] = [-800.0, 750.0, -60.0]
    zt = torch.tensor(z)
    _close(nn.relu(z), torch.relu(zt).numpy(), "relu(z)")
    _close(nn.sigmoid(z), torch.sigmoid(zt).numpy(), "sigmoid(z)", rtol=1e-10, atol=1e-300)
    for name in ("identity", "logistic", "tanh", "relu", "leaky_relu"):
        zg = torch.tensor(z, requires_grad=True)
        a = helpers.TORCH_ACT[name](zg)
        a.sum().backward()
        _close(nn.activation_derivative(name, z, a.detach().numpy()), zg.grad.numpy(),
               f"activation_derivative({name!r})")


@pytest.mark.points(1)
@SCRATCH
def test_softmax_is_stable(student, hidden_rng):
    """softmax overflows (NaN) or is wrong for large logits: subtract each row's maximum
    before exponentiating; every row must sum to one."""
    shift = hidden_rng.uniform(-1000, 1000, size=(30, 1))
    shift[:2, 0] = [hidden_rng.uniform(750, 1000), hidden_rng.uniform(-1000, -750)]  # exp over/underflows
    z = hidden_rng.normal(0, 3, size=(30, 5)) + shift
    _close(student.neural_network.softmax(z), torch.softmax(torch.tensor(z), dim=1).numpy(), "softmax(z)",
           rtol=1e-9, atol=1e-12)


@pytest.mark.points(2)
@SCRATCH
def test_cross_entropy_matches_torch(student, hidden_rng):
    """cross_entropy_loss does not return the mean softmax cross-entropy and its gradient
    (p - y) / n with respect to the logits, or overflows for large logits (log-sum-exp)."""
    n, k = 40, 4
    shift = hidden_rng.uniform(-1000, 1000, size=(n, 1))
    shift[:2, 0] = [hidden_rng.uniform(750, 1000), hidden_rng.uniform(-1000, -750)]  # exp over/underflows
    logits = hidden_rng.normal(0, 2, size=(n, k)) + shift
    labels = hidden_rng.integers(0, k, size=n)
    Y = np.eye(k)[labels]
    zt = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    loss.backward()
    value, grad = student.neural_network.cross_entropy_loss(logits, Y)
    _close([value], [loss.item()], "the cross-entropy", rtol=1e-9)
    _close(grad, zt.grad.numpy(), "the gradient of the cross-entropy", rtol=1e-8, atol=1e-12)


@pytest.mark.points(1)
@SCRATCH
def test_mse_and_binary_losses_match_torch(student, hidden_rng):
    """mse_loss (half mean squared error) or binary_cross_entropy_loss (sigmoid
    cross-entropy on logits, stable for large |z|) or their gradients are wrong."""
    nn = student.neural_network
    n = 25
    pred, target = hidden_rng.normal(size=(n, 2)), hidden_rng.normal(size=(n, 2))
    pt = torch.tensor(pred, requires_grad=True)
    loss = 0.5 * ((pt - torch.tensor(target)) ** 2).sum() / n
    loss.backward()
    value, grad = nn.mse_loss(pred, target)
    _close([value], [loss.item()], "mse_loss")
    _close(grad, pt.grad.numpy(), "the gradient of mse_loss")
    logits = hidden_rng.normal(0, 3, size=(n, 1))
    logits[:2, 0] = [-300.0, 300.0]
    y = hidden_rng.integers(0, 2, size=(n, 1)).astype(float)
    y[:2, 0] = [1.0, 0.0]  # confidently wrong: the loss is large but finite
    zt = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y))
    loss.backward()
    value, grad = nn.binary_cross_entropy_loss(logits, y)
    _close([value], [loss.item()], "binary_cross_entropy_loss", rtol=1e-9)
    _close(grad, zt.grad.numpy(), "the gradient of binary_cross_entropy_loss")


# ------------------------------------------------------------------ forward and backward
@pytest.mark.points(3)
@SCRATCH
def test_backward_matches_autograd(student, hidden_rng, helpers):
    """forward or backward is wrong: the network output or the gradients with respect to
    the weights and biases differ from torch autograd (check the chain rule, the
    transposes, the sum over samples for the biases and the sign of every term)."""
    nn = student.neural_network
    for activation in ("relu", "tanh", "logistic"):
        sizes = [int(hidden_rng.integers(3, 7)), int(hidden_rng.integers(4, 9)), int(hidden_rng.integers(4, 9)), 2]
        coefs, intercepts = helpers.random_network(hidden_rng, sizes)
        X = hidden_rng.normal(size=(16, sizes[0]))
        G = hidden_rng.normal(size=(16, 2))
        out, Ws, bs = helpers.torch_forward(X, coefs, intercepts, activation, requires_grad=True)
        (out * torch.tensor(G)).sum().backward()
        cache = nn.forward(X, coefs, intercepts, activation)
        _close(cache["A"][-1], out.detach().numpy(), f"the output of forward ({activation})")
        coef_grads, intercept_grads = nn.backward(cache, coefs, G, activation)
        if len(coef_grads) != 3 or len(intercept_grads) != 3:
            raise Fail("backward must return one weight gradient and one bias gradient per layer")
        for i in range(3):
            _close(coef_grads[i], Ws[i].grad.numpy(), f"dL/dW of layer {i + 1} ({activation})")
            _close(intercept_grads[i], bs[i].grad.numpy(), f"dL/db of layer {i + 1} ({activation})")


@pytest.mark.points(2)
@SCRATCH
def test_dropout_is_inverted_and_backpropagated(student, hidden_rng, helpers):
    """Dropout in forward is not inverted dropout (each hidden unit kept with probability
    1 - p and scaled by 1 / (1 - p); no mask on the output layer), or backward does not
    send the gradient through the same masks."""
    nn = student.neural_network
    p = float(hidden_rng.uniform(0.2, 0.5))
    sizes = [5, 60, 40, 1]
    coefs, intercepts = helpers.random_network(hidden_rng, sizes)
    X = hidden_rng.normal(size=(200, 5))
    cache = nn.forward(X, coefs, intercepts, "tanh", p, int(hidden_rng.integers(2**31)))
    masks = cache["masks"]
    if len(masks) != 3 or masks[0] is None or masks[1] is None or masks[2] is not None:
        raise Fail('cache["masks"] must hold one mask per hidden layer and None for the output layer')
    for i, width in enumerate(sizes[1:3]):
        m = _array(masks[i], (200, width), f"the dropout mask of hidden layer {i + 1}")
        if not np.all(np.isclose(m, 0.0) | np.isclose(m, 1.0 / (1.0 - p))):
            raise Fail("a dropout mask must hold 0 (dropped) or 1 / (1 - p) (kept, rescaled)")
        # 8000-12000 Bernoulli draws: the kept fraction is within 0.02 of 1 - p at > 4 sigma
        if abs(np.mean(m > 0) - (1.0 - p)) > 0.03:
            raise Fail("units must be kept with probability 1 - p")
    out, Ws, bs = helpers.torch_forward(X, coefs, intercepts, "tanh", masks, requires_grad=True)
    G = hidden_rng.normal(size=(200, 1))
    (out * torch.tensor(G)).sum().backward()
    _close(cache["A"][-1], out.detach().numpy(), "the output of forward with dropout")
    coef_grads, intercept_grads = nn.backward(cache, coefs, G, "tanh")
    for i in range(3):
        _close(coef_grads[i], Ws[i].grad.numpy(), f"dL/dW of layer {i + 1} with dropout")
        _close(intercept_grads[i], bs[i].grad.numpy(), f"dL/db of layer {i + 1} with dropout")


@pytest.mark.points(1)
@SCRATCH
def test_weight_decay_matches_autograd(student, hidden_rng, helpers):
    """penalty or penalty_gradients is not the weight decay alpha/(2n) sum ||W||^2 +
    l1/n sum |W| (biases excluded) and its gradient."""
    coefs, _ = helpers.random_network(hidden_rng, [4, 6, 3])
    n, alpha, l1 = int(hidden_rng.integers(10, 100)), float(hidden_rng.uniform(0.1, 3)), float(hidden_rng.uniform(0, 1))
    Ws = [torch.tensor(W, requires_grad=True) for W in coefs]
    total = 0.5 * alpha * sum((W**2).sum() for W in Ws) / n + l1 * sum(W.abs().sum() for W in Ws) / n
    total.backward()
    nn = student.neural_network
    _close([nn.penalty(coefs, n, alpha, l1)], [total.item()], "penalty")
    grads = nn.penalty_gradients(coefs, n, alpha, l1)
    for i, W in enumerate(Ws):
        _close(grads[i], W.grad.numpy(), f"penalty_gradients of layer {i + 1}")


# ----------------------------------------------------------------------------- optimisers
def _torch_steps(make, params, grads):
    ts = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = make(ts)
    for step in grads:
        for t, g in zip(ts, step):
            t.grad = torch.tensor(g)
        opt.step()
    return [t.detach().numpy() for t in ts]


@pytest.mark.points(2)
@SCRATCH
def test_sgd_momentum_matches_torch_optim(student, hidden_rng):
    """SGD.step does not take the steps of SGD with momentum (classical and Nesterov):
    v <- mu v - lr g; theta <- theta + v (Nesterov: theta + mu v - lr g)."""
    params = [hidden_rng.normal(size=(3, 4)), hidden_rng.normal(size=4)]
    grads = [[hidden_rng.normal(size=p.shape) for p in params] for _ in range(6)]
    lr, mu = float(hidden_rng.uniform(0.01, 0.2)), float(hidden_rng.uniform(0.5, 0.95))
    for momentum, nesterov in ((0.0, False), (mu, False), (mu, True)):
        opt = student.neural_network.SGD([p.copy() for p in params], lr, momentum, nesterov)
        for step in grads:
            opt.step(step)
        expected = _torch_steps(lambda ts: torch.optim.SGD(ts, lr=lr, momentum=momentum, nesterov=nesterov),
                                params, grads)
        kind = "Nesterov momentum" if nesterov else ("momentum" if momentum else "plain SGD")
        for mine, theirs in zip(opt.params, expected):
            _close(mine, theirs, f"the parameters after 6 steps of {kind}")


@pytest.mark.points(2)
@SCRATCH
def test_adam_matches_torch_optim(student, hidden_rng):
    """Adam.step does not take Adam's steps: moments m and v, their bias corrections
    m / (1 - b1^t), v / (1 - b2^t) (t counts the steps from 1), then
    theta <- theta - lr m_hat / (sqrt(v_hat) + eps)."""
    params = [hidden_rng.normal(size=(4, 3)), hidden_rng.normal(size=3)]
    grads = [[hidden_rng.normal(0, 0.5, size=p.shape) for p in params] for _ in range(8)]
    lr = float(hidden_rng.uniform(1e-3, 5e-2))
    b1, b2 = float(hidden_rng.uniform(0.8, 0.95)), float(hidden_rng.uniform(0.99, 0.9999))
    opt = student.neural_network.Adam([p.copy() for p in params], lr, b1, b2, 1e-8)
    expected = _torch_steps(lambda ts: torch.optim.Adam(ts, lr=lr, betas=(b1, b2), eps=1e-8), params, grads[:1])
    opt.step(grads[0])
    for mine, theirs in zip(opt.params, expected):
        _close(mine, theirs, "the parameters after the first Adam step", rtol=1e-7, atol=1e-12)
    for step in grads[1:]:
        opt.step(step)
    expected = _torch_steps(lambda ts: torch.optim.Adam(ts, lr=lr, betas=(b1, b2), eps=1e-8), params, grads)
    for mine, theirs in zip(opt.params, expected):
        _close(mine, theirs, "the parameters after 8 Adam steps", rtol=1e-7, atol=1e-12)


# ------------------------------------------------------------------------------------ XOR
@pytest.mark.points(2)
@pytest.mark.needs("test_backward_matches_autograd", "test_adam_matches_torch_optim")
@SCRATCH
def test_xor_needs_a_hidden_layer(student, hidden_rng):
    """xor_accuracy: a network without a hidden layer must not classify all four XOR
    points (it is linear), one with a hidden layer of 8 tanh units must get all four."""
    seed = int(hidden_rng.integers(2**31))
    linear = float(student.spectra.xor_accuracy([], seed))
    hidden = float(student.spectra.xor_accuracy([8], seed))
    if linear > 0.75:
        raise Fail("xor_accuracy(()) claims a linear classifier separates XOR")
    # the reference gets 4/4 with 8 hidden units for every random_state in 0..449
    if hidden != 1.0:
        raise Fail(f"xor_accuracy((8,)) = {hidden:g}: the 2-8-1 network should classify all four points")


# ------------------------------------------------------------ stellar spectra: training
@pytest.mark.points(2)
@pytest.mark.needs("test_backward_matches_autograd", "test_adam_matches_torch_optim")
@SCRATCH
def test_training_curves(student, hidden_rng, helpers):
    """train_network's curves are not the training and validation MSE of the network
    after each epoch with dropout switched off, or the returned weights are not the
    trained ones, or training does not lower the error."""
    X, y, X_val, y_val, _, _ = helpers.temperature_problem(hidden_rng)
    res = student.spectra.train_network(X, y, X_val, y_val, [32], alpha=0.1, dropout=0.2, epochs=30,
                                        batch_size=20, random_state=int(hidden_rng.integers(2**31)))
    train, val = _array(res["train_mse"], (30,), "train_mse"), _array(res["val_mse"], (30,), "val_mse")
    coefs, intercepts = res["coefs"], res["intercepts"]
    if [np.shape(W) for W in coefs] != [(X.shape[1], 32), (32, 1)]:
        raise Fail("the weights must have shapes (n_features, 32) and (32, 1)")
    mine_train = helpers.mse(y, helpers.predict(coefs, intercepts, X))
    mine_val = helpers.mse(y_val, helpers.predict(coefs, intercepts, X_val))
    if not (np.isclose(train[-1], mine_train, rtol=1e-6) and np.isclose(val[-1], mine_val, rtol=1e-6)):
        raise Fail("the last point of each curve must be the MSE of the returned network, dropout off")
    if int(res["best_epoch"]) != int(np.argmin(val)):
        raise Fail("best_epoch must be the epoch of the lowest validation MSE")
    # reference: the training MSE falls from ~0.5-1 to below 0.05 within 30 epochs
    assert train[-1] < 0.3 * train[0] and val.min() < 0.5


@pytest.mark.points(1)
@pytest.mark.needs("test_backward_matches_autograd", "test_adam_matches_torch_optim")
@SCRATCH
def test_training_loop_matches_torch(student, hidden_rng, helpers):
    """train_network (no dropout) does not follow its recipe: weights from
    init_weights(sizes, "relu", rng), each epoch one rng.permutation visited in batches of
    batch_size, the half-MSE gradient plus penalty_gradients(coefs, batch, alpha), one Adam
    step per batch.  Checked step for step against torch.optim.Adam."""
    from reference.neural_network import init_weights

    X, y, X_val, y_val, _, _ = helpers.temperature_problem(hidden_rng, n_train=50, n_val=30, n_test=0)
    seed, alpha = int(hidden_rng.integers(2**31)), float(hidden_rng.uniform(0.1, 2.0))
    epochs, batch_size, lr = 3, int(hidden_rng.integers(7, 13)), float(hidden_rng.uniform(1e-3, 1e-2))
    res = student.spectra.train_network(X, y, X_val, y_val, [16], alpha=alpha, epochs=epochs, batch_size=batch_size,
                                        learning_rate=lr, random_state=seed)
    rng = np.random.RandomState(seed)
    coefs, intercepts = init_weights([X.shape[1], 16, 1], "relu", rng)
    Ws = [torch.tensor(W, requires_grad=True) for W in coefs]
    bs = [torch.tensor(b, requires_grad=True) for b in intercepts]
    opt = torch.optim.Adam([*Ws, *bs], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    Xt, yt = torch.tensor(X), torch.tensor(y[:, None])
    train = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = torch.tensor(order[start:start + batch_size])
            out = torch.relu(Xt[idx] @ Ws[0] + bs[0]) @ Ws[1] + bs[1]
            decay = 0.5 * alpha * sum((W**2).sum() for W in Ws)
            loss = (0.5 * ((out - yt[idx]) ** 2).sum() + decay) / len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            train.append(float(((torch.relu(Xt @ Ws[0] + bs[0]) @ Ws[1] + bs[1] - yt) ** 2).mean()))
    _close(res["train_mse"], train, f"the training curve of {epochs} epochs", rtol=1e-6)
    for i in range(2):
        _close(res["coefs"][i], Ws[i].detach().numpy(), f"the weights of layer {i + 1} after {epochs} epochs",
               rtol=1e-6, atol=1e-9)
        _close(res["intercepts"][i], bs[i].detach().numpy(), f"the biases of layer {i + 1} after {epochs} epochs",
               rtol=1e-6, atol=1e-9)


@pytest.mark.points(3)
@pytest.mark.timeout(90)
@pytest.mark.needs("test_training_curves")
@SCRATCH
def test_overfitting_study(student, hidden_rng, helpers):
    """The overfitting study does not show what the lecture shows: a wide network trained
    without regularisation must reach a training MSE far below its validation MSE, and L2
    weight decay with dropout must close most of that gap without a worse test error."""
    X, y, X_val, y_val, X_test, y_test = helpers.temperature_problem(hidden_rng)
    seed = int(hidden_rng.integers(2**31))
    kw = dict(epochs=150, batch_size=20, learning_rate=1e-3, random_state=seed)
    big = student.spectra.train_network(X, y, X_val, y_val, [256], **kw)
    reg = student.spectra.train_network(X, y, X_val, y_val, [256], alpha=1.0, dropout=0.3, **kw)
    big_train = _array(big["train_mse"], (150,), "train_mse")
    big_val = _array(big["val_mse"], (150,), "val_mse")
    reg_train = _array(reg["train_mse"], (150,), "train_mse")
    reg_val = _array(reg["val_mse"], (150,), "val_mse")
    big_test = helpers.mse(y_test, helpers.predict(big["coefs"], big["intercepts"], X_test))
    reg_test = helpers.mse(y_test, helpers.predict(reg["coefs"], reg["intercepts"], X_test))
    # Single epochs are noisy (Adam on 60 spectra), so the curves are compared through
    # their minima and their means over the last 20 epochs.  Measured on the reference
    # (this construction, hidden seeds 0..29, 2**256 - 1 and 19 more 256-bit seeds: 50 in all):
    # - wide net: lowest validation MSE / lowest training MSE 15.8-2855  (threshold 5)
    # - L2 + dropout shrinks that ratio 9.1-1226 times                   (threshold 3)
    # - L2 + dropout: mean val / mean train MSE of the last 20 epochs 0.92-3.02 (threshold 5)
    # - test MSE regularised / unregularised 0.05-1.09 (threshold 2), absolute 0.001-0.008
    #   (standardised units; threshold 0.05)
    big_gap = big_val.min() / big_train.min()
    if not big_gap > 5.0:
        raise Fail("the unregularised wide network does not overfit: its training MSE should fall far below "
                   "its validation MSE")
    reg_gap = reg_val.min() / reg_train.min()
    if not (reg_gap < big_gap / 3.0 and reg_val[-20:].mean() < 5.0 * reg_train[-20:].mean()):
        raise Fail("weight decay and dropout do not close the gap between training and validation MSE")
    assert reg_test < 2.0 * big_test and reg_test < 0.05


@pytest.mark.points(2)
@pytest.mark.needs("test_training_curves")
@SCRATCH
def test_early_stopping(student, hidden_rng, helpers):
    """Early stopping does not stop `patience` epochs after the lowest validation MSE, or
    does not return the weights of that best epoch."""
    X, y, X_val, y_val, _, _ = helpers.temperature_problem(hidden_rng)
    patience = int(hidden_rng.integers(5, 11))
    res = student.spectra.train_network(X, y, X_val, y_val, [128], epochs=150, batch_size=20, patience=patience,
                                        random_state=int(hidden_rng.integers(2**31)))
    val = np.asarray(res["val_mse"], dtype=float)
    best = int(np.argmin(val))
    if int(res["best_epoch"]) != best:
        raise Fail("best_epoch must be the epoch of the lowest validation MSE")
    # stopped early: exactly `patience` epochs after the best one; ran to the end: no
    # stretch of `patience` epochs without improvement was ever completed
    due = len(val) == best + patience + 1 if len(val) < 150 else best >= 150 - patience - 1
    if not due:
        raise Fail(f"training must stop after {patience} epochs in a row without a new lowest validation MSE")
    mine = helpers.mse(y_val, helpers.predict(res["coefs"], res["intercepts"], X_val))
    if not np.isclose(mine, val[best], rtol=1e-6):
        raise Fail("the returned weights must be those of the epoch with the lowest validation MSE")


# ------------------------------------------------------------------------ MC dropout
def _mc_problem(rng, helpers):
    """Train on 4000-8000 K stars; in- and off-distribution (T_eff > 12000 K) test stars."""
    flux, y = helpers.spectra(rng, 1200)
    inside = np.flatnonzero((y > np.log10(4000)) & (y < np.log10(8000)))
    hot = np.flatnonzero(y > np.log10(12000))[:100]
    train, test = inside[:200], inside[200:300]
    mu, sd = flux[train].mean(axis=0), flux[train].std(axis=0)
    ym, ys = y[train].mean(), y[train].std()
    X, Y = (flux - mu) / sd, (y - ym) / ys
    return X[train], Y[train], X[test], X[hot]


@pytest.mark.points(2)
@pytest.mark.needs("test_dropout_is_inverted_and_backpropagated")
@SCRATCH
def test_mc_dropout_grows_off_distribution(student, hidden_rng, helpers):
    """predict_mc_dropout: the MC-dropout spread of hot stars, unlike any the network was
    trained on, must be clearly larger than that of new stars like the training ones."""
    X, y, X_in, X_hot = _mc_problem(hidden_rng, helpers)
    seed = int(hidden_rng.integers(2**31))
    model = student.neural_network.MLPRegressor([64], dropout=0.2, alpha=1e-3, batch_size=32, max_iter=200,
                                                random_state=seed).fit(X, y)
    _, std_in = model.predict_mc_dropout(X_in, 50, seed)
    _, std_hot = model.predict_mc_dropout(X_hot, 50, seed)
    std_in, std_hot = _array(std_in, (len(X_in),), "the spread"), _array(std_hot, (len(X_hot),), "the spread")
    # reference (hidden seeds 0..7, 2**256 - 1): median spread in-distribution 0.128-0.159
    # (standardised log T_eff), hot/in ratio 3.8-7.9.  Dropout left off at prediction time
    # gives identical passes: a spread of rounding noise (~1e-16), hence the floor.
    if not np.median(std_in) > 0.02:
        raise Fail("the MC-dropout passes do not differ: keep dropout switched on in predict_mc_dropout")
    assert np.median(std_hot) > 2.0 * np.median(std_in)


@pytest.mark.points(1)
@pytest.mark.needs("test_dropout_is_inverted_and_backpropagated")
@SCRATCH
def test_mc_dropout_mean_and_spread(student, hidden_rng, helpers):
    """predict_mc_dropout: without dropout the spread must be exactly 0; with dropout the
    mean of the stochastic passes must stay close to the deterministic prediction
    (inverted dropout keeps the expected activation)."""
    X, y, X_in, _ = _mc_problem(hidden_rng, helpers)
    seed = int(hidden_rng.integers(2**31))
    nn = student.neural_network
    plain = nn.MLPRegressor([32], dropout=0.0, batch_size=32, max_iter=30, random_state=seed).fit(X, y)
    mean0, std0 = plain.predict_mc_dropout(X_in, 5, seed)
    _close(mean0, np.asarray(plain.predict(X_in)), "the MC mean without dropout")
    if np.any(_array(std0, (len(X_in),), "the spread") > 1e-12):  # 0 up to rounding in np.std
        raise Fail("without dropout every pass is the same: the spread must be 0")
    model = nn.MLPRegressor([64], dropout=0.2, alpha=1e-3, batch_size=32, max_iter=200, random_state=seed).fit(X, y)
    mean, std = model.predict_mc_dropout(X_in, 100, seed)
    mean = _array(mean, (len(X_in),), "the MC mean")
    # reference: rms(MC mean - prediction) ~0.02 against a spread of ~0.13
    assert helpers.mse(mean, model.predict(X_in)) ** 0.5 < 0.5 * np.median(_array(std, (len(X_in),), "the spread"))
