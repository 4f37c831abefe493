"""Neural networks from scratch: a multi-layer perceptron in plain numpy.

Everything a network does is visible here, one idea per function:

* activations and their derivatives (ReLU, leaky ReLU, logistic sigmoid, tanh, softmax),
* losses together with their gradient with respect to the network output
  (mean squared error, binary and categorical cross-entropy),
* the forward pass through dense layers, with inverted dropout,
* backpropagation (the chain rule, layer by layer, from the output back to the input),
* optimizers (SGD with classical or Nesterov momentum, Adam),
* L2 and L1 weight decay, mini-batch training, train/validation loss history,
  early stopping, and MC-dropout predictive mean and spread,
* ``MLPClassifier`` and ``MLPRegressor`` with scikit-learn's names and attributes,
* the XOR example of the lectures, with hand-set weights.

Conventions
-----------
A network with layer sizes ``[n_in, h_1, ..., h_L, n_out]`` is described by two lists,
``coefs[i]`` of shape ``(n_i, n_{i+1})`` and ``intercepts[i]`` of shape ``(n_{i+1},)``,
exactly as scikit-learn's ``coefs_`` / ``intercepts_``.  Samples are rows: a layer maps
``A`` of shape ``(n_samples, n_i)`` to ``Z = A @ W + b``.  The last layer is linear
(its output is the *logits*); the output function (identity, sigmoid, softmax) is folded
into the loss, which makes the output gradient simple and numerically stable.

The penalised loss minimised by the estimators, for a mini-batch of ``n`` samples, is::

    L = data_loss + alpha / (2 n) * sum_W ||W||_2^2 + l1 / n * sum_W |W|_1

(biases are not penalised), the same L2 convention as scikit-learn.
"""
from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

__all__ = [
    "identity", "relu", "leaky_relu", "sigmoid", "tanh", "softmax",
    "activation_derivative", "ACTIVATIONS",
    "mse_loss", "binary_cross_entropy_loss", "cross_entropy_loss",
    "init_weights", "forward", "backward", "penalty", "penalty_gradients",
    "SGD", "Adam",
    "MLPClassifier", "MLPRegressor",
    "xor_data", "xor_hand_weights", "ConvergenceWarning",
]


class ConvergenceWarning(UserWarning):
    """Training stopped at ``max_iter`` before the loss converged."""


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------
LEAKY_SLOPE = 0.01


def identity(z):
    """Identity ``f(z) = z`` (output layer of a regressor)."""
    return z


def relu(z):
    """Rectified linear unit ``f(z) = max(0, z)``."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


def leaky_relu(z, slope=LEAKY_SLOPE):
    """Leaky ReLU ``f(z) = z`` for ``z > 0`` and ``slope * z`` otherwise."""
    ### BEGIN SOLUTION
    return np.where(z > 0, z, slope * z)
    ### END SOLUTION


def sigmoid(z):
    """Logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``, computed without overflow."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
    ### END SOLUTION


def tanh(z):
    """Hyperbolic tangent ``f(z) = (e^z - e^-z) / (e^z + e^-z)``."""
    ### BEGIN SOLUTION
    return np.tanh(z)
    ### END SOLUTION


def softmax(z):
    """Row-wise softmax ``p_k = exp(z_k) / sum_j exp(z_j)``, shifted by the row maximum."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


ACTIVATIONS = {
    "identity": identity,
    "logistic": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
}


def activation_derivative(name, z, a):
    """Derivative ``f'(z)`` of activation ``name``, given its input ``z`` and output ``a``.

    ``identity: 1``, ``logistic: a (1 - a)``, ``tanh: 1 - a^2``, ``relu: [z > 0]``,
    ``leaky_relu: 1 if z > 0 else slope``.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    ### BEGIN SOLUTION
    if name == "identity":
        return np.ones_like(z)
    if name == "logistic":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a**2
    if name == "relu":
        return (z > 0).astype(float)
    return np.where(z > 0, 1.0, LEAKY_SLOPE)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Losses: value and gradient with respect to the logits (the last, linear layer)
