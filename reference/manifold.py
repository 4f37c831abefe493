"""Non-linear embeddings: locally linear embedding (LLE) and t-SNE.

**LLE** (Roweis & Saul 2000) writes every point as a weighted average of its
``n_neighbors`` nearest neighbours, ``x_i ~ sum_j W_ij x_j`` with ``sum_j W_ij = 1``, then
looks for low-dimensional points ``y_i`` that keep the same weights: the bottom
eigenvectors of ``M = (I - W)^T (I - W)``, skipping the constant one.

**t-SNE** (van der Maaten & Hinton 2008) turns distances into neighbour probabilities,
Gaussian in the data (``p_{j|i}``, bandwidth set per point so the perplexity
``2^{H(P_i)}`` matches the requested one) and Student-t in the embedding (``q_ij``), then
moves the embedded points by gradient descent on ``KL(P || Q)``:

.. math::

    \\frac{\\partial KL}{\\partial y_i} = 4 \\sum_j (p_{ij} - q_{ij})
        (1 + |y_i - y_j|^2)^{-1} (y_i - y_j).

The first iterations multiply ``P`` by ``early_exaggeration`` so clusters form, and the
descent uses momentum and per-coordinate adaptive gains, as in the paper.
"""
import numbers

import numpy as np
from scipy.linalg import eigh, solve
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_random_state

MACHINE_EPSILON = np.finfo(np.double).eps


def pairwise_squared_distances(X, Z):
    """Squared Euclidean distances between the rows of ``X`` and ``Z``."""
    d2 = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.maximum(d2, 0.0)


# ----------------------------------------------------------------------------------------
# Locally linear embedding
# ----------------------------------------------------------------------------------------
def barycenter_weights(X, Z, neighbors, reg=1e-3):
    """Weights that reconstruct each ``X[i]`` from its neighbours ``Z[neighbors[i]]``.

    Solves ``C w = 1`` with the local Gram matrix ``C = (Z_nb - x)(Z_nb - x)^T``
    (regularised by ``reg * trace(C)``), then normalises ``w`` to sum to one.

    Returns
    -------
    W : ndarray of shape (len(X), n_neighbors)
    """
    k = neighbors.shape[1]
    W = np.empty((len(X), k))
    ### BEGIN SOLUTION
    for i, nb in enumerate(neighbors):
        D = Z[nb] - X[i]
        C = D @ D.T
        trace = np.trace(C)
        C.flat[:: k + 1] += reg * trace if trace > 0 else reg
        w = solve(C, np.ones(k), assume_a="pos")
        W[i] = w / w.sum()
    ### END SOLUTION
    return W


def _nearest(X, Z, k, exclude_self):
    d2 = pairwise_squared_distances(X, Z)
    if exclude_self:
        np.fill_diagonal(d2, np.inf)
    return np.argsort(d2, axis=1, kind="stable")[:, :k]


