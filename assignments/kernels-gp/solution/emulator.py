"""Emulating an expensive simulation (assignment "kernels-gp", part 2).

A cosmological simulation with feedback takes millions of CPU hours per run, so we run
it at a few parameter values and *emulate* it everywhere else: a regression from the
feedback parameters to the simulated output.  Three emulators, from the simplest:

* **Nadaraya-Watson** (a kernel-weighted moving average) and **locally linear
  regression** (a kernel-weighted straight-line fit at every query point), both with a
  Gaussian kernel of bandwidth ``h``;
* a **Gaussian process**, whose hyper-parameters come from the log marginal likelihood
  and which also says how uncertain it is, so it can tell us where to run the next
  simulation.

Functions and classes
---------------------
kernel_weights(X_query, X_train, bandwidth)
    Gaussian kernel weights, scaled so the largest of each row is 1.
NadarayaWatson, LocallyLinearRegression
    Kernel smoothers, scikit-learn style (``fit``, ``predict``).
bandwidth_curve(X_train, y_train, X_val, y_val, bandwidths, method)
    Training and validation MSE of a smoother for each bandwidth.
choose_bandwidth(X, y, bandwidths, method, n_splits, random_state)
    The bandwidth with the smallest k-fold cross-validated MSE.
rbf(X, Z, length_scale, signal_variance)
    The squared-exponential kernel.
GaussianProcessRegressor
    GP regression with the kernel ``s2 * RBF(l) + noise``; hyper-parameters by maximum
    log marginal likelihood.
fit_emulator(X, y, n_restarts_optimizer, random_state)
    A GP emulator of simulation outputs (normalised targets, fitted hyper-parameters).
coverage(model, X, y)
    Fraction of new runs within one predictive standard deviation of the mean.
next_simulation(model, candidates)
    Which candidate to simulate next: where the emulator is least certain.
"""
import numbers

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, RegressorMixin


def _as_2d(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-d array of shape (n_samples, n_features), got shape {X.shape}")
    return X


def _check_Xy(X, y):
    X, y = _as_2d(X), np.asarray(y, dtype=float)
    if y.shape != (len(X),):
        raise ValueError(f"expected y of shape ({len(X)},), got {y.shape}")
    return X, y


def _mse(y_true, y_pred):
    return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))


def squared_distances(X, Z):
    """Squared Euclidean distance between all rows of ``X`` and ``Z``, shape (len(X), len(Z))."""
    X, Z = _as_2d(X), _as_2d(Z)
    d2 = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.maximum(d2, 0.0)


# ----------------------------------------------------------------------------------------
# Kernel smoothers
# ----------------------------------------------------------------------------------------
def kernel_weights(X_query, X_train, bandwidth):
    """Gaussian kernel weights of the training points for each query, shape (n_query, n_train).

    The Gaussian kernel gives training point ``i`` the weight
    ``exp(-d_i^2 / (2 h^2))`` for a query at distance ``d_i``.  For a tiny bandwidth all
    of these underflow to 0, so return them divided by the largest weight of the row:

        ``w_i = exp(-(d_i^2 - min_k d_k^2) / (2 h^2))``

    (the factor cancels in both smoothers below; the nearest point always has weight 1).
    """
    ### BEGIN SOLUTION
    d2 = squared_distances(X_query, X_train)
    return np.exp(-(d2 - d2.min(axis=1, keepdims=True)) / (2 * bandwidth**2))
    ### END SOLUTION


