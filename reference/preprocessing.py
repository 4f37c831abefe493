"""Feature transformers: standardisation, polynomial and Gaussian basis functions.

All three follow the scikit-learn transformer API: ``fit(X)`` learns what it needs,
``transform(X)`` maps new data, ``fit_transform`` does both.
"""
from itertools import combinations_with_replacement

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

__all__ = ["StandardScaler", "PolynomialFeatures", "GaussianFeatures"]


class StandardScaler(TransformerMixin, BaseEstimator):
    r"""Standardise features: :math:`z = (x - \mu) / \sigma` per column.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean.
    with_std : bool, default=True
        Divide by the (population, ``ddof=0``) standard deviation. Constant
        columns are left unscaled (scale 1).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
    var_ : ndarray of shape (n_features,) or None
    scale_ : ndarray of shape (n_features,) or None
    n_features_in_ : int
    n_samples_seen_ : int
    """

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Learn the per-feature mean and standard deviation of ``X``."""
        X = validate_data(self, X, dtype=np.float64)
        self.n_samples_seen_ = X.shape[0]
        ### BEGIN SOLUTION
        self.mean_ = X.mean(axis=0) if self.with_mean else None
        if self.with_std:
            self.var_ = X.var(axis=0)
            scale = np.sqrt(self.var_)
            # a (numerically) constant column is not rescaled
            tiny = scale < 10 * np.finfo(float).eps * np.maximum(1.0, np.abs(X.mean(axis=0)))
            self.scale_ = np.where(tiny, 1.0, scale)
        else:
            self.var_ = None
            self.scale_ = None
        ### END SOLUTION
        return self

    def transform(self, X):
        """Standardise ``X`` with the statistics learned by ``fit``."""
        check_is_fitted(self, "n_samples_seen_")
        X = validate_data(self, X, dtype=np.float64, reset=False, copy=True)
        ### BEGIN SOLUTION
        if self.with_mean:
            X = X - self.mean_
        if self.with_std:
            X = X / self.scale_
        return X
        ### END SOLUTION

    def inverse_transform(self, X):
        """Undo :meth:`transform`: :math:`x = z \\sigma + \\mu`."""
        check_is_fitted(self, "n_samples_seen_")
        X = check_array(X, dtype=np.float64, copy=True)
        ### BEGIN SOLUTION
        if self.with_std:
            X = X * self.scale_
        if self.with_mean:
            X = X + self.mean_
        return X
        ### END SOLUTION


class PolynomialFeatures(TransformerMixin, BaseEstimator):
    r"""All monomials of the features up to ``degree``.

    For two features and ``degree=2`` the output columns are
    :math:`1, x_0, x_1, x_0^2, x_0 x_1, x_1^2` (scikit-learn's order).

    Parameters
    ----------
    degree : int, default=2
    interaction_only : bool, default=False
        Keep only products of distinct features (no :math:`x_0^2`).
    include_bias : bool, default=True
        Include the constant column of ones.

    Attributes
    ----------
    powers_ : ndarray of shape (n_output_features, n_features)
        ``powers_[i, j]`` is the exponent of feature ``j`` in output ``i``.
    n_output_features_ : int
    """

    def __init__(self, degree=2, *, interaction_only=False, include_bias=True):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def fit(self, X, y=None):
        """Enumerate the monomials for ``X``'s number of features."""
        X = validate_data(self, X, dtype=np.float64)
        if not isinstance(self.degree, (int, np.integer)) or self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got {self.degree!r}")
        n_features = X.shape[1]
        ### BEGIN SOLUTION
        powers = []
        start = 0 if self.include_bias else 1
        for d in range(start, self.degree + 1):
            for combo in combinations_with_replacement(range(n_features), d):
                if self.interaction_only and len(set(combo)) < len(combo):
                    continue
                row = np.zeros(n_features, dtype=int)
                for j in combo:
                    row[j] += 1
                powers.append(row)
        self.powers_ = np.array(powers, dtype=int).reshape(-1, n_features)
        ### END SOLUTION
        self.n_output_features_ = self.powers_.shape[0]
        return self

    def transform(self, X):
        """Evaluate every monomial on ``X``: output shape (n_samples, n_output_features_)."""
        check_is_fitted(self, "powers_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        # build each monomial from a lower-degree one: x0*x1*x1 = (x0*x1) * x1
        XT = np.ascontiguousarray(X.T)  # rows of XT are features: fast to read
        columns = {(): np.ones(X.shape[0])}
        out = np.empty((X.shape[0], self.n_output_features_))
        for i, row in enumerate(self.powers_):
            combo = tuple(np.repeat(np.arange(len(row)), row))
            if combo not in columns:
                columns[combo] = columns[combo[:-1]] * XT[combo[-1]]
            out[:, i] = columns[combo]
        return out
        ### END SOLUTION


class GaussianFeatures(TransformerMixin, BaseEstimator):
    r"""Gaussian radial basis functions :math:`\phi_k(x) = \exp(-\|x - c_k\|^2 / (2 w^2))`.

    Turns a linear model into a smooth non-linear regressor (basis-function regression).

    Parameters
    ----------
    n_centers : int, default=10
        Number of centres when ``centers`` is None: for one feature they are evenly spaced
        between the minimum and the maximum of the training data; for several features
        they are ``n_centers`` training points chosen at random (``random_state``).
    width : float or None, default=None
        Width :math:`w`. None uses the spacing of evenly spaced centres (1-d) or the
        median distance between centres (n-d).
    centers : array-like of shape (n_centers, n_features), default=None
        Explicit centres.
    include_bias : bool, default=False
        Prepend a column of ones.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    centers_ : ndarray of shape (n_centers, n_features)
    width_ : float
    """

    def __init__(self, n_centers=10, *, width=None, centers=None, include_bias=False,
                 random_state=None):
        self.n_centers = n_centers
        self.width = width
        self.centers = centers
        self.include_bias = include_bias
        self.random_state = random_state

    def fit(self, X, y=None):
        """Place the centres and choose the width."""
        X = validate_data(self, X, dtype=np.float64)
        if self.width is not None and not self.width > 0:
            raise ValueError(f"width must be positive, got {self.width!r}")
        if self.centers is None and (not isinstance(self.n_centers, (int, np.integer)) or self.n_centers < 1):
            raise ValueError(f"n_centers must be a positive integer, got {self.n_centers!r}")
        ### BEGIN SOLUTION
        if self.centers is not None:
            centers = check_array(self.centers, dtype=np.float64)
            if centers.shape[1] != X.shape[1]:
                raise ValueError("centers must have as many columns as X")
        elif X.shape[1] == 1:
            centers = np.linspace(X.min(), X.max(), self.n_centers)[:, None]
        else:
            rng = np.random.RandomState(self.random_state) if not isinstance(
                self.random_state, np.random.RandomState) else self.random_state
            idx = rng.choice(X.shape[0], size=min(self.n_centers, X.shape[0]), replace=False)
            centers = X[idx]
        self.centers_ = centers
        if self.width is not None:
            self.width_ = float(self.width)
        else:
            d = np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(-1))
            off = d[~np.eye(len(centers), dtype=bool)]
            if X.shape[1] == 1 and len(centers) > 1:
                self.width_ = float(centers[1, 0] - centers[0, 0])
            elif off.size and np.median(off) > 0:
                self.width_ = float(np.median(off))
            else:
                self.width_ = 1.0
            if not self.width_ > 0:
                self.width_ = 1.0
        ### END SOLUTION
        return self

    def transform(self, X):
        """Evaluate every basis function on ``X``."""
        check_is_fitted(self, "centers_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        sq = ((X[:, None, :] - self.centers_[None, :, :]) ** 2).sum(-1)
        phi = np.exp(-sq / (2.0 * self.width_ ** 2))
        if self.include_bias:
            phi = np.hstack([np.ones((X.shape[0], 1)), phi])
        return phi
        ### END SOLUTION
