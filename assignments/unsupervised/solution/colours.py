"""Clustering galaxy colours: the red sequence and the blue cloud (assignment
"unsupervised", part 3).

k-means with k-means++ seeding, a Gaussian mixture fitted by EM, the silhouette score,
and two ways of choosing the number of groups: the Bayesian information criterion of the
mixture and the silhouette of k-means.

**k-means** minimises the inertia, the summed squared distance of every point to its
nearest centre.  Lloyd's algorithm alternates assignment (each point joins its nearest
centre) and update (each centre moves to the mean of its points).  **k-means++**
(Arthur & Vassilvitskii 2007) seeds the centres far apart: the first uniformly at
random, each next one drawn with probability proportional to ``D(x)^2``, the squared
distance to the nearest centre chosen so far.

**Gaussian mixture**, ``p(x) = sum_k pi_k N(x | mu_k, Sigma_k)``, by EM:

* E-step: responsibilities ``r_ik = pi_k N(x_i|mu_k,Sigma_k) / sum_j pi_j N(x_i|mu_j,Sigma_j)``
  (in log space, with log-sum-exp);
* M-step: ``N_k = sum_i r_ik``, ``pi_k = N_k / n``, ``mu_k = sum_i r_ik x_i / N_k``,
  ``Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg_covar * I``.

``BIC = -2 log L + p log n`` with ``p = k d (d + 1) / 2 + k d + k - 1`` free parameters
(covariances, means, weights); lower is better.

**Silhouette** of sample ``i``: ``s_i = (b_i - a_i) / max(a_i, b_i)``, with ``a_i`` the mean
distance to the other members of its cluster and ``b_i`` the smallest mean distance to
the members of another cluster (``s_i = 0`` for a sample alone in its cluster); the
silhouette score is the mean of ``s_i``.

This file must not import ``sklearn.cluster`` or ``sklearn.mixture``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp


def squared_distances(X, C):
    """Squared Euclidean distance of every row of ``X`` to every row of ``C``."""
    X, C = np.asarray(X, dtype=float), np.asarray(C, dtype=float)
    d2 = (X**2).sum(1)[:, None] + (C**2).sum(1)[None, :] - 2 * X @ C.T
    return np.maximum(d2, 0.0)


# ----------------------------------------------------------------------------------------
# k-means
# ----------------------------------------------------------------------------------------
def kmeans_plusplus(X, n_clusters, random_state=0):
    """k-means++ seeding (one candidate per centre).

    Draw the first centre uniformly from the rows of ``X``; draw each next one with
    probability ``D(x)^2 / sum D^2`` (``D`` = distance to the nearest centre so far), all
    with ``rng = np.random.default_rng(random_state)``.

    Returns
    -------
    indices : ndarray of shape (n_clusters,)
        Rows of ``X`` chosen as centres, in the order they were chosen.
    """
    X = np.asarray(X, dtype=float)
    rng = np.random.default_rng(random_state)
    n = len(X)
    indices = np.empty(n_clusters, dtype=int)
    ### BEGIN SOLUTION
    indices[0] = rng.integers(n)
    closest = squared_distances(X, X[indices[:1]])[:, 0]
    for c in range(1, n_clusters):
        indices[c] = rng.choice(n, p=closest / closest.sum())
        closest = np.minimum(closest, squared_distances(X, X[indices[c:c + 1]])[:, 0])
    ### END SOLUTION
    return indices


def lloyd(X, centers, max_iter=300, tol=0.0):
    """Lloyd iterations from ``centers`` until the summed squared shift of the centres is at
    most ``tol`` (or ``max_iter`` iterations).  An empty cluster keeps its centre.

    Returns
    -------
    centers : ndarray of shape (k, d)
    labels : ndarray of shape (n,)
        Index of the nearest final centre (ties: the lowest index).
    inertia : float
        Summed squared distance of the points to their final centre.
    """
    X = np.asarray(X, dtype=float)
    centers = np.array(centers, dtype=float)
    ### BEGIN SOLUTION
    for _ in range(max_iter):
        labels = np.argmin(squared_distances(X, centers), axis=1)
        new = np.array([X[labels == j].mean(axis=0) if np.any(labels == j) else centers[j]
                        for j in range(len(centers))])
        shift = np.sum((new - centers) ** 2)
        centers = new
        if shift <= tol:
            break
    d2 = squared_distances(X, centers)
    labels = np.argmin(d2, axis=1)
    inertia = float(d2[np.arange(len(X)), labels].sum())
    ### END SOLUTION
    return centers, labels, inertia


class KMeans:
    """k-means: ``n_init`` runs of Lloyd from k-means++ seeds, keeping the lowest inertia.

    Run ``r`` (0, 1, ...) seeds with ``kmeans_plusplus(X, n_clusters, random_state + r)``.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
    """

    def __init__(self, n_clusters=2, *, n_init=5, max_iter=300, random_state=0):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        """Cluster ``X``; returns self."""
        X = np.asarray(X, dtype=float)
        best = None
        for r in range(self.n_init):
            seeds = kmeans_plusplus(X, self.n_clusters, self.random_state + r)
            run = lloyd(X, X[seeds], self.max_iter)
            if best is None or run[2] < best[2]:
                best = run
        self.cluster_centers_, self.labels_, self.inertia_ = best
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``."""
        return self.fit(X).labels_

    def predict(self, X):
        """Index of the nearest centre of each row of ``X``."""
        return np.argmin(squared_distances(X, self.cluster_centers_), axis=1)


