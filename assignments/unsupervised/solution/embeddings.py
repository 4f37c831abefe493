"""Non-linear embeddings of stellar spectra (assignment "unsupervised", part 2).

Locally linear embedding and t-SNE from scratch, and the trustworthiness score that says
how faithfully an embedding keeps each point's neighbours.

**Trustworthiness** (Venna & Kaski 2001).  With ``r(i, j)`` the rank of ``j`` among the
neighbours of ``i`` in the original space (1 = nearest) and ``U_k(i)`` the points that are
among the ``k`` nearest neighbours of ``i`` in the embedding but not in the original
space,

.. math::

    T(k) = 1 - \\frac{2}{n k (2n - 3k - 1)} \\sum_i \\sum_{j \\in U_k(i)} (r(i, j) - k).

``T = 1`` when no false neighbours appear.  (You write it yourself: this file must not
import ``sklearn.manifold``.)

**LLE** (Roweis & Saul 2000) writes every point as a weighted average of its
``n_neighbors`` nearest neighbours, ``x_i ~ sum_j W_ij x_j`` with ``sum_j W_ij = 1``, then
looks for low-dimensional points ``y_i`` that keep the same weights: the eigenvectors of
``M = (I - W)^T (I - W)`` with the smallest eigenvalues, skipping the constant one.

**t-SNE** (van der Maaten & Hinton 2008) turns squared distances into neighbour
probabilities, Gaussian in the data (``p_{j|i}``, a bandwidth per point so that the
perplexity ``exp(H(P_i))`` (H in nats) equals the requested one), symmetrised as
``p_ij = (p_{j|i} + p_{i|j}) / (2n)``, and Student-t in the embedding,
``q_ij = (1 + |y_i - y_j|^2)^-1 / sum_{k != l} (1 + |y_k - y_l|^2)^-1``.  It moves the
embedded points by gradient descent on ``KL(P || Q) = sum p_ij log(p_ij / q_ij)``:

.. math::

    \\frac{\\partial KL}{\\partial y_i} = 4 \\sum_j (p_{ij} - q_{ij})
        (1 + |y_i - y_j|^2)^{-1} (y_i - y_j).
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import eigh, solve

MACHINE_EPSILON = np.finfo(np.double).eps


def pairwise_squared_distances(X, Z):
    """Squared Euclidean distances between the rows of ``X`` and ``Z``, shape (len(X), len(Z))."""
    X, Z = np.asarray(X, dtype=float), np.asarray(Z, dtype=float)
    d2 = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.maximum(d2, 0.0)


def _neighbour_order(X):
    """Indices of the other points of ``X`` sorted by distance, row by row (self excluded)."""
    d2 = pairwise_squared_distances(X, X)
    np.fill_diagonal(d2, np.inf)
    return np.argsort(d2, axis=1, kind="stable")[:, : len(X) - 1]


# ----------------------------------------------------------------------------------------
# Trustworthiness
# ----------------------------------------------------------------------------------------
def trustworthiness(X, Y, n_neighbors=5):
    """Trustworthiness of the embedding ``Y`` of ``X`` (formula in the module docstring).

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Original data (Euclidean distances).
    Y : ndarray of shape (n, q)
        Embedding.
    n_neighbors : int, default=5
        ``k``; must be smaller than ``n / 2``.

    Returns
    -------
    t : float in [0, 1]
    """
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    n, k = len(X), int(n_neighbors)
    if not 1 <= k < n / 2:
        raise ValueError(f"n_neighbors ({k}) should be less than n_samples / 2 ({n / 2})")
    ### BEGIN SOLUTION
    order_X = _neighbour_order(X)
    rank = np.empty((n, n), dtype=int)
    rank[np.arange(n)[:, None], order_X] = np.arange(1, n)     # 1 = nearest
    embedded = _neighbour_order(Y)[:, :k]
    excess = rank[np.arange(n)[:, None], embedded] - k
    penalty = np.sum(excess[excess > 0])
    return float(1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty)
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# Locally linear embedding
# ----------------------------------------------------------------------------------------
def barycenter_weights(X, neighbors, reg=1e-3):
    """Weights that reconstruct each ``X[i]`` from its neighbours ``X[neighbors[i]]``.

    Solve ``C w = 1`` with the local Gram matrix ``C = (X_nb - x_i)(X_nb - x_i)^T``, its
    diagonal increased by ``reg * trace(C)`` (or by ``reg`` if the trace is 0), then
    normalise ``w`` to sum to one.

    Returns
    -------
    W : ndarray of shape (len(X), n_neighbors)
    """
    X = np.asarray(X, dtype=float)
    k = neighbors.shape[1]
    W = np.empty((len(X), k))
    ### BEGIN SOLUTION
    for i, nb in enumerate(neighbors):
        D = X[nb] - X[i]
        C = D @ D.T
        trace = np.trace(C)
        C.flat[:: k + 1] += reg * trace if trace > 0 else reg
        w = solve(C, np.ones(k), assume_a="pos")
        W[i] = w / w.sum()
    ### END SOLUTION
    return W


class LocallyLinearEmbedding:
    """Standard locally linear embedding (dense eigen-solver).

    Parameters
    ----------
    n_neighbors : int, default=10
    n_components : int, default=2
    reg : float, default=1e-3
        Regularisation of the local Gram matrices (relative to their trace).

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        The eigenvectors of ``M`` for the 2nd to (n_components + 1)-th smallest
        eigenvalues (unit norm, as ``scipy.linalg.eigh`` returns them).
    reconstruction_error_ : float
        Sum of those eigenvalues.
    """

    def __init__(self, n_neighbors=10, n_components=2, reg=1e-3):
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.reg = reg

    def fit(self, X, y=None):
        """Compute the embedding of ``X``; returns self."""
        X = np.asarray(X, dtype=float)
        n = len(X)
        if not 1 <= self.n_neighbors < n:
            raise ValueError(f"n_neighbors={self.n_neighbors} must be between 1 and n_samples - 1")
        ### BEGIN SOLUTION
        neighbors = _neighbour_order(X)[:, : self.n_neighbors]
        W = np.zeros((n, n))
        W[np.arange(n)[:, None], neighbors] = barycenter_weights(X, neighbors, self.reg)
        I_minus_W = np.eye(n) - W
        M = I_minus_W.T @ I_minus_W
        values, vectors = eigh(M, subset_by_index=(1, self.n_components))  # skip the constant
        self.embedding_ = vectors
        self.reconstruction_error_ = float(values.sum())
        ### END SOLUTION
        return self

    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``."""
        return self.fit(X).embedding_


