"""Loss functions and their gradients.

Every loss ``L`` comes as a pair: ``loss(y_true, y_pred)`` returns the *mean* loss over the
samples, and ``loss_grad(y_true, y_pred)`` returns ``dL/dy_pred``, an array shaped like
``y_pred`` (the gradient of the mean, so each entry carries a factor ``1/n``).

Regression losses take predictions ``f``; classification losses take logits
``z = w.x + b`` and labels ``y`` in {0, 1} (cross-entropies) or {-1, +1} (hinge).
"""
import numpy as np

__all__ = [
    "mean_squared_error_loss", "mean_squared_error_grad",
    "mean_absolute_error_loss", "mean_absolute_error_grad",
    "huber_loss", "huber_grad",
    "sigmoid", "log_sigmoid",
    "sigmoid_cross_entropy", "sigmoid_cross_entropy_grad",
    "weighted_cross_entropy", "weighted_cross_entropy_grad",
    "hinge_loss", "hinge_grad",
]


def _pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("loss of an empty array is undefined")
    return y_true, y_pred


# ---------------------------------------------------------------- regression losses
def mean_squared_error_loss(y_true, y_pred):
    r"""Mean squared error :math:`L = \frac1n \sum_i (f_i - y_i)^2`.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape

    Returns
    -------
    float
    """
    y_true, y_pred = _pair(y_true, y_pred)
    ### BEGIN SOLUTION
    return float(np.mean((y_pred - y_true) ** 2))
    ### END SOLUTION


