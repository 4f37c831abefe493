"""k-means clustering (Lloyd's algorithm with k-means++ seeding).

k-means looks for ``k`` centres that minimise the *inertia*, the summed squared distance
of every point to its nearest centre.  Lloyd's algorithm alternates

1. assignment: each point joins its nearest centre;
2. update: each centre moves to the mean of its points;

until the centres move less than ``tol`` (relative to the data variance).  The result
depends on the start, so we run ``n_init`` times and keep the lowest inertia.

k-means++ (Arthur & Vassilvitskii 2007) seeds the centres far apart: the first at random,
each next one drawn with probability proportional to the squared distance to the nearest
centre chosen so far (greedy variant: try ``2 + log k`` candidates, keep the best).
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_random_state


def squared_distances(X, C):
    """Squared Euclidean distance of every row of ``X`` to every row of ``C``."""
    d2 = (X**2).sum(1)[:, None] + (C**2).sum(1)[None, :] - 2 * X @ C.T
    return np.maximum(d2, 0.0)


def kmeans_plusplus(X, n_clusters, random_state=None, n_local_trials=None):
    """Greedy k-means++ seeding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    random_state : int, RandomState or None
    n_local_trials : int, default=None
        Candidates tried per centre; None means ``2 + int(log(n_clusters))``.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Rows of ``X`` chosen as centres.
    """
    rng = check_random_state(random_state)
    n = len(X)
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    indices = np.empty(n_clusters, dtype=int)
    ### BEGIN SOLUTION
    indices[0] = rng.randint(n)
    closest = squared_distances(X, X[indices[:1]])[:, 0]
    for c in range(1, n_clusters):
        # draw candidates with probability proportional to D(x)^2
        cumulative = np.cumsum(closest)
        candidates = np.searchsorted(cumulative, rng.uniform(size=n_local_trials) * cumulative[-1])
        candidates = np.minimum(candidates, n - 1)
        # keep the candidate that lowers the total squared distance most
        new_closest = np.minimum(closest[None, :], squared_distances(X[candidates], X))
        best = np.argmin(new_closest.sum(axis=1))
        indices[c] = candidates[best]
        closest = new_closest[best]
    ### END SOLUTION
    return X[indices].copy(), indices


def lloyd(X, centers, max_iter=300, tol=1e-4):
    """Lloyd iterations from ``centers``.

    Stops when the summed squared shift of the centres is at most ``tol``.  An empty
    cluster is moved to the point farthest from its centre.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    labels : ndarray of shape (n_samples,)
    inertia : float
    n_iter : int
    """
    centers = centers.copy()
    k = len(centers)
    n_iter = 0
    ### BEGIN SOLUTION
    for n_iter in range(1, max_iter + 1):
        d2 = squared_distances(X, centers)
        labels = np.argmin(d2, axis=1)
        new_centers = np.empty_like(centers)
        for j in range(k):
            members = labels == j
            if members.any():
                new_centers[j] = X[members].mean(axis=0)
            else:  # empty cluster: restart it on the worst-fitted point
                far = np.argmax(d2[np.arange(len(X)), labels])
                new_centers[j] = X[far]
        shift = np.sum((new_centers - centers) ** 2)
        centers = new_centers
        if shift <= tol:
            break
    # final assignment so labels and centres agree
    d2 = squared_distances(X, centers)
    labels = np.argmin(d2, axis=1)
    inertia = float(d2[np.arange(len(X)), labels].sum())
    ### END SOLUTION
    return centers, labels, inertia, n_iter


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """k-means clustering.

    Parameters
    ----------
    n_clusters : int, default=8
    init : {"k-means++", "random"} or ndarray of shape (n_clusters, n_features), default="k-means++"
    n_init : int or "auto", default="auto"
        Number of runs; ``"auto"`` is 1 for k-means++ (and explicit centres) and 10 for
        ``"random"``, as in scikit-learn.
    max_iter : int, default=300
    tol : float, default=1e-4
        Relative tolerance: runs stop when the centre shift is below ``tol`` times the
        mean per-feature variance of ``X``.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
    n_iter_ : int
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300,
                 tol=1e-4, random_state=None):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X, y=None):
        """Run k-means ``n_init`` times and keep the run with the lowest inertia.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_array(X, dtype=np.float64)
        k = self.n_clusters
        if not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"n_clusters must be a positive int, got {k!r}")
        if len(X) < k:
            raise ValueError(f"n_samples={len(X)} should be >= n_clusters={k}.")
        explicit = not isinstance(self.init, str)
        if not explicit and self.init not in ("k-means++", "random"):
            raise ValueError(f"init must be 'k-means++', 'random' or an array, got {self.init!r}")
        if explicit:
            init = check_array(self.init, dtype=np.float64)
            if init.shape != (k, X.shape[1]):
                raise ValueError(f"init array must have shape {(k, X.shape[1])}, got {init.shape}")
        n_init = self.n_init
        if n_init == "auto":
            n_init = 10 if (not explicit and self.init == "random") else 1
        if not isinstance(n_init, numbers.Integral) or n_init < 1:
            raise ValueError(f"n_init must be 'auto' or a positive int, got {self.n_init!r}")
        if explicit:
            n_init = 1
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]
        tol = self.tol * np.mean(np.var(X, axis=0))
        best = None
        ### BEGIN SOLUTION
        for _ in range(n_init):
            if explicit:
                centers = init
            elif self.init == "k-means++":
                centers, _ = kmeans_plusplus(X, k, rng)
            else:
                centers = X[rng.permutation(len(X))[:k]]
            run = lloyd(X, centers, self.max_iter, tol)
            if best is None or run[2] < best[2]:
                best = run
        ### END SOLUTION
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best
        return self

    def _check_X(self, X):
        check_is_fitted(self, "cluster_centers_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def predict(self, X):
        """Index of the nearest centre for each sample."""
        X = self._check_X(X)
        return np.argmin(squared_distances(X, self.cluster_centers_), axis=1)

    def transform(self, X):
        """Euclidean distance of each sample to each centre, shape (n_samples, n_clusters)."""
        X = self._check_X(X)
        return np.sqrt(squared_distances(X, self.cluster_centers_))

    def score(self, X, y=None):
        """Minus the inertia of ``X`` with respect to the fitted centres."""
        X = self._check_X(X)
        return -float(np.min(squared_distances(X, self.cluster_centers_), axis=1).sum())