# ---------------------------------------------------------------------------------------
def mse_loss(y_pred, y_true):
    """Half mean squared error and its gradient.

    ``L = 1/(2n) sum_i ||y_pred_i - y_true_i||^2``, ``dL/dy_pred = (y_pred - y_true) / n``.

    Returns
    -------
    loss : float
    grad : ndarray of shape y_pred.shape
    """
    ### BEGIN SOLUTION
    n = y_pred.shape[0]
    diff = y_pred - y_true
    return 0.5 * float(np.sum(diff**2)) / n, diff / n
    ### END SOLUTION


def binary_cross_entropy_loss(logits, y_true):
    """Sigmoid cross-entropy of one output column and its gradient.

    With ``p = sigmoid(z)``: ``L = -1/n sum_i [y log p + (1 - y) log(1 - p)]`` and
    ``dL/dz = (p - y) / n``.  ``log p = -log(1 + e^-z)`` is computed stably.

    Parameters
    ----------
    logits : ndarray of shape (n, 1)
    y_true : ndarray of shape (n, 1) with values in {0, 1}
    """
    ### BEGIN SOLUTION
    n = logits.shape[0]
    # -log p = log(1 + e^-z) = logaddexp(0, -z); -log(1-p) = logaddexp(0, z)
    loss = np.sum(y_true * np.logaddexp(0.0, -logits) + (1 - y_true) * np.logaddexp(0.0, logits)) / n
    return float(loss), (sigmoid(logits) - y_true) / n
    ### END SOLUTION


def cross_entropy_loss(logits, y_onehot):
    """Softmax cross-entropy and its gradient.

    With ``p = softmax(z)``: ``L = -1/n sum_i sum_k y_ik log p_ik`` and
    ``dL/dz = (p - y) / n``.  ``log p`` uses the log-sum-exp trick.
    """
    ### BEGIN SOLUTION
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(y_onehot * log_p) / n
    return float(loss), (np.exp(log_p) - y_onehot) / n
    ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Forward and backward pass
# ---------------------------------------------------------------------------------------
def init_weights(layer_sizes, activation="relu", random_state=None):
    """Glorot-uniform weights and zero-mean uniform biases, as scikit-learn initialises them.

    ``W ~ U(-r, r)`` with ``r = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for the
    logistic activation).

    Returns
    -------
    coefs, intercepts : lists of ndarrays
    """
    rng = check_random_state(random_state)
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    return coefs, intercepts