def mean_squared_error_grad(y_true, y_pred):
    r"""Gradient of the MSE: :math:`\partial L/\partial f_i = \frac2n (f_i - y_i)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    ### BEGIN SOLUTION
    return 2.0 * (y_pred - y_true) / y_true.size
    ### END SOLUTION


def mean_absolute_error_loss(y_true, y_pred):
    r"""Mean absolute error :math:`L = \frac1n \sum_i |f_i - y_i|`."""
    y_true, y_pred = _pair(y_true, y_pred)
    ### BEGIN SOLUTION
    return float(np.mean(np.abs(y_pred - y_true)))
    ### END SOLUTION


def mean_absolute_error_grad(y_true, y_pred):
    r"""(Sub)gradient of the MAE: :math:`\frac1n \operatorname{sign}(f_i - y_i)` (0 at a tie)."""
    y_true, y_pred = _pair(y_true, y_pred)
    ### BEGIN SOLUTION
    return np.sign(y_pred - y_true) / y_true.size
    ### END SOLUTION


def huber_loss(y_true, y_pred, delta=1.0):
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    .. math::
        \ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
                  \delta (|r| - \tfrac12\delta) & |r| > \delta \end{cases},
        \qquad L = \frac1n \sum_i \ell(f_i - y_i)

    It is robust to outliers: their gradient is capped at ``delta``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    ### BEGIN SOLUTION
    r = np.abs(y_pred - y_true)
    quad = 0.5 * r ** 2
    lin = delta * (r - 0.5 * delta)
    return float(np.mean(np.where(r <= delta, quad, lin)))
    ### END SOLUTION


def huber_grad(y_true, y_pred, delta=1.0):
    r"""Gradient of the Huber loss: :math:`\frac1n \operatorname{clip}(f_i - y_i, -\delta, \delta)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    if delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    ### BEGIN SOLUTION
    return np.clip(y_pred - y_true, -delta, delta) / y_true.size
    ### END SOLUTION


# ---------------------------------------------------------------- classification losses
def sigmoid(z):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, computed without overflow.

    For ``z >= 0`` we use :math:`1/(1+e^{-z})`; for ``z < 0`` the equivalent
    :math:`e^{z}/(1+e^{z})`, so ``exp`` only ever sees non-positive arguments.
    """
    z = np.asarray(z, dtype=float)
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(z))  # in (0, 1], never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def log_sigmoid(z):
    r""":math:`\log \sigma(z) = -\log(1 + e^{-z})`, stable for large ``|z|``."""
    z = np.asarray(z, dtype=float)
    ### BEGIN SOLUTION
    return -np.logaddexp(0.0, -z)
    ### END SOLUTION


def _binary_labels(y):
    y = np.asarray(y, dtype=float)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("cross-entropy labels must be 0 or 1")
    return y


def sigmoid_cross_entropy(y_true, logits):
    r"""Binary cross-entropy of sigmoid outputs, from logits.

    .. math::
        L = -\frac1n \sum_i \left[ y_i \log \sigma(z_i) + (1 - y_i) \log(1 - \sigma(z_i)) \right]

    Using :math:`\log(1-\sigma(z)) = \log\sigma(-z)` keeps it finite for any logit.
    """
    y_true, logits = _pair(y_true, logits)
    y_true = _binary_labels(y_true)
    ### BEGIN SOLUTION
    return float(-np.mean(y_true * log_sigmoid(logits) + (1 - y_true) * log_sigmoid(-logits)))
    ### END SOLUTION


def sigmoid_cross_entropy_grad(y_true, logits):
    r"""Gradient w.r.t. the logits: :math:`\partial L/\partial z_i = \frac1n (\sigma(z_i) - y_i)`."""
    y_true, logits = _pair(y_true, logits)
    y_true = _binary_labels(y_true)
    ### BEGIN SOLUTION
    return (sigmoid(logits) - y_true) / y_true.size
    ### END SOLUTION


def weighted_cross_entropy(y_true, logits, pos_weight=1.0, neg_weight=1.0):
    r"""Class-weighted sigmoid cross-entropy.

    .. math::
        L = -\frac1n \sum_i \left[ w_+ y_i \log \sigma(z_i) + w_- (1 - y_i) \log\sigma(-z_i) \right]

    Up-weighting the rare class (e.g. ``w_+ = n / (2 n_+)``, scikit-learn's "balanced")
    counters class imbalance.
    """
    y_true, logits = _pair(y_true, logits)
    y_true = _binary_labels(y_true)
    if pos_weight < 0 or neg_weight < 0:
        raise ValueError("class weights must be non-negative")
    ### BEGIN SOLUTION
    per_sample = pos_weight * y_true * log_sigmoid(logits) + neg_weight * (1 - y_true) * log_sigmoid(-logits)
    return float(-np.mean(per_sample))
    ### END SOLUTION


def weighted_cross_entropy_grad(y_true, logits, pos_weight=1.0, neg_weight=1.0):
    r"""Gradient of the weighted cross-entropy w.r.t. the logits.

    .. math::
        \frac{\partial L}{\partial z_i} = \frac1n \left[ w_+ y_i (\sigma(z_i) - 1) + w_- (1 - y_i) \sigma(z_i) \right]
    """
    y_true, logits = _pair(y_true, logits)
    y_true = _binary_labels(y_true)
    if pos_weight < 0 or neg_weight < 0:
        raise ValueError("class weights must be non-negative")
    ### BEGIN SOLUTION
    s = sigmoid(logits)
    return (pos_weight * y_true * (s - 1) + neg_weight * (1 - y_true) * s) / y_true.size
    ### END SOLUTION


def _signed_labels(y):
    y = np.asarray(y, dtype=float)
    if not np.all((y == -1) | (y == 1)):
        raise ValueError("hinge-loss labels must be -1 or +1")
    return y


def hinge_loss(y_true, scores):
    r"""Hinge loss :math:`L = \frac1n \sum_i \max(0, 1 - y_i s_i)` with labels :math:`y_i \in \{-1, +1\}`."""
    y_true, scores = _pair(y_true, scores)
    y_true = _signed_labels(y_true)
    ### BEGIN SOLUTION
    return float(np.mean(np.maximum(0.0, 1.0 - y_true * scores)))
    ### END SOLUTION


def hinge_grad(y_true, scores):
    r"""Subgradient of the hinge loss: :math:`-\frac1n y_i` where :math:`y_i s_i < 1`, else 0."""
    y_true, scores = _pair(y_true, scores)
    y_true = _signed_labels(y_true)
    ### BEGIN SOLUTION
    return np.where(y_true * scores < 1.0, -y_true, 0.0) / y_true.size
    ### END SOLUTION
