"""k-nearest neighbours: classification by a (weighted) vote, regression by a (weighted) mean.

There is no training beyond storing the data; all the work happens at prediction time.
Distances are the Minkowski distance :math:`d(a, b) = (\\sum_j |a_j - b_j|^p)^{1/p}`
(``p=2`` Euclidean, ``p=1`` Manhattan), computed for whole blocks of queries at once.
"""
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["pairwise_distances", "KNeighborsClassifier", "KNeighborsRegressor"]

_METRICS = {"minkowski": None, "euclidean": 2, "l2": 2, "manhattan": 1, "cityblock": 1, "l1": 1}


def pairwise_distances(A, B, p=2):
    """Minkowski distances between every row of ``A`` (m, d) and of ``B`` (n, d): shape (m, n)."""
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    ### BEGIN SOLUTION
    if p == 2:
        # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, clipped at 0 against round-off
        sq = (A ** 2).sum(1)[:, None] + (B ** 2).sum(1)[None, :] - 2.0 * A @ B.T
        return np.sqrt(np.maximum(sq, 0.0))
    diff = np.abs(A[:, None, :] - B[None, :, :])
    if p == 1:
        return diff.sum(-1)
    if np.isinf(p):
        return diff.max(-1)
    return (diff ** p).sum(-1) ** (1.0 / p)
    ### END SOLUTION


class _KNeighborsBase(BaseEstimator):
    def __init__(self, n_neighbors=5, *, weights="uniform", p=2, metric="minkowski"):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p
        self.metric = metric

    def _check_params(self):
        if not (isinstance(self.n_neighbors, (int, np.integer)) and self.n_neighbors >= 1):
            raise ValueError(f"n_neighbors must be a positive integer, got {self.n_neighbors!r}")
        if self.weights not in ("uniform", "distance"):
            raise ValueError(f"weights must be 'uniform' or 'distance', got {self.weights!r}")
        if self.metric not in _METRICS:
            raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {self.metric!r}")
        if self.metric == "minkowski" and not (np.isscalar(self.p) and self.p >= 1):
            raise ValueError(f"p must be >= 1, got {self.p!r}")

    def _p(self):
        return self.p if _METRICS[self.metric] is None else _METRICS[self.metric]

    def _fit_data(self, X):
        if self.n_neighbors > X.shape[0]:
            raise ValueError(f"n_neighbors={self.n_neighbors} must not exceed n_samples = {X.shape[0]}")
        self._X = X

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Distances to and indices of the ``n_neighbors`` nearest training points.

        With ``X=None`` the neighbours of the training points themselves, each point
        excluded from its own list.
        """
        check_is_fitted(self, "n_features_in_")
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        query_is_train = X is None
        X = self._X if query_is_train else validate_data(self, X, dtype=np.float64, reset=False)
        k_search = k + 1 if query_is_train else k
        if k_search > self._X.shape[0]:
            raise ValueError(f"asked for {k} neighbours but only {self._X.shape[0]} training samples")
        dist, ind = [], []
        block = max(1, int(2e6 // max(1, self._X.shape[0] * (1 if self._p() == 2 else X.shape[1]))))
        for start in range(0, X.shape[0], block):
            D = pairwise_distances(X[start:start + block], self._X, self._p())
            if query_is_train:
                D[np.arange(D.shape[0]), np.arange(start, start + D.shape[0])] = np.inf
            ### BEGIN SOLUTION
            idx = np.argpartition(D, k - 1, axis=1)[:, :k]  # k smallest, unordered
            d = np.take_along_axis(D, idx, axis=1)
            order = np.argsort(d, axis=1, kind="stable")
            ind.append(np.take_along_axis(idx, order, axis=1))
            dist.append(np.take_along_axis(d, order, axis=1))
            ### END SOLUTION
        dist, ind = np.vstack(dist), np.vstack(ind)
        return (dist, ind) if return_distance else ind

    def _neighbor_weights(self, dist):
        """Uniform weights, or :math:`1/d`; a query that coincides with training points gets only those."""
        ### BEGIN SOLUTION
        if self.weights == "uniform":
            return np.ones_like(dist)
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = np.isinf(w)
        rows = exact.any(axis=1)
        w[rows] = exact[rows].astype(float)
        return w
        ### END SOLUTION


class KNeighborsClassifier(ClassifierMixin, _KNeighborsBase):
    """Classify by the (distance-weighted) majority of the ``n_neighbors`` nearest points.

    Parameters
    ----------
    n_neighbors : int, default=5
    weights : {"uniform", "distance"}, default="uniform"
        "distance" weighs each neighbour's vote by 1/distance.
    p : float, default=2
        Minkowski power when ``metric="minkowski"``.
    metric : {"minkowski", "euclidean", "manhattan"}, default="minkowski"

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    n_samples_fit_ : int
    """

    def fit(self, X, y):
        """Store the training data."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, self._y = np.unique(y, return_inverse=True)
        self._fit_data(X)
        self.n_samples_fit_ = X.shape[0]
        return self

    def predict_proba(self, X):
        """Fraction of (weighted) neighbour votes for each class in ``classes_``."""
        dist, ind = self.kneighbors(X)
        w = self._neighbor_weights(dist)
        ### BEGIN SOLUTION
        votes = np.zeros((ind.shape[0], len(self.classes_)))
        labels = self._y[ind]
        for k in range(len(self.classes_)):
            votes[:, k] = (w * (labels == k)).sum(axis=1)
        return votes / votes.sum(axis=1, keepdims=True)
        ### END SOLUTION

    def predict(self, X):
        """The class with the most (weighted) votes; ties go to the first class."""
        check_is_fitted(self, "classes_")
        ### BEGIN SOLUTION
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
        ### END SOLUTION


class KNeighborsRegressor(RegressorMixin, _KNeighborsBase):
    """Predict the (distance-weighted) mean target of the ``n_neighbors`` nearest points.

    Parameters are those of :class:`KNeighborsClassifier`. ``y`` may have several columns.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Store the training data."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        self._y = y
        self._fit_data(X)
        self.n_samples_fit_ = X.shape[0]
        return self

    def predict(self, X):
        """Weighted mean of the neighbours' targets."""
        dist, ind = self.kneighbors(X)
        w = self._neighbor_weights(dist)
        ### BEGIN SOLUTION
        Y = self._y[ind]  # (n_queries, k) or (n_queries, k, n_targets)
        if Y.ndim == 3:
            return (w[:, :, None] * Y).sum(axis=1) / w.sum(axis=1)[:, None]
        return (w * Y).sum(axis=1) / w.sum(axis=1)
        ### END SOLUTION