def forward(X, coefs, intercepts, activation="relu", dropout=0.0, random_state=None):
    """Forward pass of a dense network with a linear last layer.

    Hidden layer ``i``: ``Z_i = A_{i-1} W_i + b_i``, ``A_i = f(Z_i) * M_i`` where ``M_i`` is
    the inverted-dropout mask (each unit kept with probability ``1 - dropout`` and scaled by
    ``1 / (1 - dropout)`` so that the expected activation is unchanged).  The last layer is
    ``Z_L = A_{L-1} W_L + b_L`` (logits).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    coefs, intercepts : lists of ndarrays, see the module docstring
    activation : str, hidden-layer activation, a key of ``ACTIVATIONS``
    dropout : float in [0, 1), probability of dropping a hidden unit (0 = no dropout)
    random_state : None, int or RandomState, draws the dropout masks

    Returns
    -------
    cache : dict with lists ``"A"`` (``A[0] = X`` ... ``A[L] = logits``), ``"Z"`` (pre-
        activations of every layer) and ``"masks"`` (dropout masks, ``None`` if no dropout);
        ``cache["A"][-1]`` is the network output.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    rng = check_random_state(random_state) if dropout > 0 else None
    ### BEGIN SOLUTION
    f = ACTIVATIONS[activation]
    A, Z, masks = [X], [], []
    n_layers = len(coefs)
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = A[-1] @ W + b
        Z.append(z)
        if i == n_layers - 1:  # output layer: linear
            A.append(z)
            masks.append(None)
            break
        a = f(z)
        mask = None
        if dropout > 0:
            mask = (rng.random_sample(a.shape) >= dropout) / (1.0 - dropout)
            a = a * mask
        masks.append(mask)
        A.append(a)
    return {"A": A, "Z": Z, "masks": masks}
    ### END SOLUTION


def backward(cache, coefs, grad_output, activation="relu"):
    """Backpropagation: gradients of the loss with respect to every weight and bias.

    Start from ``delta_L = dL/dZ_L`` (``grad_output``) and for each layer, last to first::

        dL/dW_i = A_{i-1}^T delta_i          dL/db_i = sum over samples of delta_i
        delta_{i-1} = (delta_i W_i^T) * M_{i-1} * f'(Z_{i-1})

    Parameters
    ----------
    cache : dict returned by :func:`forward`
    coefs : list of weight matrices used in that forward pass
    grad_output : ndarray, gradient of the loss with respect to the logits
    activation : str, hidden-layer activation

    Returns
    -------
    coef_grads, intercept_grads : lists of ndarrays shaped like ``coefs`` / ``intercepts``
    """
    ### BEGIN SOLUTION
    A, Z, masks = cache["A"], cache["Z"], cache["masks"]
    n_layers = len(coefs)
    coef_grads = [None] * n_layers
    intercept_grads = [None] * n_layers
    delta = grad_output
    for i in range(n_layers - 1, -1, -1):
        coef_grads[i] = A[i].T @ delta
        intercept_grads[i] = delta.sum(axis=0)
        if i == 0:
            break
        delta = delta @ coefs[i].T
        if masks[i - 1] is not None:
            delta = delta * masks[i - 1]
            # A[i] already holds f(Z) * mask; f'(Z) needs the unmasked activation
            a_unmasked = ACTIVATIONS[activation](Z[i - 1])
        else:
            a_unmasked = A[i]
        delta = delta * activation_derivative(activation, Z[i - 1], a_unmasked)
    return coef_grads, intercept_grads
    ### END SOLUTION


def penalty(coefs, n_samples, alpha=0.0, l1=0.0):
    """Weight decay ``alpha/(2n) sum ||W||^2 + l1/n sum |W|`` (biases excluded)."""
    ### BEGIN SOLUTION
    l2_term = 0.5 * alpha * sum(float(np.sum(W**2)) for W in coefs) / n_samples
    l1_term = l1 * sum(float(np.sum(np.abs(W))) for W in coefs) / n_samples
    return l2_term + l1_term
    ### END SOLUTION


def penalty_gradients(coefs, n_samples, alpha=0.0, l1=0.0):
    """Gradient of :func:`penalty`: ``(alpha W + l1 sign(W)) / n`` for each weight matrix."""
    ### BEGIN SOLUTION
    return [(alpha * W + l1 * np.sign(W)) / n_samples for W in coefs]
    ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Optimizers: update a list of parameter arrays in place from a list of gradients
# ---------------------------------------------------------------------------------------
class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Classical momentum: ``v <- mu v - lr g``, ``theta <- theta + v``.
    Nesterov (scikit-learn's form): ``v <- mu v - lr g``, ``theta <- theta + mu v - lr g``.

    Parameters
    ----------
    params : list of ndarrays (updated in place by :meth:`step`)
    learning_rate : float
    momentum : float in [0, 1]
    nesterov : bool
    """

    def __init__(self, params, learning_rate=0.01, momentum=0.0, nesterov=False):
        self.params = params
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities = [np.zeros_like(p) for p in params]

    def step(self, grads):
        """Apply one update given the gradients (same order and shapes as ``params``)."""
        ### BEGIN SOLUTION
        lr, mu = self.learning_rate, self.momentum
        for p, v, g in zip(self.params, self.velocities, grads):
            v *= mu
            v -= lr * g
            if self.nesterov:
                p += mu * v - lr * g
            else:
                p += v
        ### END SOLUTION