def silhouette(X, labels):
    """Mean silhouette coefficient of a clustering (Euclidean distances; formula in the
    module docstring).  Needs at least 2 and at most n - 1 distinct labels."""
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    groups = np.unique(labels)
    if not 2 <= len(groups) <= len(X) - 1:
        raise ValueError(f"silhouette needs 2 to n_samples - 1 clusters, got {len(groups)}")
    ### BEGIN SOLUTION
    D = np.sqrt(squared_distances(X, X))
    member = labels[:, None] == groups[None, :]                   # (n, n_groups)
    counts = member.sum(axis=0)
    sums = D @ member                                              # distance to each group
    own = member.argmax(axis=1)
    n_own = counts[own] - 1
    a = np.where(n_own > 0, sums[np.arange(len(X)), own] / np.maximum(n_own, 1), 0.0)
    mean_other = np.where(member, np.inf, sums / counts[None, :])
    b = mean_other.min(axis=1)
    s = np.where(n_own > 0, (b - a) / np.maximum(a, b), 0.0)
    return float(np.mean(s))
    ### END SOLUTION


def choose_k_silhouette(X, ks, random_state=0):
    """Silhouette score of ``KMeans(k, random_state=random_state)`` for each ``k`` in ``ks``
    (each >= 2), and the ``k`` with the highest score.

    Returns
    -------
    best_k : int
    scores : ndarray of shape (len(ks),)
    """
    X = np.asarray(X, dtype=float)
    ### BEGIN SOLUTION
    scores = np.array([silhouette(X, KMeans(int(k), random_state=random_state).fit_predict(X)) for k in ks])
    return int(ks[int(np.argmax(scores))]), scores
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# Gaussian mixture
# ----------------------------------------------------------------------------------------
def log_gaussian(X, means, covariances):
    """``log N(x_i | mu_k, Sigma_k)`` for every sample and component, shape (n, k).

    Use the Cholesky factor ``Sigma = L L^T``: the Mahalanobis term is
    ``|L^{-1}(x - mu)|^2`` and ``log det Sigma = 2 sum log diag L``.
    """
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    out = np.empty((n, len(means)))
    ### BEGIN SOLUTION
    for k, (mu, cov) in enumerate(zip(means, covariances)):
        L = np.linalg.cholesky(cov)
        z = np.linalg.solve(L, (X - mu).T)
        log_det = 2 * np.log(np.diag(L)).sum()
        out[:, k] = -0.5 * (d * np.log(2 * np.pi) + log_det + np.sum(z**2, axis=0))
    ### END SOLUTION
    return out


def e_step(X, weights, means, covariances):
    """Mean log-likelihood ``(1/n) sum_i log sum_k pi_k N(x_i|mu_k,Sigma_k)`` and the
    responsibilities ``r_ik``.

    Returns
    -------
    log_likelihood : float
    resp : ndarray of shape (n, k), rows summing to one
    """
    ### BEGIN SOLUTION
    weighted = log_gaussian(X, means, covariances) + np.log(weights)
    log_norm = logsumexp(weighted, axis=1)
    return float(log_norm.mean()), np.exp(weighted - log_norm[:, None])
    ### END SOLUTION


