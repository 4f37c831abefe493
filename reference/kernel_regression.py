"""Kernel smoothers: Nadaraya-Watson and locally linear regression.

Both predict at a query point :math:`x_0` from training points weighted by a kernel of
the scaled distance, :math:`w_i = K(\\|x_i - x_0\\| / h)` with bandwidth :math:`h`:

* Nadaraya-Watson fits a local *constant*: :math:`\\hat f(x_0) = \\sum_i w_i y_i / \\sum_i w_i`.
* Locally linear regression fits a local *line* by weighted least squares and evaluates it
  at :math:`x_0`; this removes the bias of Nadaraya-Watson at the edges of the data.
"""
import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["kernel_weights", "NadarayaWatson", "LocallyLinearRegression"]

KERNELS = ("gaussian", "epanechnikov", "tophat")


def kernel_weights(X_query, X_train, bandwidth, kernel="gaussian"):
    """Kernel weights :math:`K(\\|x_i - x_0\\| / h)`, shape (n_queries, n_train).

    gaussian: :math:`e^{-u^2/2}`; epanechnikov: :math:`\\max(0, 1 - u^2)`;
    tophat: :math:`1` for :math:`u \\le 1`, else 0.
    """
    ### BEGIN SOLUTION
    sq = ((X_query[:, None, :] - X_train[None, :, :]) ** 2).sum(-1)
    u2 = sq / bandwidth ** 2
    if kernel == "gaussian":
        return np.exp(-0.5 * u2)
    if kernel == "epanechnikov":
        return np.maximum(0.0, 1.0 - u2)
    return (u2 <= 1.0).astype(float)
    ### END SOLUTION


class _KernelSmoother(RegressorMixin, BaseEstimator):
    def __init__(self, bandwidth=1.0, *, kernel="gaussian"):
        self.bandwidth = bandwidth
        self.kernel = kernel

    def fit(self, X, y):
        """Store the training data (kernel smoothers are memory-based)."""
        if not (np.isscalar(self.bandwidth) and self.bandwidth > 0):
            raise ValueError(f"bandwidth must be positive, got {self.bandwidth!r}")
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {self.kernel!r}")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        self.X_fit_, self.y_fit_ = X, y
        return self

    def _weights_blocks(self, X):
        """Yield (slice, kernel-weight block) for the queries, in memory-friendly blocks."""
        check_is_fitted(self, "X_fit_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        block = max(1, int(2e6 // (self.X_fit_.shape[0] * X.shape[1])))
        for start in range(0, X.shape[0], block):
            sl = slice(start, start + block)
            yield X[sl], kernel_weights(X[sl], self.X_fit_, self.bandwidth, self.kernel)


class NadarayaWatson(_KernelSmoother):
    """Nadaraya-Watson kernel regression (a kernel-weighted moving average).

    Parameters
    ----------
    bandwidth : float, default=1.0
        Kernel width :math:`h`: small = wiggly (variance), large = smooth (bias).
    kernel : {"gaussian", "epanechnikov", "tophat"}, default="gaussian"

    Attributes
    ----------
    X_fit_, y_fit_ : ndarray
        The stored training data.

    Notes
    -----
    With a compact kernel a query farther than ``bandwidth`` from every training point has
    no weight at all; it then gets the target of its nearest training point.
    """

    def predict(self, X):
        """:math:`\\hat f(x_0) = \\sum_i w_i y_i / \\sum_i w_i`."""
        out = []
        for Xq, W in self._weights_blocks(X):
            ### BEGIN SOLUTION
            total = W.sum(axis=1)
            empty = total == 0
            if empty.any():  # nearest neighbour for queries outside every kernel
                sq = ((Xq[empty, None, :] - self.X_fit_[None]) ** 2).sum(-1)
                W[np.flatnonzero(empty), sq.argmin(axis=1)] = 1.0
                total = W.sum(axis=1)
            out.append(W @ self.y_fit_ / total)
            ### END SOLUTION
        return np.concatenate(out)


class LocallyLinearRegression(_KernelSmoother):
    """Locally linear (kernel-weighted least-squares) regression.

    At every query :math:`x_0` it solves

    .. math:: \\min_{\\beta_0, \\beta} \\sum_i w_i (y_i - \\beta_0 - \\beta^T (x_i - x_0))^2

    and predicts :math:`\\hat f(x_0) = \\beta_0`.

    Parameters
    ----------
    bandwidth : float, default=1.0
    kernel : {"gaussian", "epanechnikov", "tophat"}, default="gaussian"
    ridge : float, default=1e-10
        Tiny ridge on the slope terms so that a query with (almost) no neighbours
        falls back gracefully to a local constant fit.
    """

    def __init__(self, bandwidth=1.0, *, kernel="gaussian", ridge=1e-10):
        super().__init__(bandwidth, kernel=kernel)
        self.ridge = ridge

    def predict(self, X):
        """Intercept of the weighted least-squares line at each query."""
        out = []
        for Xq, W in self._weights_blocks(X):
            ### BEGIN SOLUTION
            # design centred on each query: Z[q, i] = [1, x_i - x0_q]
            D = self.X_fit_[None, :, :] - Xq[:, None, :]
            Z = np.concatenate([np.ones(D.shape[:2] + (1,)), D], axis=2)
            A = np.einsum("qn,qni,qnj->qij", W, Z, Z)
            b = np.einsum("qn,qni,n->qi", W, Z, self.y_fit_)
            scale = np.maximum(np.trace(A, axis1=1, axis2=2), 1e-300)
            reg = np.eye(Z.shape[2]) * self.ridge
            reg[0, 0] = 0.0
            A = A + reg[None] * scale[:, None, None]
            empty = W.sum(axis=1) == 0
            A[empty] = np.eye(Z.shape[2])
            b[empty] = 0.0
            beta = np.linalg.solve(A, b[:, :, None])[:, :, 0]
            pred = beta[:, 0]
            if empty.any():
                sq = ((Xq[empty, None, :] - self.X_fit_[None]) ** 2).sum(-1)
                pred[empty] = self.y_fit_[sq.argmin(axis=1)]
            out.append(pred)
            ### END SOLUTION
        return np.concatenate(out)