class Adam:
    """Adam (Kingma & Ba 2015) with bias-corrected first and second moments.

    ``m <- b1 m + (1-b1) g``; ``v <- b2 v + (1-b2) g^2``;
    ``theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)``, ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``.
    """

    def __init__(self, params, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.params = params
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    def step(self, grads):
        """Apply one update given the gradients (same order and shapes as ``params``)."""
        ### BEGIN SOLUTION
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        for p, m, v, g in zip(self.params, self.ms, self.vs, grads):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g**2
            m_hat = m / (1 - b1**self.t)
            v_hat = v / (1 - b2**self.t)
            p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)
        ### END SOLUTION


# ---------------------------------------------------------------------------------------
# Estimators
# ---------------------------------------------------------------------------------------
class _BaseMLP(BaseEstimator):
    """Shared training loop of :class:`MLPClassifier` and :class:`MLPRegressor`."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        l1=0.0,
        dropout=0.0,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l1 = l1
        self.dropout = dropout
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # -- validation ---------------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(f"hidden_layer_sizes must be an int or a sequence of ints, got {sizes!r}") from None
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold positive ints, got {self.hidden_layer_sizes!r}")
        return sizes

    def _check_params(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if self.solver not in ("sgd", "adam"):
            raise ValueError(f"solver must be 'sgd' or 'adam', got {self.solver!r}")
        for name in ("alpha", "l1", "tol"):
            value = getattr(self, name)
            if not isinstance(value, Real) or value < 0:
                raise ValueError(f"{name} must be a non-negative number, got {value!r}")
        if not isinstance(self.learning_rate_init, Real) or self.learning_rate_init <= 0:
            raise ValueError(f"learning_rate_init must be > 0, got {self.learning_rate_init!r}")
        if not isinstance(self.max_iter, Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive int, got {self.max_iter!r}")
        if not isinstance(self.n_iter_no_change, Integral) or self.n_iter_no_change < 1:
            raise ValueError(f"n_iter_no_change must be a positive int, got {self.n_iter_no_change!r}")
        if not isinstance(self.dropout, Real) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.momentum, Real) or not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum!r}")
        if not isinstance(self.validation_fraction, Real) or not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}")
        for name in ("beta_1", "beta_2"):
            value = getattr(self, name)
            if not isinstance(value, Real) or not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value!r}")
        if self.batch_size != "auto" and (not isinstance(self.batch_size, Integral) or self.batch_size < 1):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {self.batch_size!r}")
        return self._hidden_sizes()

    # -- pieces of the training loop ----------------------------------------------------
    def _output_loss(self, logits, Y):
        raise NotImplementedError  # defined by the subclasses

    def _loss_and_gradients(self, X, Y, random_state=None):
        """Penalised loss of a batch and its gradients with respect to every parameter.

        Used by training; also the function to check against torch autograd and finite
        differences (call it with ``dropout=0`` or a fixed ``random_state``).
        """
        ### BEGIN SOLUTION
        cache = forward(X, self.coefs_, self.intercepts_, self.activation, self.dropout, random_state)
        loss, grad_out = self._output_loss(cache["A"][-1], Y)
        coef_grads, intercept_grads = backward(cache, self.coefs_, grad_out, self.activation)
        n = X.shape[0]
        loss += penalty(self.coefs_, n, self.alpha, self.l1)
        for g, gp in zip(coef_grads, penalty_gradients(self.coefs_, n, self.alpha, self.l1)):
            g += gp
        return loss, coef_grads, intercept_grads
        ### END SOLUTION

    def _logits(self, X):
        return forward(X, self.coefs_, self.intercepts_, self.activation)["A"][-1]

    def _validation_split(self, X, Y, rng):
        n = X.shape[0]
        n_val = max(1, int(round(self.validation_fraction * n)))
        if n - n_val < 1:
            raise ValueError(f"early_stopping needs more samples than {n}: the validation split leaves none to train on")
        perm = rng.permutation(n)
        val, train = perm[:n_val], perm[n_val:]
        return X[train], Y[train], X[val], Y[val]

    def _fit(self, X, Y):
        """Mini-batch training loop (shared by both estimators)."""
        hidden = self._check_params()
        rng = check_random_state(self.random_state)
        n_out = Y.shape[1]
        sizes = [X.shape[1], *hidden, n_out]
        self.coefs_, self.intercepts_ = init_weights(sizes, self.activation, rng)
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_out

        if self.early_stopping:
            X, Y, X_val, Y_val = self._validation_split(X, Y, rng)
        n = X.shape[0]
        batch = min(200, n) if self.batch_size == "auto" else min(self.batch_size, n)

        params = self.coefs_ + self.intercepts_
        if self.solver == "adam":
            opt = Adam(params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        else:
            opt = SGD(params, self.learning_rate_init, self.momentum, self.nesterovs_momentum)

        self.loss_curve_ = []
        self.validation_loss_curve_ = [] if self.early_stopping else None
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_loss_ = np.inf if not self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        best_params = None
        no_improvement = 0
        self.t_ = 0
        ### BEGIN SOLUTION
        for epoch in range(self.max_iter):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            total = 0.0
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                loss, coef_grads, intercept_grads = self._loss_and_gradients(X[idx], Y[idx], rng)
                opt.step(coef_grads + intercept_grads)
                total += loss * len(idx)
            self.t_ += n
            self.loss_curve_.append(total / n)
            if self.early_stopping:
                val_logits = self._logits(X_val)
                self.validation_loss_curve_.append(self._output_loss(val_logits, Y_val)[0])
                score = self._validation_score(val_logits, Y_val)
                self.validation_scores_.append(score)
                if score > self.best_validation_score_:
                    best_params = [p.copy() for p in params]
                if score < self.best_validation_score_ + self.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                self.best_validation_score_ = max(self.best_validation_score_, score)
            else:
                if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
            if no_improvement >= self.n_iter_no_change:
                break
        else:
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} reached and the loss has not converged",
                ConvergenceWarning,
            )
        self.n_iter_ = epoch + 1
        if self.early_stopping and best_params is not None:
            for p, best in zip(params, best_params):
                p[...] = best
        ### END SOLUTION
        return self

    def predict_mc_dropout(self, X, n_samples=100, random_state=None):
        """MC-dropout: predictive mean and spread from ``n_samples`` stochastic passes.

        Dropout stays switched on at prediction time (Gal & Ghahramani 2016); the mean of
        the outputs approximates the predictive mean, their standard deviation the model
        uncertainty.  With ``dropout=0`` the spread is exactly zero.

        Returns
        -------
        mean, std : ndarrays, predictions (regressor) or class probabilities (classifier)
        """
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
        rng = check_random_state(random_state)
        ### BEGIN SOLUTION
        draws = np.stack([
            self._output_from_logits(
                forward(X, self.coefs_, self.intercepts_, self.activation, self.dropout, rng)["A"][-1])
            for _ in range(n_samples)
        ])
        return draws.mean(axis=0), draws.std(axis=0)
        ### END SOLUTION


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by backpropagation.

    Binary problems have one sigmoid output unit and the binary cross-entropy loss;
    multiclass problems have one softmax output per class and the categorical
    cross-entropy.  Same parameters as ``sklearn.neural_network.MLPClassifier`` (solvers
    ``"sgd"`` and ``"adam"``), plus ``l1`` (L1 weight decay) and ``dropout``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu"}, default="relu"
    solver : {"sgd", "adam"}, default="adam"
    alpha : float, default=1e-4
        L2 weight decay (``alpha / (2 n) * sum ||W||^2`` per batch of ``n`` samples).
    l1 : float, default=0
        L1 weight decay (``l1 / n * sum |W|``).
    dropout : float in [0, 1), default=0
        Probability of dropping a hidden unit during training (inverted dropout).
    batch_size : int or "auto", default="auto"
        ``"auto"`` means ``min(200, n_samples)``.
    learning_rate_init : float, default=1e-3
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
    random_state : None, int or RandomState
        Seeds weights, shuffling, the validation split and dropout masks.
    tol : float, default=1e-4
    momentum : float, default=0.9 (solver "sgd")
    nesterovs_momentum : bool, default=True (solver "sgd")
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data; stop when the validation accuracy has
        not improved by ``tol`` for ``n_iter_no_change`` epochs, keep the best weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : Adam hyper-parameters
    n_iter_no_change : int, default=10

    Attributes
    ----------
    classes_ : ndarray of class labels
    coefs_, intercepts_ : lists of weight matrices and bias vectors
    loss_curve_ : list of float, training loss per epoch
    validation_loss_curve_ : list of float or None, validation loss per epoch
    validation_scores_ : list of float or None, validation accuracy per epoch
    best_loss_, best_validation_score_ : float or None
    n_iter_, n_layers_, n_outputs_, t_, n_features_in_
    out_activation_ : "logistic" or "softmax"
    """

    def fit(self, X, y):
        """Train on ``X`` of shape (n_samples, n_features) and class labels ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier needs at least 2 classes, got {len(self.classes_)} class(es)")
        if len(self.classes_) == 2:
            Y = y_idx.reshape(-1, 1).astype(float)
            self.out_activation_ = "logistic"
        else:
            Y = np.eye(len(self.classes_))[y_idx]
            self.out_activation_ = "softmax"
        return self._fit(X, Y)

    def _output_loss(self, logits, Y):
        if self.out_activation_ == "logistic":
            return binary_cross_entropy_loss(logits, Y)
        return cross_entropy_loss(logits, Y)

    def _output_from_logits(self, logits):
        if self.out_activation_ == "logistic":
            p = sigmoid(logits[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(logits)

    def _validation_score(self, logits, Y):
        pred = self._output_from_logits(logits).argmax(axis=1)
        truth = Y[:, 0].astype(int) if self.out_activation_ == "logistic" else Y.argmax(axis=1)
        return float(np.mean(pred == truth))

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns ordered as ``classes_``."""
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._output_from_logits(self._logits(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class of each sample."""
        check_is_fitted(self, "coefs_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: linear output units, half mean squared error.

    Same parameters and attributes as :class:`MLPClassifier` (without ``classes_``);
    ``validation_scores_`` holds the validation R^2.  Multi-output ``y`` of shape
    (n_samples, n_outputs) is supported.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def fit(self, X, y):
        """Train on ``X`` of shape (n_samples, n_features) and targets ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.out_activation_ = "identity"
        return self._fit(X, Y.astype(np.float64))

    def _output_loss(self, logits, Y):
        return mse_loss(logits, Y)

    def _output_from_logits(self, logits):
        return logits[:, 0] if self._y_1d else logits

    def _validation_score(self, logits, Y):
        ss_res = np.sum((Y - logits) ** 2)
        ss_tot = np.sum((Y - Y.mean(axis=0)) ** 2)
        return float(1.0 - ss_res / ss_tot) if ss_tot > 0 else 0.0

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_outputs)."""
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._output_from_logits(self._logits(X))


# ---------------------------------------------------------------------------------------
# The XOR example
# ---------------------------------------------------------------------------------------
def xor_data():
    """The four XOR points: ``X`` of shape (4, 2) and labels ``y = x1 XOR x2``."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


def xor_hand_weights():
    """Hand-set weights of a 2-2-1 ReLU network that computes XOR exactly.

    ``h = relu(x W1 + b1)`` with ``W1 = [[1, 1], [1, 1]]``, ``b1 = [0, -1]``, then
    ``y = h w2 + b2`` with ``w2 = [1, -2]``, ``b2 = 0`` (Goodfellow et al., ch. 6.1):
    the hidden units see ``x1 + x2`` and ``x1 + x2 - 1``, so the output is
    ``0, 1, 1, 0`` for the four inputs.  Use with ``forward(X, coefs, intercepts, "relu")``.

    Returns
    -------
    coefs, intercepts : lists of ndarrays
    """
    coefs = [np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [-2.0]])]
    intercepts = [np.array([0.0, -1.0]), np.array([0.0])]
    return coefs, intercepts
