"""Effective temperatures from stellar spectra with your network (assignment "neural-networks").

The analysis around your numpy network (``neural_network.py``): why XOR needs a hidden
layer, a training loop that records the loss curves of an overfitting study, early
stopping, and MC-dropout uncertainty.

Functions
---------
xor_accuracy(hidden_layer_sizes, random_state=0)
    Training accuracy of ``MLPClassifier`` on the four XOR points.
predict(coefs, intercepts, X)
    Deterministic network output (dropout off), one value per row.
mse(y_true, y_pred)
    Mean squared error.
train_network(X_train, y_train, X_val, y_val, hidden_layer_sizes=(64,), ...)
    Mini-batch Adam training of a ReLU regression network; the training and validation
    MSE after every epoch, optional early stopping.
"""
from __future__ import annotations

import warnings

import numpy as np

from neural_network import (Adam, ConvergenceWarning, MLPClassifier, backward, forward, init_weights,
                            mse_loss, penalty_gradients, xor_data)


def xor_accuracy(hidden_layer_sizes, random_state=0):
    """Training accuracy of an ``MLPClassifier`` on the four XOR points.

    Fit ``MLPClassifier(hidden_layer_sizes, activation="tanh", solver="adam",
    learning_rate_init=0.1, alpha=0.0, max_iter=300, n_iter_no_change=300,
    random_state=random_state)`` (full batch: the four points; no early stop before 300 epochs)
    on ``xor_data()`` and return the fraction of the four points it classifies correctly.
    With ``hidden_layer_sizes=()`` the network is a linear classifier (logistic
    regression): no line separates XOR, so at most 3 of 4 are right.  One hidden layer
    of a few units bends the boundary and gets all four.
    """
    X, y = xor_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ### BEGIN SOLUTION
        model = MLPClassifier(tuple(hidden_layer_sizes), activation="tanh", solver="adam", learning_rate_init=0.1,
                              alpha=0.0, max_iter=300, n_iter_no_change=300, random_state=random_state).fit(X, y)
        return float(np.mean(model.predict(X) == y))
        ### END SOLUTION


def predict(coefs, intercepts, X):
    """Output of a ReLU network for every row of ``X``, dropout off: shape (n_samples,)."""
    return forward(np.asarray(X, dtype=float), coefs, intercepts, "relu")["A"][-1][:, 0]


def mse(y_true, y_pred):
    """Mean squared error ``1/n sum_i (y_i - yhat_i)^2``."""
    return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))


def train_network(X_train, y_train, X_val, y_val, hidden_layer_sizes=(64,), *, alpha=0.0, dropout=0.0,
                  learning_rate=1e-3, epochs=200, batch_size=32, patience=None, random_state=0):
    """Train a ReLU regression network with mini-batch Adam and record its loss curves.

    The network has layer sizes ``[n_features, *hidden_layer_sizes, 1]`` and weights from
    ``init_weights(sizes, "relu", rng)`` with ``rng = np.random.RandomState(random_state)``
    (the same ``rng`` then shuffles the batches and draws the dropout masks).  Each epoch:

    1. visit the training set in a random order (``rng.permutation``) in batches of
       ``batch_size``; for each batch run ``forward`` with ``dropout``, the half-MSE
       gradient ``mse_loss``, ``backward``, add ``penalty_gradients(coefs, batch, alpha)``
       to the weight gradients and take one ``Adam`` step (``learning_rate``) on
       ``coefs + intercepts``;
    2. after the epoch, record ``mse`` of :func:`predict` (dropout **off**) on the
       training set and on the validation set.

    Early stopping (``patience`` an int): stop after ``patience`` epochs in a row without a
    new lowest validation MSE, and return the weights of the epoch with the lowest
    validation MSE.  Without ``patience`` train all ``epochs`` and return the last weights.

    Returns
    -------
    dict with ``coefs``, ``intercepts`` (lists of arrays), ``train_mse`` and ``val_mse``
    (arrays, one value per epoch run) and ``best_epoch`` (int, 0-based index of the lowest
    validation MSE).
    """
    X_train, X_val = np.asarray(X_train, dtype=float), np.asarray(X_val, dtype=float)
    y_train, y_val = np.asarray(y_train, dtype=float), np.asarray(y_val, dtype=float)
    if X_train.ndim != 2 or y_train.shape != (len(X_train),) or X_val.ndim != 2 or y_val.shape != (len(X_val),):
        raise ValueError(f"expected X of shape (n, k) and y of shape (n,), got {X_train.shape}, {y_train.shape}, "
                         f"{X_val.shape}, {y_val.shape}")
    rng = np.random.RandomState(random_state)
    sizes = [X_train.shape[1], *hidden_layer_sizes, 1]
    coefs, intercepts = init_weights(sizes, "relu", rng)
    params = coefs + intercepts
    optimizer = Adam(params, learning_rate)
    Y = y_train[:, None]
    n = len(X_train)
    train_curve, val_curve = [], []
    ### BEGIN SOLUTION
    best_val, best_epoch, best_params = np.inf, 0, [p.copy() for p in params]
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            cache = forward(X_train[idx], coefs, intercepts, "relu", dropout, rng)
            _, grad = mse_loss(cache["A"][-1], Y[idx])
            coef_grads, intercept_grads = backward(cache, coefs, grad, "relu")
            for g, gp in zip(coef_grads, penalty_gradients(coefs, len(idx), alpha)):
                g += gp
            optimizer.step(coef_grads + intercept_grads)
        train_curve.append(mse(y_train, predict(coefs, intercepts, X_train)))
        val_curve.append(mse(y_val, predict(coefs, intercepts, X_val)))
        if val_curve[-1] < best_val:
            best_val, best_epoch, best_params = val_curve[-1], epoch, [p.copy() for p in params]
        elif patience is not None and epoch - best_epoch >= patience:
            break
    if patience is not None:
        for p, best in zip(params, best_params):
            p[...] = best
    ### END SOLUTION
    return {"coefs": coefs, "intercepts": intercepts, "train_mse": np.array(train_curve),
            "val_mse": np.array(val_curve), "best_epoch": int(np.argmin(val_curve))}