class LocallyLinearEmbedding(TransformerMixin, BaseEstimator):
    """Standard locally linear embedding.

    Parameters
    ----------
    n_neighbors : int, default=5
    n_components : int, default=2
    reg : float, default=1e-3
        Regularisation of the local Gram matrices (relative to their trace).

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    reconstruction_error_ : float
        Sum of the kept eigenvalues of ``M``.
    """

    def __init__(self, *, n_neighbors=5, n_components=2, reg=1e-3):
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.reg = reg

    def fit(self, X, y=None):
        """Compute the embedding of ``X``."""
        X = check_array(X, dtype=np.float64)
        n = len(X)
        for name in ("n_neighbors", "n_components"):
            if not isinstance(getattr(self, name), numbers.Integral) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive int, got {getattr(self, name)!r}")
        if self.n_neighbors >= n:
            raise ValueError(f"n_neighbors={self.n_neighbors} must be smaller than "
                             f"n_samples={n}")
        if self.n_components + 1 > n:
            raise ValueError(f"n_components={self.n_components} must be < n_samples={n}")
        self.n_features_in_ = X.shape[1]
        self._X_fit = X
        ### BEGIN SOLUTION
        neighbors = _nearest(X, X, self.n_neighbors, exclude_self=True)
        W = np.zeros((n, n))
        W[np.arange(n)[:, None], neighbors] = barycenter_weights(X, X, neighbors, self.reg)
        I_minus_W = np.eye(n) - W
        M = I_minus_W.T @ I_minus_W
        values, vectors = eigh(M, subset_by_index=(1, self.n_components))  # skip constant
        self.embedding_ = vectors
        self.reconstruction_error_ = float(values.sum())
        ### END SOLUTION
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the embedding of ``X``."""
        return self.fit(X).embedding_

    def transform(self, X):
        """Embed new points with the barycentre weights of their training neighbours."""
        check_is_fitted(self, "embedding_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        neighbors = _nearest(X, self._X_fit, self.n_neighbors, exclude_self=False)
        W = barycenter_weights(X, self._X_fit, neighbors, self.reg)
        return np.einsum("ik,ikc->ic", W, self.embedding_[neighbors])


# ----------------------------------------------------------------------------------------
# t-SNE
# ----------------------------------------------------------------------------------------
def conditional_probabilities(sq_distances, perplexity, tol=1e-5, max_steps=100):
    """Rows ``p_{j|i} = exp(-beta_i d_ij) / sum_k exp(-beta_i d_ik)`` with each ``beta_i``
    found by bisection so that the entropy (in nats) equals ``log(perplexity)``.

    Parameters
    ----------
    sq_distances : ndarray of shape (n, n)
        Squared distances; the diagonal is ignored.
    perplexity : float

    Returns
    -------
    P : ndarray of shape (n, n), rows summing to one, zero diagonal
    """
    n = len(sq_distances)
    target = np.log(perplexity)
    P = np.zeros((n, n))
    ### BEGIN SOLUTION
    for i in range(n):
        d = np.delete(sq_distances[i], i)
        beta, lo, hi = 1.0, -np.inf, np.inf
        for _ in range(max_steps):
            p = np.exp(-(d - d.min()) * beta)        # shift for stability; cancels out
            p /= p.sum()
            entropy = -np.sum(p * np.log(np.maximum(p, MACHINE_EPSILON)))
            if abs(entropy - target) <= tol:
                break
            if entropy > target:                    # too flat: sharpen
                lo = beta
                beta = beta * 2 if hi == np.inf else (beta + hi) / 2
            else:
                hi = beta
                beta = beta / 2 if lo == -np.inf else (beta + lo) / 2
        P[i, np.arange(n) != i] = p
    ### END SOLUTION
    return P


def kl_and_gradient(Y, P, dof=1.0):
    """KL divergence ``sum P log(P / Q)`` and its gradient with respect to ``Y``.

    ``q_ij`` is proportional to ``(1 + |y_i - y_j|^2 / dof)^{-(dof + 1) / 2}``.

    Returns
    -------
    kl : float
    grad : ndarray of shape Y.shape
    """
    ### BEGIN SOLUTION
    num = (1.0 + pairwise_squared_distances(Y, Y) / dof) ** (-(dof + 1.0) / 2.0)
    np.fill_diagonal(num, 0.0)
    Q = np.maximum(num / num.sum(), MACHINE_EPSILON)
    kl = float(np.sum(P * np.log(np.maximum(P, MACHINE_EPSILON) / Q)))
    # grad_i = (2 (dof + 1) / dof) sum_j (p_ij - q_ij) num_ij^{2/(dof+1)} (y_i - y_j)
    W = (P - Q) * num ** (2.0 / (dof + 1.0))
    grad = (2.0 * (dof + 1.0) / dof) * (W.sum(1)[:, None] * Y - W @ Y)
    ### END SOLUTION
    return kl, grad


class TSNE(BaseEstimator):
    """t-distributed stochastic neighbour embedding with the exact O(n^2) gradient.

    Parameters
    ----------
    n_components : int, default=2
    perplexity : float, default=30.0
        Effective number of neighbours; must be smaller than ``n_samples``.
    early_exaggeration : float, default=12.0
    learning_rate : float or "auto", default="auto"
        ``"auto"`` is ``max(n_samples / early_exaggeration / 4, 50)``.
    max_iter : int, default=1000
        Total number of gradient steps (the first 250 are exaggerated).
    n_iter_without_progress : int, default=300
    min_grad_norm : float, default=1e-7
    init : {"pca", "random"}, default="pca"
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kl_divergence_ : float
    n_iter_ : int
    learning_rate_ : float
    """

    EXPLORATION_ITER = 250

    def __init__(self, n_components=2, *, perplexity=30.0, early_exaggeration=12.0,
                 learning_rate="auto", max_iter=1000, n_iter_without_progress=300,
                 min_grad_norm=1e-7, init="pca", random_state=None):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_iter_without_progress = n_iter_without_progress
        self.min_grad_norm = min_grad_norm
        self.init = init
        self.random_state = random_state

    def _initial_embedding(self, X, rng):
        if self.init == "pca":
            Xc = X - X.mean(axis=0)
            U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
            largest = np.argmax(np.abs(Vt), axis=1)              # sign convention
            U = U * np.sign(Vt[np.arange(len(Vt)), largest])
            Y = U[:, : self.n_components] * S[: self.n_components]
            return Y / np.std(Y[:, 0]) * 1e-4
        return 1e-4 * rng.standard_normal((len(X), self.n_components))

    def _descend(self, Y, P, n_steps, momentum, lr, start):
        """Gradient descent with momentum and adaptive gains; returns Y, kl, last step."""
        update = np.zeros_like(Y)
        gains = np.ones_like(Y)
        best_kl, best_step, kl = np.inf, start, np.inf
        dof = max(self.n_components - 1, 1)
        step = start
        ### BEGIN SOLUTION
        for step in range(start, start + n_steps):
            kl, grad = kl_and_gradient(Y, P, dof)
            flipped = update * grad < 0.0     # gradient opposes the last step: speed up
            gains = np.where(flipped, gains + 0.2, gains * 0.8)
            gains = np.maximum(gains, 0.01)
            update = momentum * update - lr * gains * grad
            Y = Y + update
            if kl < best_kl:
                best_kl, best_step = kl, step
            elif step - best_step > self.n_iter_without_progress:
                break
            if np.linalg.norm(grad) < self.min_grad_norm:
                break
        ### END SOLUTION
        return Y, kl, step

    def fit_transform(self, X, y=None):
        """Embed ``X``; returns ``embedding_``."""
        X = check_array(X, dtype=np.float64, ensure_min_samples=2)
        n = len(X)
        if not 0 < self.perplexity < n:
            raise ValueError(f"perplexity ({self.perplexity}) must be less than "
                             f"n_samples ({n})")
        if self.init not in ("pca", "random"):
            raise ValueError(f"init must be 'pca' or 'random', got {self.init!r}")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 250:
            raise ValueError(f"max_iter must be an int >= 250, got {self.max_iter!r}")
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.learning_rate_ = (max(n / self.early_exaggeration / 4, 50)
                               if self.learning_rate == "auto" else float(self.learning_rate))
        ### BEGIN SOLUTION
        P = conditional_probabilities(pairwise_squared_distances(X, X), self.perplexity)
        P = P + P.T
        P = np.maximum(P / P.sum(), MACHINE_EPSILON)
        np.fill_diagonal(P, 0.0)
        Y = self._initial_embedding(X, rng)
        # 1) early exaggeration, low momentum; 2) the real problem, higher momentum
        Y, _, step = self._descend(Y, self.early_exaggeration * P, self.EXPLORATION_ITER,
                                   0.5, self.learning_rate_, 0)
        Y, kl, step = self._descend(Y, P, self.max_iter - self.EXPLORATION_ITER,
                                    0.8, self.learning_rate_, step + 1)
        ### END SOLUTION
        self.embedding_ = Y
        self.kl_divergence_ = kl
        self.n_iter_ = step
        return Y

    def fit(self, X, y=None):
        """Embed ``X`` (see :meth:`fit_transform`)."""
        self.fit_transform(X)
        return self