def m_step(X, resp, reg_covar=1e-6):
    """Weights, means and covariances (full, ``reg_covar`` added to the diagonal) from the
    responsibilities ``resp`` (formulas in the module docstring).

    Returns
    -------
    weights : ndarray of shape (k,)
    means : ndarray of shape (k, d)
    covariances : ndarray of shape (k, d, d)
    """
    X, resp = np.asarray(X, dtype=float), np.asarray(resp, dtype=float)
    n, d = X.shape
    ### BEGIN SOLUTION
    Nk = resp.sum(axis=0) + 10 * np.finfo(float).eps
    weights = Nk / n
    means = resp.T @ X / Nk[:, None]
    covariances = np.empty((len(Nk), d, d))
    for k in range(len(Nk)):
        diff = X - means[k]
        covariances[k] = (resp[:, k] * diff.T) @ diff / Nk[k] + reg_covar * np.eye(d)
    ### END SOLUTION
    return weights, means, covariances


class GaussianMixture:
    """Gaussian mixture with full covariances, fitted by EM.

    Each of the ``n_init`` runs starts from hard responsibilities: the labels of
    ``KMeans(n_components, n_init=1, random_state=random_state + r)`` for run ``r``; EM
    stops when the mean log-likelihood changes by less than ``tol`` (or after
    ``max_iter`` iterations).  The run with the highest final log-likelihood is kept.

    Attributes
    ----------
    weights_, means_, covariances_ : the fitted parameters
    log_likelihood_ : float
        Mean log-likelihood of the training data under the fitted parameters.
    """

    def __init__(self, n_components=2, *, n_init=3, tol=1e-4, reg_covar=1e-6, max_iter=500,
                 random_state=0):
        self.n_components = n_components
        self.n_init = n_init
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit the mixture to ``X``; returns self."""
        X = np.asarray(X, dtype=float)
        k = self.n_components
        best = None
        for r in range(self.n_init):
            labels = KMeans(k, n_init=1, random_state=self.random_state + r).fit_predict(X)
            params = m_step(X, np.eye(k)[labels], self.reg_covar)
            ### BEGIN SOLUTION
            log_likelihood = -np.inf
            for _ in range(self.max_iter):
                previous = log_likelihood
                log_likelihood, resp = e_step(X, *params)
                params = m_step(X, resp, self.reg_covar)
                if abs(log_likelihood - previous) < self.tol:
                    break
            log_likelihood = e_step(X, *params)[0]
            ### END SOLUTION
            if best is None or log_likelihood > best[0]:
                best = (log_likelihood, params)
        self.log_likelihood_, (self.weights_, self.means_, self.covariances_) = best
        return self

    def predict_proba(self, X):
        """Responsibilities of each component for each row of ``X``."""
        return e_step(X, self.weights_, self.means_, self.covariances_)[1]

    def predict(self, X):
        """Most probable component of each row of ``X``."""
        return np.argmax(self.predict_proba(X), axis=1)

    def score(self, X):
        """Mean log-likelihood of ``X``."""
        return e_step(X, self.weights_, self.means_, self.covariances_)[0]

    def bic(self, X):
        """Bayesian information criterion of the fitted mixture on ``X`` (lower is better)."""
        X = np.asarray(X, dtype=float)
        ### BEGIN SOLUTION
        k, d = self.means_.shape
        n_parameters = k * d * (d + 1) / 2 + k * d + k - 1
        return float(-2.0 * self.score(X) * len(X) + n_parameters * np.log(len(X)))
        ### END SOLUTION


def choose_k_bic(X, ks, random_state=0):
    """BIC of ``GaussianMixture(k, random_state=random_state)`` fitted to ``X`` for each
    ``k`` in ``ks``, and the ``k`` with the lowest BIC.

    Returns
    -------
    best_k : int
    bics : ndarray of shape (len(ks),)
    """
    X = np.asarray(X, dtype=float)
    ### BEGIN SOLUTION
    bics = np.array([GaussianMixture(int(k), random_state=random_state).fit(X).bic(X) for k in ks])
    return int(ks[int(np.argmin(bics))]), bics
    ### END SOLUTION


def red_sequence_members(X, g_r_column, random_state=0):
    """Red-sequence membership from a two-component Gaussian mixture.

    Fit ``GaussianMixture(2, random_state=random_state)`` to ``X`` and call red the
    component whose mean ``g - r`` colour (column ``g_r_column`` of ``X``) is larger.

    Returns
    -------
    red : ndarray of shape (n,), int
        1 for galaxies assigned to the red sequence, 0 for the blue cloud.
    """
    X = np.asarray(X, dtype=float)
    ### BEGIN SOLUTION
    gmm = GaussianMixture(2, random_state=random_state).fit(X)
    red_component = int(np.argmax(gmm.means_[:, g_r_column]))
    return (gmm.predict(X) == red_component).astype(int)
    ### END SOLUTION
