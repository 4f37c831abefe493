"""Gaussian mixture models fitted by expectation-maximisation (EM).

The model: :math:`p(x) = \\sum_k \\pi_k \\, \\mathcal N(x \\mid \\mu_k, \\Sigma_k)`.

EM alternates (Dempster, Laird & Rubin 1977; Bishop 2006, section 9.2):

* **E-step**: responsibilities
  :math:`r_{ik} = \\pi_k \\mathcal N(x_i|\\mu_k,\\Sigma_k) / \\sum_j \\pi_j \\mathcal N(x_i|\\mu_j,\\Sigma_j)`;
* **M-step**: with :math:`N_k = \\sum_i r_{ik}`:
  :math:`\\pi_k = N_k / n`, :math:`\\mu_k = \\sum_i r_{ik} x_i / N_k`,
  :math:`\\Sigma_k = \\sum_i r_{ik} (x_i-\\mu_k)(x_i-\\mu_k)^T / N_k + \\epsilon I`.

Each step cannot decrease the mean log-likelihood; we stop when it changes by less than
``tol``.  Everything is computed in log space (log-sum-exp) and through Cholesky factors.
"""
import numbers

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_random_state


def log_gaussian_full(X, means, covariances):
    """``log N(x_i | mu_k, Sigma_k)`` for every sample and component, full covariances.

    Uses ``Sigma = L L^T``: the Mahalanobis term is ``|L^{-1}(x - mu)|^2`` and
    ``log det Sigma = 2 sum log diag L``.

    Returns
    -------
    log_prob : ndarray of shape (n_samples, n_components)
    """
    n, d = X.shape
    out = np.empty((n, len(means)))
    ### BEGIN SOLUTION
    for k, (mu, cov) in enumerate(zip(means, covariances)):
        L = np.linalg.cholesky(cov)
        z = solve_triangular(L, (X - mu).T, lower=True)
        log_det = 2 * np.log(np.diag(L)).sum()
        out[:, k] = -0.5 * (d * np.log(2 * np.pi) + log_det + np.sum(z**2, axis=0))
    ### END SOLUTION
    return out


def log_gaussian_diag(X, means, variances):
    """``log N(x_i | mu_k, diag(var_k))`` for every sample and component."""
    d = X.shape[1]
    ### BEGIN SOLUTION
    maha = np.sum((X[:, None, :] - means[None]) ** 2 / variances[None], axis=2)
    log_det = np.log(variances).sum(axis=1)
    return -0.5 * (d * np.log(2 * np.pi) + log_det[None, :] + maha)
    ### END SOLUTION


class GaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture model (EM).

    Parameters
    ----------
    n_components : int, default=1
    covariance_type : {"full", "diag"}, default="full"
    tol : float, default=1e-3
        Convergence threshold on the change of the mean log-likelihood.
    reg_covar : float, default=1e-6
        Added to the covariance diagonals to keep them positive definite.
    max_iter : int, default=100
    n_init : int, default=1
        Number of EM runs; the one with the highest likelihood is kept.
    init_params : {"kmeans", "random"}, default="kmeans"
        Initial responsibilities: hard labels from a few k-means (Lloyd) steps started at
        random data points, or random soft ones.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_ : ndarray, (n_components, n_features, n_features) for "full",
        (n_components, n_features) for "diag"
    converged_ : bool
    n_iter_ : int
    lower_bound_ : float
        Mean log-likelihood of the training data at the end of the best run.
    """

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
                 max_iter=100, n_init=1, init_params="kmeans", random_state=None):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.random_state = random_state

    # -- the two EM steps -----------------------------------------------------------------
    def _weighted_log_prob(self, X):
        """``log pi_k + log N(x_i | mu_k, Sigma_k)``, shape (n_samples, n_components)."""
        if self.covariance_type == "full":
            log_prob = log_gaussian_full(X, self.means_, self.covariances_)
        else:
            log_prob = log_gaussian_diag(X, self.means_, self.covariances_)
        return log_prob + np.log(self.weights_)

    def _e_step(self, X):
        """Mean log-likelihood and log responsibilities."""
        ### BEGIN SOLUTION
        weighted = self._weighted_log_prob(X)
        log_norm = logsumexp(weighted, axis=1)
        return float(log_norm.mean()), weighted - log_norm[:, None]
        ### END SOLUTION

    def _m_step(self, X, resp):
        """Weights, means and covariances from responsibilities ``resp``."""
        n, d = X.shape
        ### BEGIN SOLUTION
        Nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps
        self.weights_ = Nk / n
        self.means_ = resp.T @ X / Nk[:, None]
        if self.covariance_type == "full":
            cov = np.empty((len(Nk), d, d))
            for k in range(len(Nk)):
                diff = X - self.means_[k]
                cov[k] = (resp[:, k] * diff.T) @ diff / Nk[k]
                cov[k].flat[:: d + 1] += self.reg_covar
            self.covariances_ = cov
        else:
            sq = resp.T @ (X**2) / Nk[:, None]
            self.covariances_ = sq - self.means_**2 + self.reg_covar
        ### END SOLUTION

    def _initial_resp(self, X, rng):
        n, k = len(X), self.n_components
        if self.init_params == "random":
            resp = rng.uniform(size=(n, k))
            return resp / resp.sum(axis=1, keepdims=True)
        centers = X[rng.permutation(n)[:k]]                  # a few Lloyd steps
        for _ in range(10):
            d2 = ((X[:, None, :] - centers[None]) ** 2).sum(-1)
            labels = np.argmin(d2, axis=1)
            centers = np.array([X[labels == j].mean(0) if np.any(labels == j) else centers[j]
                                for j in range(k)])
        return np.eye(k)[labels]

    def fit(self, X, y=None):
        """Run EM ``n_init`` times and keep the best run.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self.fit_predict(X)
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the most probable component of each training sample."""
        X = check_array(X, dtype=np.float64, ensure_min_samples=2)
        if not isinstance(self.n_components, numbers.Integral) or self.n_components < 1:
            raise ValueError(f"n_components must be a positive int, got {self.n_components!r}")
        if len(X) < self.n_components:
            raise ValueError(f"Expected n_samples >= n_components but got "
                             f"n_components = {self.n_components}, n_samples = {len(X)}")
        if self.covariance_type not in ("full", "diag"):
            raise ValueError(f"covariance_type must be 'full' or 'diag', got {self.covariance_type!r}")
        if self.init_params not in ("kmeans", "random"):
            raise ValueError(f"init_params must be 'kmeans' or 'random', got {self.init_params!r}")
        if not isinstance(self.n_init, numbers.Integral) or self.n_init < 1:
            raise ValueError(f"n_init must be a positive int, got {self.n_init!r}")
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]
        best_score, best_params = -np.inf, None
        for _ in range(self.n_init):
            self._m_step(X, self._initial_resp(X, rng))
            lower_bound, converged, n_iter = -np.inf, False, 0
            ### BEGIN SOLUTION
            for n_iter in range(1, self.max_iter + 1):
                previous = lower_bound
                lower_bound, log_resp = self._e_step(X)
                self._m_step(X, np.exp(log_resp))
                if abs(lower_bound - previous) < self.tol:
                    converged = True
                    break
            ### END SOLUTION
            if lower_bound > best_score or best_params is None:
                best_score = lower_bound
                best_params = (self.weights_, self.means_, self.covariances_, converged, n_iter)
        (self.weights_, self.means_, self.covariances_,
         self.converged_, self.n_iter_) = best_params
        self.lower_bound_ = best_score
        return np.argmax(self._e_step(X)[1], axis=1)

    # -- using the fitted model -----------------------------------------------------------
    def _check_X(self, X):
        check_is_fitted(self, "means_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def score_samples(self, X):
        """Log density ``log p(x_i)`` of each sample."""
        return logsumexp(self._weighted_log_prob(self._check_X(X)), axis=1)

    def score(self, X, y=None):
        """Mean log-likelihood per sample."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X):
        """Responsibilities, shape (n_samples, n_components)."""
        return np.exp(self._e_step(self._check_X(X))[1])

    def predict(self, X):
        """Most probable component of each sample."""
        return np.argmax(self.predict_proba(X), axis=1)

    def _n_parameters(self):
        k, d = self.means_.shape
        cov = k * d * (d + 1) / 2 if self.covariance_type == "full" else k * d
        return int(cov + k * d + k - 1)

    def bic(self, X):
        """Bayesian information criterion ``-2 log L + p log n`` (lower is better)."""
        X = self._check_X(X)
        return -2 * self.score(X) * len(X) + self._n_parameters() * np.log(len(X))

    def aic(self, X):
        """Akaike information criterion ``-2 log L + 2 p`` (lower is better)."""
        X = self._check_X(X)
        return -2 * self.score(X) * len(X) + 2 * self._n_parameters()

    def sample(self, n_samples=1, random_state=None):
        """Draw samples from the fitted mixture; returns ``(X, component labels)``."""
        check_is_fitted(self, "means_")
        rng = check_random_state(random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        X, labels = [], []
        for k, c in enumerate(counts):
            cov = (self.covariances_[k] if self.covariance_type == "full"
                   else np.diag(self.covariances_[k]))
            X.append(rng.multivariate_normal(self.means_[k], cov, c))
            labels.append(np.full(c, k))
        return np.vstack(X), np.concatenate(labels)
