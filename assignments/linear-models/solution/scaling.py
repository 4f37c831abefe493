"""Scaling relations, model complexity and robust losses (assignment "linear-models").

Everything here is plain numpy: the point is to see the linear algebra and the gradients.
Your estimators live in ``linear_model.py``; this file holds the analysis.

Functions
---------
fit_power_law(observable, mass)
    Slope and normalisation of ``log10(mass) = a + b log10(observable)`` by the normal
    equations.
polynomial_design(x, degree)
    Design matrix with the columns ``x**0, x**1, ..., x**degree``.
fit_polynomial(x, y, degree)
    Least-squares polynomial coefficients.
validation_curve(x_train, y_train, x_val, y_val, degrees)
    Training and validation mean squared error for each degree.
choose_degree(x, y, degrees, val_fraction=0.3, random_state=0)
    The degree with the smallest validation error on a random hold-out split.
huber_loss_gradient(residual, delta)
    Derivative of the Huber loss with respect to the residual.
huber_fit(x, y, delta=1.0, learning_rate=0.1, n_iter=3000)
    Straight line fitted by batch gradient descent on the mean Huber loss.
"""
from __future__ import annotations

import numpy as np


def _as_1d(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def fit_power_law(observable, mass):
    """Fit the scaling relation ``log10(mass) = a + b * log10(observable)``.

    Solve the normal equations ``(X^T X) theta = X^T y`` with the design matrix
    ``X = [1, log10(observable)]`` and ``y = log10(mass)``.

    Parameters
    ----------
    observable : array of shape (n,)
        A positive mass proxy, e.g. the X-ray temperature ``T_X`` in keV.
    mass : array of shape (n,)
        Positive masses, e.g. ``M500``.

    Returns
    -------
    slope : float
        ``b``, the logarithmic slope.
    intercept : float
        ``a``, the normalisation at ``observable = 1``.
    """
    observable = _as_1d(observable, "observable")
    mass = _as_1d(mass, "mass")
    if observable.shape != mass.shape:
        raise ValueError("observable and mass must have the same length")
    if np.any(observable <= 0) or np.any(mass <= 0):
        raise ValueError("a power law needs positive observables and masses")
    ### BEGIN SOLUTION
    X = np.column_stack([np.ones_like(observable), np.log10(observable)])
    y = np.log10(mass)
    intercept, slope = np.linalg.solve(X.T @ X, X.T @ y)
    ### END SOLUTION
    return float(slope), float(intercept)


def polynomial_design(x, degree):
    """Design matrix of a polynomial of the given degree.

    Parameters
    ----------
    x : array of shape (n,)
    degree : int >= 0

    Returns
    -------
    X : array of shape (n, degree + 1)
        Column ``j`` is ``x**j`` (the first column is all ones).
    """
    x = _as_1d(x, "x")
    if int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got {degree!r}")
    ### BEGIN SOLUTION
    X = np.column_stack([x**j for j in range(int(degree) + 1)])
    ### END SOLUTION
    return X


def fit_polynomial(x, y, degree):
    """Least-squares coefficients of a polynomial (lowest power first).

    Use a numerically stable solver (``np.linalg.lstsq``): at high degree the normal
    equations are badly conditioned.

    Returns
    -------
    coef : array of shape (degree + 1,)
    """
    x = _as_1d(x, "x")
    y = _as_1d(y, "y")
    ### BEGIN SOLUTION
    coef, *_ = np.linalg.lstsq(polynomial_design(x, degree), y, rcond=None)
    ### END SOLUTION
    return coef


def validation_curve(x_train, y_train, x_val, y_val, degrees):
    """Training and validation mean squared error of polynomial fits.

    For each degree, fit on the training set only and evaluate on both sets.

    Returns
    -------
    train_mse, val_mse : arrays of shape (len(degrees),)
    """
    x_train, y_train = _as_1d(x_train, "x_train"), _as_1d(y_train, "y_train")
    x_val, y_val = _as_1d(x_val, "x_val"), _as_1d(y_val, "y_val")
    train_mse, val_mse = [], []
    for degree in degrees:
        ### BEGIN SOLUTION
        coef = fit_polynomial(x_train, y_train, degree)
        train_mse.append(np.mean((polynomial_design(x_train, degree) @ coef - y_train) ** 2))
        val_mse.append(np.mean((polynomial_design(x_val, degree) @ coef - y_val) ** 2))
        ### END SOLUTION
    return np.array(train_mse), np.array(val_mse)


def choose_degree(x, y, degrees, val_fraction=0.3, random_state=0):
    """The polynomial degree with the smallest validation error.

    Shuffle the points with ``np.random.default_rng(random_state).permutation``, hold
    out the first ``round(val_fraction * n)`` shuffled points (at least one) for
    validation, fit each degree on the rest and score it on the held-out points.

    Returns
    -------
    degree : int
    """
    x, y = _as_1d(x, "x"), _as_1d(y, "y")
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    ### BEGIN SOLUTION
    order = np.random.default_rng(random_state).permutation(len(x))
    n_val = max(1, int(round(val_fraction * len(x))))
    val, train = order[:n_val], order[n_val:]
    _, val_mse = validation_curve(x[train], y[train], x[val], y[val], degrees)
    best = int(list(degrees)[int(np.argmin(val_mse))])
    ### END SOLUTION
    return best


def huber_loss_gradient(residual, delta):
    """Derivative of the Huber loss ``L(r)`` with respect to the residual ``r``.

    ``L(r) = r**2 / 2`` for ``|r| <= delta`` and ``delta * (|r| - delta / 2)`` otherwise,
    so the derivative is ``r`` inside and ``delta * sign(r)`` outside.
    """
    residual = np.asarray(residual, dtype=float)
    if delta <= 0:
        raise ValueError("delta must be positive")
    ### BEGIN SOLUTION
    grad = np.clip(residual, -delta, delta)
    ### END SOLUTION
    return grad


def huber_fit(x, y, delta=1.0, learning_rate=0.1, n_iter=3000):
    """Fit ``y = intercept + slope * x`` by batch gradient descent on the mean Huber loss.

    Start from zero; at each step move both parameters against the gradient of
    ``mean(L(intercept + slope * x - y))``.

    Returns
    -------
    slope, intercept : float
    """
    x, y = _as_1d(x, "x"), _as_1d(y, "y")
    slope, intercept = 0.0, 0.0
    ### BEGIN SOLUTION
    for _ in range(int(n_iter)):
        g = huber_loss_gradient(intercept + slope * x - y, delta)
        intercept -= learning_rate * np.mean(g)
        slope -= learning_rate * np.mean(g * x)
    ### END SOLUTION
    return float(slope), float(intercept)
