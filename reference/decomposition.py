"""Principal component analysis (PCA).

Centre the data, ``Xc = X - mean``, and take its singular value decomposition
``Xc = U S V^T``.  The rows of ``V^T`` are the principal axes (orthonormal directions of
decreasing variance) and the variance along axis ``k`` is ``S_k^2 / (n - 1)``.
Projecting on the first ``q`` axes, ``Z = Xc V_q``, keeps as much variance as any
``q``-dimensional linear projection can; ``Z V_q^T + mean`` maps back.

SVD is unique only up to the sign of each axis; like scikit-learn we make the largest
(absolute) entry of every principal axis positive, so results are reproducible.
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted


def svd_flip_rows(U, Vt):
    """Fix the SVD sign ambiguity: flip each axis so the largest-|value| entry of every
    row of ``Vt`` is positive (scikit-learn's ``svd_flip(u_based_decision=False)``)."""
    ### BEGIN SOLUTION
    largest = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(len(Vt)), largest])
    signs[signs == 0] = 1.0
    return U * signs, Vt * signs[:, None]
    ### END SOLUTION


class PCA(TransformerMixin, BaseEstimator):
    """Principal component analysis by full SVD.

    Parameters
    ----------
    n_components : int, float or None, default=None
        int: number of components; float in (0, 1): the fewest components that explain
        more than this fraction of the variance; None: ``min(n_samples, n_features)``.
    whiten : bool, default=False
        Scale the projected data to unit variance per component.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Principal axes, sorted by decreasing explained variance.
    explained_variance_ : ndarray of shape (n_components,)
        Variance along each axis (``S**2 / (n_samples - 1)``).
    explained_variance_ratio_ : ndarray of shape (n_components,)
    singular_values_ : ndarray of shape (n_components,)
    mean_ : ndarray of shape (n_features,)
    n_components_ : int
    noise_variance_ : float
        Mean variance of the discarded directions (0 if none is discarded).
    """

    def __init__(self, n_components=None, *, whiten=False):
        self.n_components = n_components
        self.whiten = whiten

    def fit(self, X, y=None):
        """Compute the principal axes of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def _fit(self, X):
        X = check_array(X, dtype=np.float64, ensure_min_samples=2)
        n, d = X.shape
        k_max = min(n, d)
        nc = self.n_components
        if nc is None:
            pass
        elif isinstance(nc, numbers.Integral) and not isinstance(nc, bool):
            if not 0 <= nc <= k_max:
                raise ValueError(f"n_components={nc} must be between 0 and "
                                 f"min(n_samples, n_features)={k_max}")
        elif isinstance(nc, numbers.Real) and 0 < nc < 1:
            pass
        else:
            raise ValueError(f"n_components must be None, an int or a float in (0, 1), got {nc!r}")
        self.n_features_in_ = d
        ### BEGIN SOLUTION
        self.mean_ = X.mean(axis=0)
        U, S, Vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        U, Vt = svd_flip_rows(U, Vt)
        variance = S**2 / (n - 1)
        ratio = variance / variance.sum() if variance.sum() > 0 else np.zeros_like(variance)
        if nc is None:
            k = k_max
        elif isinstance(nc, numbers.Integral):
            k = nc
        else:  # smallest k whose cumulative ratio exceeds the requested fraction
            k = int(np.searchsorted(np.cumsum(ratio), nc, side="right")) + 1
            k = min(k, k_max)
        self.n_components_ = k
        self.components_ = Vt[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = S[:k]
        self.noise_variance_ = float(variance[k:].mean()) if k < k_max else 0.0
        ### END SOLUTION
        return U[:, :self.n_components_], X

    def _check_X(self, X):
        check_is_fitted(self, "components_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def transform(self, X):
        """Project ``X`` on the principal axes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
        """
        X = self._check_X(X)
        ### BEGIN SOLUTION
        Z = (X - self.mean_) @ self.components_.T
        if self.whiten:
            Z /= np.sqrt(self.explained_variance_)
        return Z
        ### END SOLUTION

    def inverse_transform(self, Z):
        """Map projected data back to the original space (lossy if components were dropped).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "components_")
        Z = check_array(Z, dtype=np.float64)
        ### BEGIN SOLUTION
        if self.whiten:
            Z = Z * np.sqrt(self.explained_variance_)
        return Z @ self.components_ + self.mean_
        ### END SOLUTION

    def get_covariance(self):
        """Model covariance ``V^T diag(var - noise) V + noise * I`` (probabilistic PCA)."""
        check_is_fitted(self, "components_")
        V, var = self.components_, self.explained_variance_
        cov = V.T @ np.diag(np.maximum(var - self.noise_variance_, 0.0)) @ V
        return cov + self.noise_variance_ * np.eye(self.n_features_in_)
