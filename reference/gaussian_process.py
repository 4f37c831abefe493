"""Gaussian-process regression with an RBF + white-noise kernel.

Prior: :math:`f \\sim GP(0, k)` with

.. math::

    k(x, x') = \\sigma_f^2 \\exp\\left(-\\frac{|x - x'|^2}{2\\ell^2}\\right) + \\sigma_n^2\\,\\delta_{x x'}

(signal variance :math:`\\sigma_f^2`, length scale :math:`\\ell`, noise level
:math:`\\sigma_n^2`).  With :math:`K = k(X, X) + \\alpha I = L L^T` (Cholesky) and
:math:`\\boldsymbol\\alpha = K^{-1} y`, the posterior at test points :math:`X_*` is
(Rasmussen & Williams 2006, Algorithm 2.1):

.. math::

    \\mu_* = K_*^T \\boldsymbol\\alpha, \\qquad
    \\Sigma_* = k(X_*, X_*) - V^T V, \\quad V = L^{-1} K_*,

and the log marginal likelihood is

.. math::

    \\log p(y | X, \\theta) = -\\tfrac12 y^T\\boldsymbol\\alpha - \\sum_i \\log L_{ii}
    - \\tfrac n2 \\log 2\\pi.

Hyperparameters :math:`\\theta = \\log(\\sigma_f^2, \\ell, \\sigma_n^2)` (scikit-learn's order
for ``ConstantKernel() * RBF() + WhiteKernel()``) are fitted by maximising it with L-BFGS-B.
"""
import numbers

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_random_state, check_X_y


def squared_distances(X, Z):
    """Squared Euclidean distance between all rows of ``X`` and ``Z``."""
    d2 = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.maximum(d2, 0.0)


def rbf(X, Z, length_scale=1.0, signal_variance=1.0):
    """Squared-exponential kernel ``s2 * exp(-|x - z|^2 / (2 l^2))``, shape (len(X), len(Z))."""
    ### BEGIN SOLUTION
    return signal_variance * np.exp(-0.5 * squared_distances(X, Z) / length_scale**2)
    ### END SOLUTION


