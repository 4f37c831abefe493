"""Principal component analysis of stellar spectra (assignment "unsupervised", part 1).

PCA from scratch, then what it tells us about stars: how many components the spectra
need, how well a few components reconstruct a spectrum, and how much of the effective
temperature the leading components carry.

The math.  Centre the data, ``Xc = X - mean``, and take its singular value decomposition
``Xc = U S V^T``.  The rows of ``V^T`` are the principal axes (orthonormal, of decreasing
variance); the variance along axis ``k`` is ``S_k^2 / (n - 1)``.  Projecting on the first
``q`` axes, ``Z = Xc V_q``, keeps as much variance as any ``q``-dimensional linear
projection can, and ``Z V_q^T + mean`` maps back.  An SVD is unique only up to the sign of
each axis: like scikit-learn, flip every axis so that its largest-|value| entry is
positive.

Contents
--------
PCA(n_components=None)
    ``fit``, ``transform``, ``inverse_transform``, ``fit_transform``; ``components_``,
    ``explained_variance_``, ``explained_variance_ratio_``, ``singular_values_``,
    ``mean_``, ``n_components_``.
components_for_variance(X, fraction)
    The fewest components that explain at least ``fraction`` of the variance.
reconstruction_rms(X_train, X, n_components)
    RMS residual of each spectrum of ``X`` after projection on ``n_components`` axes.
TeffFromPCA(n_components=3)
    A linear fit of ``log10 T_eff`` on the leading principal-component scores.
"""
from __future__ import annotations

import numpy as np


def _as_2d(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-d array (n_samples, n_features), got shape {X.shape}")
    return X


class PCA:
    """Principal component analysis by full SVD.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of axes to keep; None keeps ``min(n_samples, n_features)``.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (n_components_, n_features)
        Principal axes, by decreasing variance, each with its largest-|value| entry positive.
    explained_variance_ : ndarray of shape (n_components_,)
        ``S**2 / (n_samples - 1)`` of the kept axes.
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        ``explained_variance_`` divided by the total variance (all axes, kept or not).
    singular_values_ : ndarray of shape (n_components_,)
    n_components_ : int
    """

    def __init__(self, n_components=None):
        self.n_components = n_components

    def fit(self, X, y=None):
        """Compute the principal axes of ``X`` (shape (n_samples, n_features)); returns self."""
        X = _as_2d(X)
        n, d = X.shape
        k = min(n, d) if self.n_components is None else int(self.n_components)
        if not 1 <= k <= min(n, d):
            raise ValueError(f"n_components={self.n_components} must be between 1 and {min(n, d)}")
        ### BEGIN SOLUTION
        self.mean_ = X.mean(axis=0)
        U, S, Vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        largest = np.argmax(np.abs(Vt), axis=1)          # sign convention
        signs = np.sign(Vt[np.arange(len(Vt)), largest])
        signs[signs == 0] = 1.0
        Vt = Vt * signs[:, None]
        variance = S**2 / (n - 1)
        self.n_components_ = k
        self.components_ = Vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = variance[:k] / variance.sum()
        self.singular_values_ = S[:k]
        ### END SOLUTION
        return self

    def transform(self, X):
        """Scores on the principal axes: ``(X - mean_) @ components_.T``, shape (n, n_components_)."""
        X = _as_2d(X)
        ### BEGIN SOLUTION
        return (X - self.mean_) @ self.components_.T
        ### END SOLUTION

    def inverse_transform(self, Z):
        """Back to the original space: ``Z @ components_ + mean_``, shape (n, n_features)."""
        Z = _as_2d(Z)
        ### BEGIN SOLUTION
        return Z @ self.components_ + self.mean_
        ### END SOLUTION

    def fit_transform(self, X, y=None):
        """Fit, then return the scores of ``X``."""
        return self.fit(X).transform(X)


def components_for_variance(X, fraction):
    """The fewest principal components whose explained-variance ratios add up to at least
    ``fraction`` (0 < fraction < 1) of the total variance of ``X``.

    Returns
    -------
    q : int
    """
    X = _as_2d(X)
    ### BEGIN SOLUTION
    ratio = PCA().fit(X).explained_variance_ratio_
    q = int(np.searchsorted(np.cumsum(ratio), fraction)) + 1
    return min(q, len(ratio))
    ### END SOLUTION


def reconstruction_rms(X_train, X, n_components):
    """Root-mean-square residual of each row of ``X`` reconstructed from ``n_components``
    principal axes fitted on ``X_train``.

    ``residual = X - inverse_transform(transform(X))``;
    ``rms_i = sqrt(mean_j residual_ij^2)``.

    Returns
    -------
    rms : ndarray of shape (len(X),)
    """
    X_train, X = _as_2d(X_train), _as_2d(X)
    ### BEGIN SOLUTION
    pca = PCA(n_components).fit(X_train)
    residual = X - pca.inverse_transform(pca.transform(X))
    return np.sqrt(np.mean(residual**2, axis=1))
    ### END SOLUTION


class TeffFromPCA:
    """Effective temperature from the leading principal components of a spectrum.

    ``fit`` finds the principal axes of the training spectra, then fits by least squares
    ``log10 T_eff = c_0 + sum_{k < n_components} c_{k+1} z_k`` on the scores ``z``.

    Parameters
    ----------
    n_components : int, default=3

    Attributes
    ----------
    pca_ : PCA
        Fitted with ``n_components`` axes.
    coef_ : ndarray of shape (n_components + 1,)
        Intercept first, then one coefficient per score.
    """

    def __init__(self, n_components=3):
        self.n_components = n_components

    def fit(self, flux, t_eff):
        """Fit on spectra ``flux`` (n, n_pixels) with effective temperatures ``t_eff`` (K)."""
        flux = _as_2d(flux)
        t_eff = np.asarray(t_eff, dtype=float)
        ### BEGIN SOLUTION
        self.pca_ = PCA(self.n_components).fit(flux)
        Z = self.pca_.transform(flux)
        A = np.column_stack([np.ones(len(Z)), Z])
        self.coef_ = np.linalg.lstsq(A, np.log10(t_eff), rcond=None)[0]
        ### END SOLUTION
        return self

    def predict(self, flux):
        """Effective temperature (K) of each spectrum."""
        flux = _as_2d(flux)
        ### BEGIN SOLUTION
        Z = self.pca_.transform(flux)
        return 10.0 ** (self.coef_[0] + Z @ self.coef_[1:])
        ### END SOLUTION