# ----------------------------------------------------------------------------------------
# t-SNE
# ----------------------------------------------------------------------------------------
def conditional_probabilities(sq_distances, perplexity, tol=1e-5, max_steps=100):
    """Rows ``p_{j|i} = exp(-beta_i d_ij) / sum_{k != i} exp(-beta_i d_ik)``, each ``beta_i``
    found by bisection so that the row's entropy (in nats) is ``log(perplexity)`` within
    ``tol``.

    Parameters
    ----------
    sq_distances : ndarray of shape (n, n)
        Squared distances; the diagonal is ignored.
    perplexity : float

    Returns
    -------
    P : ndarray of shape (n, n), rows summing to one, zero diagonal
    """
    sq_distances = np.asarray(sq_distances, dtype=float)
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


def joint_probabilities(X, perplexity):
    """Symmetric t-SNE affinities ``p_ij = (p_{j|i} + p_{i|j}) / (2n)`` of the rows of ``X``
    (zero diagonal, summing to one)."""
    P = conditional_probabilities(pairwise_squared_distances(X, X), perplexity)
    P = (P + P.T) / (2.0 * len(P))
    return P


def kl_and_gradient(Y, P):
    """KL divergence ``sum_{i != j} p_ij log(p_ij / q_ij)`` and its gradient with respect to
    ``Y`` (Student-t with one degree of freedom; formulas in the module docstring).

    Terms with ``p_ij = 0`` contribute nothing to the KL; clip ``q_ij`` below at machine
    epsilon before taking its log.

    Returns
    -------
    kl : float
    grad : ndarray of shape Y.shape
    """
    Y, P = np.asarray(Y, dtype=float), np.asarray(P, dtype=float)
    ### BEGIN SOLUTION
    num = 1.0 / (1.0 + pairwise_squared_distances(Y, Y))
    np.fill_diagonal(num, 0.0)
    Q = np.maximum(num / num.sum(), MACHINE_EPSILON)
    positive = P > 0
    kl = float(np.sum(P[positive] * np.log(P[positive] / Q[positive])))
    W = (P - Q) * num
    grad = 4.0 * (W.sum(1)[:, None] * Y - W @ Y)
    ### END SOLUTION
    return kl, grad