class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    """Gaussian-process regression with the kernel ``s2 * RBF(l) + WhiteKernel(noise)``.

    Parameters
    ----------
    length_scale : float, default=1.0
        Initial (or fixed, with ``optimizer=None``) length scale ``l``.
    signal_variance : float, default=1.0
        Initial signal variance ``s2``.
    noise_level : float, default=1.0
        Initial variance of the white noise.
    alpha : float, default=1e-10
        Jitter added to the diagonal of the training kernel matrix.
    optimizer : {"fmin_l_bfgs_b"} or None, default="fmin_l_bfgs_b"
        None keeps the hyperparameters fixed.
    n_restarts_optimizer : int, default=0
        Extra optimiser runs from log-uniform random starts within the bounds.
    normalize_y : bool, default=False
        Subtract the mean of ``y`` and divide by its standard deviation before fitting.
    length_scale_bounds, signal_variance_bounds, noise_level_bounds : tuple, default=(1e-5, 1e5)
        Bounds of the hyperparameter search.
    random_state : int, RandomState or None, default=None
        Random starts of the restarts.

    Attributes
    ----------
    theta_ : ndarray of shape (3,)
        Fitted ``log([signal_variance, length_scale, noise_level])``.
    signal_variance_, length_scale_, noise_level_ : float
    X_train_, y_train_ : training data (``y`` normalised if ``normalize_y``)
    L_ : ndarray, lower Cholesky factor of the training kernel matrix
    alpha_ : ndarray, ``K^{-1} y``
    log_marginal_likelihood_value_ : float
    """

    def __init__(self, length_scale=1.0, signal_variance=1.0, noise_level=1.0, *,
                 alpha=1e-10, optimizer="fmin_l_bfgs_b", n_restarts_optimizer=0,
                 normalize_y=False, length_scale_bounds=(1e-5, 1e5),
                 signal_variance_bounds=(1e-5, 1e5), noise_level_bounds=(1e-5, 1e5),
                 random_state=None):
        self.length_scale = length_scale
        self.signal_variance = signal_variance
        self.noise_level = noise_level
        self.alpha = alpha
        self.optimizer = optimizer
        self.n_restarts_optimizer = n_restarts_optimizer
        self.normalize_y = normalize_y
        self.length_scale_bounds = length_scale_bounds
        self.signal_variance_bounds = signal_variance_bounds
        self.noise_level_bounds = noise_level_bounds
        self.random_state = random_state

    # -- the likelihood -------------------------------------------------------------------
    def _lml(self, theta, X, y, eval_gradient):
        """Log marginal likelihood (and its gradient w.r.t. ``theta``) on ``(X, y)``."""
        s2, ell, noise = np.exp(theta)
        n = len(X)
        ### BEGIN SOLUTION
        K_rbf = rbf(X, X, ell, s2)
        K = K_rbf + (noise + self.alpha) * np.eye(n)
        try:
            L = cholesky(K, lower=True)
        except np.linalg.LinAlgError:
            return (-np.inf, np.zeros(3)) if eval_gradient else -np.inf
        a = cho_solve((L, True), y)
        lml = -0.5 * y @ a - np.log(np.diag(L)).sum() - 0.5 * n * np.log(2 * np.pi)
        if not eval_gradient:
            return lml
        # d lml / d theta_k = 1/2 tr((a a^T - K^-1) dK/dtheta_k)
        inner = np.outer(a, a) - cho_solve((L, True), np.eye(n))
        dK = [K_rbf,                                               # d/d log s2
              K_rbf * squared_distances(X, X) / ell**2,            # d/d log l
              noise * np.eye(n)]                                    # d/d log noise
        grad = np.array([0.5 * np.sum(inner * d) for d in dK])
        return lml, grad
        ### END SOLUTION

    def log_marginal_likelihood(self, theta=None, eval_gradient=False):
        """Log marginal likelihood of the training data.

        Parameters
        ----------
        theta : array-like of shape (3,), default=None
            ``log([signal_variance, length_scale, noise_level])``; None means the fitted
            ``theta_`` (and returns the stored value).
        eval_gradient : bool, default=False
            Also return the gradient with respect to ``theta``.

        Returns
        -------
        lml : float
        grad : ndarray of shape (3,), only if ``eval_gradient``
        """
        check_is_fitted(self, "theta_")
        if theta is None:
            if eval_gradient:
                return self._lml(self.theta_, self.X_train_, self.y_train_, True)
            return self.log_marginal_likelihood_value_
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (3,):
            raise ValueError(f"theta must have shape (3,), got {theta.shape}")
        return self._lml(theta, self.X_train_, self.y_train_, eval_gradient)

    # -- fitting --------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the hyperparameters (unless ``optimizer=None``) and condition on the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        if self.optimizer not in ("fmin_l_bfgs_b", None):
            raise ValueError(f"optimizer must be 'fmin_l_bfgs_b' or None, got {self.optimizer!r}")
        for name in ("length_scale", "signal_variance", "noise_level"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Real) and value > 0):
                raise ValueError(f"{name} must be a positive float, got {value!r}")
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        y = y.astype(float)
        self.n_features_in_ = X.shape[1]
        if self.normalize_y:
            self._y_mean, self._y_std = y.mean(), y.std()
            if self._y_std == 0:
                self._y_std = 1.0
        else:
            self._y_mean, self._y_std = 0.0, 1.0
        self.X_train_ = X
        self.y_train_ = (y - self._y_mean) / self._y_std

        theta0 = np.log([self.signal_variance, self.length_scale, self.noise_level])
        bounds = np.log([self.signal_variance_bounds, self.length_scale_bounds,
                         self.noise_level_bounds])
        theta = theta0
        if self.optimizer is not None:
            rng = check_random_state(self.random_state)
            starts = [theta0] + [rng.uniform(bounds[:, 0], bounds[:, 1])
                                 for _ in range(self.n_restarts_optimizer)]
            ### BEGIN SOLUTION
            def negative_lml(t):
                lml, grad = self._lml(t, self.X_train_, self.y_train_, eval_gradient=True)
                return -lml, -grad

            best = None
            for start in starts:
                result = minimize(negative_lml, start, jac=True, method="L-BFGS-B",
                                  bounds=bounds)
                if best is None or result.fun < best.fun:
                    best = result
            theta = best.x
            ### END SOLUTION
        self.theta_ = theta
        self.signal_variance_, self.length_scale_, self.noise_level_ = np.exp(theta)
        self._condition()
        return self

    def _condition(self):
        """Cholesky factor ``L_`` and weights ``alpha_ = K^{-1} y`` for the fitted kernel."""
        X, n = self.X_train_, len(self.X_train_)
        ### BEGIN SOLUTION
        K = rbf(X, X, self.length_scale_, self.signal_variance_)
        K += (self.noise_level_ + self.alpha) * np.eye(n)
        self.L_ = cholesky(K, lower=True)
        self.alpha_ = cho_solve((self.L_, True), self.y_train_)
        self.log_marginal_likelihood_value_ = float(
            -0.5 * self.y_train_ @ self.alpha_ - np.log(np.diag(self.L_)).sum()
            - 0.5 * n * np.log(2 * np.pi))
        ### END SOLUTION

    # -- prediction -----------------------------------------------------------------------
    def predict(self, X, return_std=False, return_cov=False):
        """Posterior mean (and standard deviation or covariance) at ``X``.

        The variance includes the white-noise level (it is part of the kernel), as in
        scikit-learn, so ``std`` describes new noisy observations.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
        return_cov : bool, default=False

        Returns
        -------
        y_mean : ndarray of shape (n_samples,)
        y_std : ndarray of shape (n_samples,), if ``return_std``
        y_cov : ndarray of shape (n_samples, n_samples), if ``return_cov``
        """
        if return_std and return_cov:
            raise ValueError("At most one of return_std and return_cov can be requested.")
        check_is_fitted(self, "alpha_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        ### BEGIN SOLUTION
        K_star = rbf(self.X_train_, X, self.length_scale_, self.signal_variance_)
        mean = K_star.T @ self.alpha_
        if return_std or return_cov:
            V = solve_triangular(self.L_, K_star, lower=True)
        if return_cov:
            cov = rbf(X, X, self.length_scale_, self.signal_variance_) - V.T @ V
            cov += self.noise_level_ * np.eye(len(X))
        if return_std:
            var = self.signal_variance_ + self.noise_level_ - np.sum(V**2, axis=0)
            std = np.sqrt(np.maximum(var, 0.0))
        ### END SOLUTION
        mean = self._y_mean + self._y_std * mean
        if return_cov:
            return mean, cov * self._y_std**2
        if return_std:
            return mean, std * self._y_std
        return mean

    def sample_y(self, X, n_samples=1, random_state=0):
        """Draw functions from the posterior at ``X``, shape (len(X), n_samples)."""
        mean, cov = self.predict(X, return_cov=True)
        rng = check_random_state(random_state)
        return rng.multivariate_normal(mean, cov, n_samples).T
