"""Gaussian naive Bayes.

Bayes' theorem with the "naive" assumption that features are independent given the class:

.. math::
    \\log p(c \\mid x) = \\log p(c) + \\sum_j \\log \\mathcal N(x_j; \\theta_{cj}, \\sigma^2_{cj})
                       - \\log p(x),

where :math:`\\log p(x) = \\operatorname{logsumexp}_c(\\ldots)` normalises the posteriors.
"""
import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["GaussianNB"]


class GaussianNB(ClassifierMixin, BaseEstimator):
    """Gaussian naive Bayes classifier.

    Parameters
    ----------
    priors : array-like of shape (n_classes,), default=None
        Class priors; None uses the class frequencies of the training data.
    var_smoothing : float, default=1e-9
        Fraction of the largest feature variance added to every variance (stability).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_count_ : ndarray of shape (n_classes,)
    class_prior_ : ndarray of shape (n_classes,)
    theta_ : ndarray of shape (n_classes, n_features)
        Per-class feature means.
    var_ : ndarray of shape (n_classes, n_features)
        Per-class feature variances (plus ``epsilon_``).
    epsilon_ : float
    """

    def __init__(self, *, priors=None, var_smoothing=1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y):
        """Estimate per-class means, variances and priors."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        if not (np.isscalar(self.var_smoothing) and self.var_smoothing >= 0):
            raise ValueError(f"var_smoothing must be non-negative, got {self.var_smoothing!r}")
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if self.priors is not None:
            priors = np.asarray(self.priors, dtype=float)
            if priors.shape != (K,):
                raise ValueError(f"priors must have one entry per class ({K}), got shape {priors.shape}")
            if np.any(priors < 0) or not np.isclose(priors.sum(), 1.0):
                raise ValueError("priors must be non-negative and sum to 1")
        ### BEGIN SOLUTION
        self.epsilon_ = self.var_smoothing * np.var(X, axis=0).max()
        self.class_count_ = np.bincount(y_idx, minlength=K).astype(float)
        self.theta_ = np.array([X[y_idx == k].mean(axis=0) for k in range(K)])
        self.var_ = np.array([X[y_idx == k].var(axis=0) for k in range(K)]) + self.epsilon_
        self.class_prior_ = priors if self.priors is not None else self.class_count_ / len(y)
        ### END SOLUTION
        return self

    def _joint_log_likelihood(self, X):
        """:math:`\\log p(c) + \\log p(x \\mid c)` for every sample and class: (n_samples, n_classes)."""
        check_is_fitted(self, "theta_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        log_norm = -0.5 * np.log(2.0 * np.pi * self.var_).sum(axis=1)  # (K,)
        sq = ((X[:, None, :] - self.theta_[None]) ** 2 / self.var_[None]).sum(axis=2)
        with np.errstate(divide="ignore"):
            log_prior = np.log(self.class_prior_)
        return log_prior + log_norm - 0.5 * sq
        ### END SOLUTION

    def predict_log_proba(self, X):
        """Log posteriors :math:`\\log p(c \\mid x)`, normalised with logsumexp."""
        ### BEGIN SOLUTION
        jll = self._joint_log_likelihood(X)
        return jll - logsumexp(jll, axis=1, keepdims=True)
        ### END SOLUTION

    def predict_proba(self, X):
        """Posteriors :math:`p(c \\mid x)`."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The class with the largest posterior."""
        check_is_fitted(self, "theta_")
        ### BEGIN SOLUTION
        jll = self._joint_log_likelihood(X)
        return self.classes_[jll.argmax(axis=1)]
        ### END SOLUTION