class TSNE:
    """t-SNE with the exact O(n^2) gradient.

    Gradient descent in two phases, as in the paper: ``exaggeration_iter`` steps on
    ``early_exaggeration * P`` with momentum 0.5, then ``max_iter - exaggeration_iter``
    steps on ``P`` with momentum 0.8.  Each step, per coordinate: the gain grows by 0.2
    where the gradient's sign opposes the previous update and shrinks by a factor 0.8
    elsewhere (at least 0.01); ``update = momentum * update - learning_rate * gain * grad``;
    ``Y += update``.  Updates and gains start at zero and one in each phase.

    Parameters
    ----------
    perplexity : float, default=30.0
    early_exaggeration : float, default=12.0
    learning_rate : float or "auto", default="auto"
        ``"auto"`` is ``max(n_samples / early_exaggeration / 4, 50)``.
    max_iter : int, default=500
    exaggeration_iter : int, default=250
    init : {"random", "pca"}, default="random"
        ``"random"``: ``1e-4 * rng.standard_normal((n, 2))``; ``"pca"``: the first two
        principal-component scores scaled to a standard deviation of ``1e-4`` along the first.
    random_state : int, default=0
        Seed of ``np.random.default_rng``.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, 2)
    kl_divergence_ : float
    """

    def __init__(self, perplexity=30.0, *, early_exaggeration=12.0, learning_rate="auto",
                 max_iter=500, exaggeration_iter=250, init="random", random_state=0):
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.exaggeration_iter = exaggeration_iter
        self.init = init
        self.random_state = random_state

    def _initial_embedding(self, X):
        if self.init == "pca":
            Xc = X - X.mean(axis=0)
            U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
            U = U * np.sign(Vt[np.arange(len(Vt)), np.argmax(np.abs(Vt), axis=1)])
            Y = U[:, :2] * S[:2]
            return Y / np.std(Y[:, 0]) * 1e-4
        return 1e-4 * np.random.default_rng(self.random_state).standard_normal((len(X), 2))

    def _descend(self, Y, P, n_steps, momentum, learning_rate):
        """``n_steps`` steps of gradient descent with momentum and gains; returns Y and the KL."""
        update = np.zeros_like(Y)
        gains = np.ones_like(Y)
        kl = np.inf
        ### BEGIN SOLUTION
        for _ in range(n_steps):
            kl, grad = kl_and_gradient(Y, P)
            opposed = update * grad < 0.0
            gains = np.maximum(np.where(opposed, gains + 0.2, gains * 0.8), 0.01)
            update = momentum * update - learning_rate * gains * grad
            Y = Y + update
        ### END SOLUTION
        return Y, kl

    def fit_transform(self, X, y=None):
        """Embed ``X`` in two dimensions; returns ``embedding_``."""
        X = np.asarray(X, dtype=float)
        n = len(X)
        if not 0 < self.perplexity < n:
            raise ValueError(f"perplexity ({self.perplexity}) must be less than n_samples ({n})")
        if self.init not in ("random", "pca"):
            raise ValueError(f"init must be 'random' or 'pca', got {self.init!r}")
        lr = (max(n / self.early_exaggeration / 4, 50) if self.learning_rate == "auto"
              else float(self.learning_rate))
        ### BEGIN SOLUTION
        P = np.maximum(joint_probabilities(X, self.perplexity), MACHINE_EPSILON)
        np.fill_diagonal(P, 0.0)
        Y = self._initial_embedding(X)
        Y, _ = self._descend(Y, self.early_exaggeration * P, self.exaggeration_iter, 0.5, lr)
        Y, kl = self._descend(Y, P, self.max_iter - self.exaggeration_iter, 0.8, lr)
        ### END SOLUTION
        self.embedding_ = Y
        self.kl_divergence_ = kl
        return Y

    def fit(self, X, y=None):
        """Embed ``X`` (see :meth:`fit_transform`); returns self."""
        self.fit_transform(X)
        return self


def perplexity_scan(X, perplexities, n_neighbors=30, max_iter=500, random_state=0):
    """Trustworthiness (with ``n_neighbors``) of your t-SNE embedding of ``X`` for each
    perplexity (``TSNE(perplexity, max_iter=max_iter, random_state=random_state)``).

    Returns
    -------
    scores : ndarray of shape (len(perplexities),)
    """
    X = np.asarray(X, dtype=float)
    ### BEGIN SOLUTION
    scores = [trustworthiness(X, TSNE(p, max_iter=max_iter, random_state=random_state).fit_transform(X),
                              n_neighbors) for p in perplexities]
    return np.array(scores)
    ### END SOLUTION
