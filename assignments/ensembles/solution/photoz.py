"""Photometric redshifts with ensembles (assignment "ensembles").

The analysis around your ensembles (``ensemble.py``): the photo-z quality metrics the
survey papers quote, and the bias-variance trade-off measured by bootstrap.

Functions
---------
normalised_residuals(z_true, z_pred)
    ``(z_pred - z_true) / (1 + z_true)``.
sigma_nmad(z_true, z_pred)
    Normalised median absolute deviation of the normalised residuals.
outlier_fraction(z_true, z_pred, threshold=0.15)
    Fraction of catastrophic outliers, ``|dz| / (1 + z_true) > threshold``.
bootstrap_predictions(X_train, y_train, X_test, n_bootstraps=20, max_depth=None, random_state=0)
    Predictions of trees trained on bootstrap resamples, one row per resample.
bias_variance(predictions, y_true)
    Squared bias and variance of an ensemble of predictions, averaged over test points.
"""
from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeRegressor


def _pair(z_true, z_pred):
    z_true = np.asarray(z_true, dtype=float)
    z_pred = np.asarray(z_pred, dtype=float)
    if z_true.shape != z_pred.shape or z_true.ndim != 1:
        raise ValueError(f"z_true and z_pred must be 1-d of equal length, got {z_true.shape} and {z_pred.shape}")
    return z_true, z_pred


def normalised_residuals(z_true, z_pred):
    """``dz / (1 + z) = (z_pred - z_true) / (1 + z_true)``: errors scale with ``1 + z``."""
    z_true, z_pred = _pair(z_true, z_pred)
    ### BEGIN SOLUTION
    dz = (z_pred - z_true) / (1.0 + z_true)
    ### END SOLUTION
    return dz


def sigma_nmad(z_true, z_pred):
    """Normalised median absolute deviation of ``dz / (1 + z)``.

    ``1.4826 * median(|dz - median(dz)|)``: equals the standard deviation for Gaussian
    residuals, but ignores catastrophic outliers.
    """
    ### BEGIN SOLUTION
    dz = normalised_residuals(z_true, z_pred)
    sigma = 1.4826 * np.median(np.abs(dz - np.median(dz)))
    ### END SOLUTION
    return float(sigma)


def outlier_fraction(z_true, z_pred, threshold=0.15):
    """Fraction of catastrophic outliers: ``|dz| / (1 + z_true) > threshold``."""
    ### BEGIN SOLUTION
    frac = np.mean(np.abs(normalised_residuals(z_true, z_pred)) > threshold)
    ### END SOLUTION
    return float(frac)


def bootstrap_predictions(X_train, y_train, X_test, n_bootstraps=20, max_depth=None, random_state=0):
    """Predictions of regression trees trained on bootstrap resamples.

    For ``b = 0 .. n_bootstraps - 1`` draw ``n`` training rows WITH replacement
    (``np.random.default_rng(random_state)``), fit
    ``sklearn.tree.DecisionTreeRegressor(max_depth=max_depth, random_state=0)`` on them
    and predict ``X_test``.

    Returns
    -------
    predictions : array of shape (n_bootstraps, n_test)
    """
    X_train = np.asarray(X_train, dtype=float)
    y_train = np.asarray(y_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    rng = np.random.default_rng(random_state)
    predictions = np.empty((n_bootstraps, len(X_test)))
    for b in range(n_bootstraps):
        ### BEGIN SOLUTION
        rows = rng.integers(0, len(y_train), size=len(y_train))
        tree = DecisionTreeRegressor(max_depth=max_depth, random_state=0).fit(X_train[rows], y_train[rows])
        predictions[b] = tree.predict(X_test)
        ### END SOLUTION
    return predictions


def bias_variance(predictions, y_true):
    """Squared bias and variance of bootstrap predictions.

    With ``predictions`` of shape (B, n): the mean prediction per test point is
    ``mean_b predictions[b, i]``; squared bias = mean over points of
    ``(mean prediction - y_true)**2``; variance = mean over points of the variance of the
    predictions across resamples (``ddof=0``).  Their sum is the mean squared error
    averaged over resamples.

    Returns
    -------
    bias2, variance : float
    """
    predictions = np.asarray(predictions, dtype=float)
    y_true = np.asarray(y_true, dtype=float)
    if predictions.ndim != 2 or predictions.shape[1] != len(y_true):
        raise ValueError(f"predictions must have shape (B, {len(y_true)}), got {predictions.shape}")
    ### BEGIN SOLUTION
    mean_pred = predictions.mean(axis=0)
    bias2 = np.mean((mean_pred - y_true) ** 2)
    variance = np.mean(predictions.var(axis=0))
    ### END SOLUTION
    return float(bias2), float(variance)