class _KernelSmoother(RegressorMixin, BaseEstimator):
    def __init__(self, bandwidth=1.0):
        self.bandwidth = bandwidth

    def fit(self, X, y):
        """Store the training data (kernel smoothers are memory-based)."""
        if not (isinstance(self.bandwidth, numbers.Real) and self.bandwidth > 0):
            raise ValueError(f"bandwidth must be positive, got {self.bandwidth!r}")
        self.X_fit_, self.y_fit_ = _check_Xy(X, y)
        self.n_features_in_ = self.X_fit_.shape[1]
        return self

    def _check_X(self, X):
        X = _as_2d(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, expected {self.n_features_in_}")
        return X


class NadarayaWatson(_KernelSmoother):
    """Nadaraya-Watson kernel regression: a kernel-weighted moving average.

    Parameters
    ----------
    bandwidth : float, default=1.0
        Kernel width ``h``: small = wiggly (variance), large = smooth (bias).
    """

    def predict(self, X):
        """``f(x0) = sum_i w_i y_i / sum_i w_i`` with ``w = kernel_weights(x0, X_fit_, h)``."""
        X = self._check_X(X)
        ### BEGIN SOLUTION
        W = kernel_weights(X, self.X_fit_, self.bandwidth)
        return W @ self.y_fit_ / W.sum(axis=1)
        ### END SOLUTION


class LocallyLinearRegression(_KernelSmoother):
    """Locally linear (kernel-weighted least-squares) regression.

    At every query ``x0`` solve the weighted least-squares problem

        ``min_{b0, b} sum_i w_i (y_i - b0 - b . (x_i - x0))^2``

    and predict ``f(x0) = b0`` (the local line evaluated at the query).  Fitting a line
    rather than a constant removes the bias of Nadaraya-Watson at the edges of the data
    and on slopes.  With ``Z_i = [1, x_i - x0]``, the normal equations are
    ``(Z^T W Z) beta = Z^T W y``.

    Parameters
    ----------
    bandwidth : float, default=1.0
    ridge : float, default=1e-10
        Tiny ridge on the slope terms (times the trace of ``Z^T W Z``) so that a query
        with (almost) a single neighbour falls back to a local constant.
    """

    def __init__(self, bandwidth=1.0, *, ridge=1e-10):
        super().__init__(bandwidth)
        self.ridge = ridge

    def predict(self, X):
        """The intercept ``b0`` of the weighted least-squares line at each query."""
        X = self._check_X(X)
        W = kernel_weights(X, self.X_fit_, self.bandwidth)
        ### BEGIN SOLUTION
        D = self.X_fit_[None, :, :] - X[:, None, :]                # x_i - x0, (q, n, d)
        Z = np.concatenate([np.ones(D.shape[:2] + (1,)), D], axis=2)
        A = np.einsum("qn,qni,qnj->qij", W, Z, Z)
        b = np.einsum("qn,qni,n->qi", W, Z, self.y_fit_)
        reg = np.eye(Z.shape[2]) * self.ridge
        reg[0, 0] = 0.0
        A = A + reg[None] * np.trace(A, axis1=1, axis2=2)[:, None, None]
        return np.linalg.solve(A, b[:, :, None])[:, 0, 0]
        ### END SOLUTION


def _smoother(method, bandwidth):
    if method == "nw":
        return NadarayaWatson(bandwidth=float(bandwidth))
    if method == "ll":
        return LocallyLinearRegression(bandwidth=float(bandwidth))
    raise ValueError(f"method must be 'nw' or 'll', got {method!r}")


def bandwidth_curve(X_train, y_train, X_val, y_val, bandwidths, method="nw"):
    """Training and validation mean squared error for each bandwidth.

    For each ``h`` in ``bandwidths`` fit the smoother (``method="nw"``: Nadaraya-Watson,
    ``"ll"``: locally linear) on the training set only and score it on both sets.  A tiny
    bandwidth reproduces every training point (training error near 0) but is noisy on
    new points: overfitting.

    Returns
    -------
    train_mse, val_mse : ndarrays of shape (len(bandwidths),)
    """
    X_train, y_train = _check_Xy(X_train, y_train)
    X_val, y_val = _check_Xy(X_val, y_val)
    train_mse, val_mse = [], []
    for h in bandwidths:
        ### BEGIN SOLUTION
        model = _smoother(method, h).fit(X_train, y_train)
        train_mse.append(_mse(y_train, model.predict(X_train)))
        val_mse.append(_mse(y_val, model.predict(X_val)))
        ### END SOLUTION
    return np.array(train_mse), np.array(val_mse)


def choose_bandwidth(X, y, bandwidths, method="nw", n_splits=5, random_state=0):
    """The bandwidth with the smallest k-fold cross-validated MSE.

    Shuffle the rows with ``np.random.default_rng(random_state).permutation``, cut them
    into ``n_splits`` folds with ``np.array_split``, and for each bandwidth average the
    validation MSE over the folds (each fold scored by a smoother fitted on the others).

    Returns
    -------
    bandwidth : float
    """
    X, y = _check_Xy(X, y)
    folds = np.array_split(np.random.default_rng(random_state).permutation(len(y)), n_splits)
    ### BEGIN SOLUTION
    cv_mse = np.zeros(len(bandwidths))
    for k, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        _, val_mse = bandwidth_curve(X[train], y[train], X[val], y[val], bandwidths, method)
        cv_mse += val_mse / n_splits
    best = bandwidths[int(np.argmin(cv_mse))]
    ### END SOLUTION
    return float(best)


# ----------------------------------------------------------------------------------------
# Gaussian-process regression
# ----------------------------------------------------------------------------------------
def rbf(X, Z, length_scale=1.0, signal_variance=1.0):
    """Squared-exponential kernel ``s2 * exp(-|x - z|^2 / (2 l^2))``, shape (len(X), len(Z))."""
    ### BEGIN SOLUTION
    return signal_variance * np.exp(-0.5 * squared_distances(X, Z) / length_scale**2)
    ### END SOLUTION


class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    """Gaussian-process regression with the kernel ``s2 * RBF(l) + noise * delta``.

    Prior ``f ~ GP(0, k)`` with ``k(x, x') = s2 exp(-|x - x'|^2 / (2 l^2))`` plus white
    noise of variance ``noise`` on every observation.  With
    ``K = k(X, X) + (noise + alpha) I = L L^T`` (Cholesky) and ``a = K^-1 y``
    (Rasmussen & Williams 2006, Algorithm 2.1):

    - posterior mean at ``X*``: ``mu = K*^T a`` with ``K* = s2 RBF(X, X*)``;
    - predictive variance of a new *run* (noise included, as in scikit-learn):
      ``var = s2 + noise - sum(V^2, axis=0)`` with ``V = L^-1 K*``;
    - log marginal likelihood:
      ``log p(y | X, theta) = -1/2 y^T a - sum_i log L_ii - n/2 log(2 pi)``.

    The hyper-parameters ``theta = log([s2, l, noise])`` (scikit-learn's order for
    ``ConstantKernel() * RBF() + WhiteKernel()``) maximise the log marginal likelihood
    (L-BFGS-B within the bounds, from the initial values and ``n_restarts_optimizer``
    random starts).

    Parameters
    ----------
    length_scale, signal_variance, noise_level : float, default=1.0
        Initial (or fixed, with ``optimizer=None``) hyper-parameters.
    alpha : float, default=1e-10
        Jitter added to the diagonal of the training kernel matrix.
    optimizer : {"fmin_l_bfgs_b"} or None, default="fmin_l_bfgs_b"
        None keeps the hyper-parameters fixed.
    n_restarts_optimizer : int, default=0
        Extra optimiser runs from log-uniform random starts within the bounds.
    normalize_y : bool, default=False
        Subtract the mean of ``y`` and divide by its standard deviation before fitting
        (predictions are transformed back).
    length_scale_bounds, signal_variance_bounds, noise_level_bounds : tuple, default=(1e-5, 1e5)
    random_state : int or None, default=None
        Seed of ``np.random.default_rng`` for the random starts.

    Attributes
    ----------
    theta_ : ndarray of shape (3,), fitted ``log([s2, l, noise])``
    signal_variance_, length_scale_, noise_level_ : float
    X_train_, y_train_ : training data (``y`` normalised if ``normalize_y``)
    L_ : lower Cholesky factor of the training kernel matrix
    alpha_ : ``K^-1 y``
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

    def _kernel_matrix(self, X, signal_variance, length_scale, noise_level):
        """``K = s2 RBF(X, X) + (noise + alpha) I``."""
        return rbf(X, X, length_scale, signal_variance) + (noise_level + self.alpha) * np.eye(len(X))

    def _lml(self, theta, X, y):
        """Log marginal likelihood of ``(X, y)`` at ``theta = log([s2, l, noise])``;
        ``-inf`` when ``K`` is not positive definite."""
        s2, ell, noise = np.exp(theta)
        K = self._kernel_matrix(X, s2, ell, noise)
        ### BEGIN SOLUTION
        try:
            L = cholesky(K, lower=True)
        except np.linalg.LinAlgError:
            return -np.inf
        a = cho_solve((L, True), y)
        return float(-0.5 * y @ a - np.log(np.diag(L)).sum() - 0.5 * len(y) * np.log(2 * np.pi))
        ### END SOLUTION

    def log_marginal_likelihood(self, theta=None):
        """Log marginal likelihood of the training data at ``theta`` (default: the
        fitted ``theta_``)."""
        if theta is None:
            return self.log_marginal_likelihood_value_
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (3,):
            raise ValueError(f"theta must have shape (3,), got {theta.shape}")
        return self._lml(theta, self.X_train_, self.y_train_)

    def fit(self, X, y):
        """Fit the hyper-parameters (unless ``optimizer=None``) and condition on the data.

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
        X, y = _check_Xy(X, y)
        self.n_features_in_ = X.shape[1]
        if self.normalize_y:
            self._y_mean, self._y_std = y.mean(), y.std()
            if self._y_std == 0:
                self._y_std = 1.0
        else:
            self._y_mean, self._y_std = 0.0, 1.0
        self.X_train_ = X
        self.y_train_ = (y - self._y_mean) / self._y_std

        theta = np.log([self.signal_variance, self.length_scale, self.noise_level])
        bounds = np.log([self.signal_variance_bounds, self.length_scale_bounds, self.noise_level_bounds])
        if self.optimizer is not None:
            rng = np.random.default_rng(self.random_state)
            starts = [theta] + [rng.uniform(bounds[:, 0], bounds[:, 1])
                                for _ in range(self.n_restarts_optimizer)]
            # theta: the best of scipy.optimize.minimize(..., method="L-BFGS-B",
            # bounds=bounds) from each start, maximising self._lml
            ### BEGIN SOLUTION
            def negative_lml(t):
                value = self._lml(t, self.X_train_, self.y_train_)
                return -value if np.isfinite(value) else 1e25

            best = None
            for start in starts:
                result = minimize(negative_lml, start, method="L-BFGS-B", bounds=bounds)
                if best is None or result.fun < best.fun:
                    best = result
            theta = best.x
            ### END SOLUTION
        self.theta_ = np.asarray(theta, dtype=float)
        self.signal_variance_, self.length_scale_, self.noise_level_ = np.exp(self.theta_)
        # condition on the data: self.L_ (Cholesky factor of K) and self.alpha_ = K^-1 y
        ### BEGIN SOLUTION
        K = self._kernel_matrix(X, self.signal_variance_, self.length_scale_, self.noise_level_)
        self.L_ = cholesky(K, lower=True)
        self.alpha_ = cho_solve((self.L_, True), self.y_train_)
        ### END SOLUTION
        self.log_marginal_likelihood_value_ = self._lml(self.theta_, self.X_train_, self.y_train_)
        return self

    def predict(self, X, return_std=False):
        """Posterior mean (and predictive standard deviation, noise included) at ``X``.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,)
        y_std : ndarray of shape (n_samples,), only if ``return_std``
        """
        X = _as_2d(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, expected {self.n_features_in_}")
        ### BEGIN SOLUTION
        K_star = rbf(self.X_train_, X, self.length_scale_, self.signal_variance_)
        mean = K_star.T @ self.alpha_
        if return_std:
            V = solve_triangular(self.L_, K_star, lower=True)
            var = self.signal_variance_ + self.noise_level_ - np.sum(V**2, axis=0)
            std = np.sqrt(np.maximum(var, 0.0))
        ### END SOLUTION
        mean = self._y_mean + self._y_std * mean
        if return_std:
            return mean, std * self._y_std
        return mean


# ----------------------------------------------------------------------------------------
# The emulator workflow
# ----------------------------------------------------------------------------------------
def fit_emulator(X, y, n_restarts_optimizer=3, random_state=0):
    """A GP emulator of simulation outputs ``y`` at parameters ``X``.

    ``GaussianProcessRegressor(length_scale=0.5, signal_variance=1.0, noise_level=0.1,
    normalize_y=True, noise_level_bounds=(1e-8, 1.0), n_restarts_optimizer=...,
    random_state=...)`` fitted to the runs: the hyper-parameters maximise the log
    marginal likelihood.

    Returns
    -------
    model : fitted GaussianProcessRegressor
    """
    X, y = _check_Xy(X, y)
    ### BEGIN SOLUTION
    model = GaussianProcessRegressor(length_scale=0.5, signal_variance=1.0, noise_level=0.1,
                                     normalize_y=True, noise_level_bounds=(1e-8, 1.0),
                                     n_restarts_optimizer=n_restarts_optimizer,
                                     random_state=random_state)
    model.fit(X, y)
    ### END SOLUTION
    return model


def coverage(model, X, y):
    """Fraction of the runs ``(X, y)`` whose output lies within one predictive standard
    deviation of the predicted mean, ``|y - mu| <= std``.  About 0.68 for an emulator
    whose uncertainties are calibrated (Gaussian errors).
    """
    X, y = _check_Xy(X, y)
    ### BEGIN SOLUTION
    mean, std = model.predict(X, return_std=True)
    return float(np.mean(np.abs(y - mean) <= std))
    ### END SOLUTION


def next_simulation(model, candidates):
    """Index of the candidate parameter set to simulate next: the one where the
    emulator's predictive standard deviation is largest (its least certain point).

    Returns
    -------
    index : int
    """
    candidates = _as_2d(candidates)
    ### BEGIN SOLUTION
    _, std = model.predict(candidates, return_std=True)
    return int(np.argmax(std))
    ### END SOLUTION
