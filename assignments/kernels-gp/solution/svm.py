"""Support vector classification trained by sequential minimal optimisation (SMO).

Assignment "kernels-gp", part 1: a two-class soft-margin SVM from scratch, and the choice
of its hyper-parameters ``C`` and ``gamma`` by cross-validation.

The soft-margin SVM solves the dual problem (labels ``y_i`` in {-1, +1}):

.. math::

    \\min_\\alpha \\; \\tfrac12 \\alpha^T Q \\alpha - \\mathbf 1^T \\alpha,
    \\qquad Q_{ij} = y_i y_j K(x_i, x_j), \\quad 0 \\le \\alpha_i \\le C, \\quad y^T\\alpha = 0,

and predicts with :math:`f(x) = \\sum_i \\alpha_i y_i K(x_i, x) + b`.  Samples with
:math:`\\alpha_i > 0` are the *support vectors*: the points on or inside the margin.

SMO (Platt 1998) changes two multipliers at a time, which keeps :math:`y^T\\alpha = 0` and
has a closed-form solution.  The pair is chosen as in LIBSVM (Fan, Chen & Lin 2005): ``i``
is the sample that violates the optimality conditions most, ``j`` the one that gives the
largest decrease of the objective with ``i``.  We stop when the violation is below ``tol``.

Functions and classes
---------------------
linear_kernel, polynomial_kernel, rbf_kernel
    Kernel matrices between the rows of two arrays.
smo(K, y, C, tol, max_iter)
    The SMO solver of one binary dual problem.
SVC
    The classifier (two classes), scikit-learn style.
cross_validated_accuracy(X, y, Cs, gammas, n_splits, random_state)
    Mean k-fold validation accuracy of an RBF ``SVC`` for every ``(C, gamma)``.
select_svc(X, y, Cs, gammas, n_splits, random_state)
    The ``(C, gamma)`` with the best cross-validated accuracy.
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

TAU = 1e-12  # guards a zero curvature (repeated points)


# ----------------------------------------------------------------------------------------
# Kernels
# ----------------------------------------------------------------------------------------
def linear_kernel(X, Z):
    """``K(x, z) = x . z`` for all pairs of rows, shape (len(X), len(Z))."""
    return np.asarray(X, dtype=float) @ np.asarray(Z, dtype=float).T


def polynomial_kernel(X, Z, degree=3, gamma=1.0, coef0=0.0):
    """``K(x, z) = (gamma x . z + coef0) ** degree`` for all pairs of rows."""
    X, Z = np.asarray(X, dtype=float), np.asarray(Z, dtype=float)
    ### BEGIN SOLUTION
    return (gamma * (X @ Z.T) + coef0) ** degree
    ### END SOLUTION


def rbf_kernel(X, Z, gamma=1.0):
    """``K(x, z) = exp(-gamma |x - z|^2)`` (Gaussian / radial basis function kernel).

    Use ``|x - z|^2 = |x|^2 + |z|^2 - 2 x . z`` (one matrix product) and clip the tiny
    negative values that rounding can produce.
    """
    X, Z = np.asarray(X, dtype=float), np.asarray(Z, dtype=float)
    ### BEGIN SOLUTION
    sq_dist = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.exp(-gamma * np.maximum(sq_dist, 0.0))
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# The SMO solver for one binary problem
# ----------------------------------------------------------------------------------------
def smo(K, y, C=1.0, tol=1e-3, max_iter=-1):
    """Solve the binary SVM dual with SMO (LIBSVM's working-set selection).

    Keep the gradient of the dual objective, ``G = Q alpha - 1`` (start: alpha = 0,
    G = -1), and ``v = -y G``.  The index sets

    - ``I_up``  = {t : (y_t = +1 and alpha_t < C) or (y_t = -1 and alpha_t > 0)},
    - ``I_low`` = {t : (y_t = +1 and alpha_t > 0) or (y_t = -1 and alpha_t < C)}

    hold the multipliers that may move so that ``y_t alpha_t`` grows (shrinks).  Each step:

    1. ``i = argmax_{I_up} v``; stop when ``v_i - min_{I_low} v < tol`` (KKT conditions
       met to ``tol``).
    2. Among ``t`` in ``I_low`` with ``b_t = v_i - v_t > 0``, pick ``j`` maximising
       ``b_t^2 / a_t`` with ``a_t = K_ii + K_tt - 2 K_it`` (at least ``TAU``).
    3. Step ``t = min(b_j / a_j, t_max)``, where ``t_max`` keeps both multipliers in
       ``[0, C]``; ``alpha_i += y_i t``, ``alpha_j -= y_j t``, and update ``G`` by
       ``t y (K[:, i] - K[:, j])``.

    The intercept is the mean of ``v`` over the free support vectors
    (``0 < alpha < C``), or, if there are none, the midpoint of ``max_{I_up} v`` and
    ``min_{I_low} v``.

    Parameters
    ----------
    K : ndarray of shape (n, n)
        Kernel matrix of the training samples.
    y : ndarray of shape (n,)
        Labels in {-1, +1}.
    C : float
        Box constraint (inverse regularisation strength).
    tol : float
        Stopping tolerance on the KKT violation.
    max_iter : int
        Maximum number of pair updates; -1 for no limit.

    Returns
    -------
    alpha : ndarray of shape (n,)
    b : float
        Intercept.
    n_iter : int
    """
    K = np.asarray(K, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    alpha = np.zeros(n)
    G = -np.ones(n)            # gradient of the dual objective, Q alpha - 1
    diagK = np.diag(K)
    n_iter = 0
    ### BEGIN SOLUTION
    while max_iter < 0 or n_iter < max_iter:
        v = -y * G
        up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))
        low = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))
        i = np.flatnonzero(up)[np.argmax(v[up])]
        m_up, m_low = v[i], v[low].min()
        if m_up - m_low < tol:
            break
        # second-order choice of j: largest decrease b^2 / a among violating partners
        b = m_up - v
        a = np.maximum(diagK[i] + diagK - 2 * K[i], TAU)
        candidates = low & (b > 0)
        j = np.flatnonzero(candidates)[np.argmax((b**2 / a)[candidates])]
        # move alpha_i by +y_i t and alpha_j by -y_j t (keeps y . alpha fixed)
        t_max = min(C - alpha[i] if y[i] > 0 else alpha[i],
                    alpha[j] if y[j] > 0 else C - alpha[j])
        t = min(b[j] / a[j], t_max)
        alpha[i] += y[i] * t
        alpha[j] -= y[j] * t
        G += t * y * (K[:, i] - K[:, j])
        n_iter += 1

    # intercept: b = -y_t G_t on free support vectors (0 < alpha < C)
    v = -y * G
    free = (alpha > 0) & (alpha < C)
    if free.any():
        intercept = v[free].mean()
    else:
        up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))
        low = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))
        intercept = (v[up].max() + v[low].min()) / 2
    ### END SOLUTION
    return alpha, float(intercept), n_iter


class SVC(ClassifierMixin, BaseEstimator):
    """C-support vector classifier for two classes, trained with :func:`smo`.

    Parameters
    ----------
    C : float, default=1.0
        Penalty of margin violations; larger C means a harder margin.
    kernel : {"linear", "poly", "rbf"}, default="rbf"
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : {"scale"} or float, default="scale"
        Kernel coefficient; ``"scale"`` is ``1 / (n_features * X.var())``.
    coef0 : float, default=0.0
        Constant term of the polynomial kernel.
    tol : float, default=1e-3
        Stopping tolerance on the KKT violation.
    max_iter : int, default=-1
        Maximum SMO steps (-1: no limit).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors in the training set, those of ``classes_[0]``
        first, each group in increasing order (scikit-learn's layout).
    support_vectors_ : ndarray of shape (n_SV, n_features)
    n_support_ : ndarray of shape (2,)
        Number of support vectors of each class.
    dual_coef_ : ndarray of shape (1, n_SV)
        ``y_i alpha_i`` of each support vector; positive entries belong to ``classes_[1]``.
    intercept_ : ndarray of shape (1,)
    n_iter_ : int, SMO steps taken
    """

    def __init__(self, *, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0,
                 tol=1e-3, max_iter=-1):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter

    def _kernel(self, X, Z):
        if self.kernel == "linear":
            return linear_kernel(X, Z)
        if self.kernel == "poly":
            return polynomial_kernel(X, Z, self.degree, self._gamma, self.coef0)
        return rbf_kernel(X, Z, self._gamma)

    def fit(self, X, y):
        """Solve the dual with SMO and keep the support vectors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), two distinct labels

        Returns
        -------
        self
        """
        if self.kernel not in ("linear", "poly", "rbf"):
            raise ValueError(f"kernel must be 'linear', 'poly' or 'rbf', got {self.kernel!r}")
        if not (isinstance(self.C, numbers.Real) and self.C > 0):
            raise ValueError(f"C must be a positive float, got {self.C!r}")
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        if X.ndim != 2 or y.shape != (len(X),):
            raise ValueError(f"expected X of shape (n, k) and y of shape (n,), got {X.shape} and {y.shape}")
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError(f"this SVC handles two classes, got {len(self.classes_)}")
        self.n_features_in_ = X.shape[1]
        if self.gamma == "scale":
            var = X.var()
            self._gamma = 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        elif isinstance(self.gamma, numbers.Real) and self.gamma > 0:
            self._gamma = float(self.gamma)
        else:
            raise ValueError(f"gamma must be 'scale' or a positive float, got {self.gamma!r}")

        y_pm = np.where(encoded == 1, 1.0, -1.0)          # +1 for classes_[1]
        alpha, intercept, self.n_iter_ = smo(self._kernel(X, X), y_pm, self.C, self.tol, self.max_iter)
        sv = alpha > 0
        # scikit-learn's layout: the support vectors of classes_[0] first
        self.support_ = np.concatenate([np.flatnonzero(sv & (encoded == 0)),
                                        np.flatnonzero(sv & (encoded == 1))]).astype(np.int32)
        self.support_vectors_ = X[self.support_]
        self.n_support_ = np.array([np.sum(sv & (encoded == 0)), np.sum(sv & (encoded == 1))], dtype=np.int32)
        self.dual_coef_ = (alpha * y_pm)[self.support_][None, :]
        self.intercept_ = np.array([intercept])
        return self

    def decision_function(self, X):
        """``f(x) = sum_i alpha_i y_i K(x_i, x) + b`` over the support vectors, shape
        (n_samples,); positive means ``classes_[1]``."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {X.shape}, expected (n, {self.n_features_in_})")
        ### BEGIN SOLUTION
        return self._kernel(X, self.support_vectors_) @ self.dual_coef_[0] + self.intercept_[0]
        ### END SOLUTION

    def predict(self, X):
        """Class of each sample: ``classes_[1]`` where the decision function is positive."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


# ----------------------------------------------------------------------------------------
# Choosing C and gamma
# ----------------------------------------------------------------------------------------
def cross_validated_accuracy(X, y, Cs, gammas, n_splits=5, random_state=0):
    """Mean k-fold validation accuracy of ``SVC(kernel="rbf", C=C, gamma=gamma)``.

    Shuffle the rows with ``np.random.default_rng(random_state).permutation``, cut them
    into ``n_splits`` folds with ``np.array_split``, and for each ``(C, gamma)`` average
    over the folds the accuracy on the fold of an SVC trained on the other folds.

    Returns
    -------
    accuracy : ndarray of shape (len(Cs), len(gammas))
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    folds = np.array_split(np.random.default_rng(random_state).permutation(len(y)), n_splits)
    accuracy = np.zeros((len(Cs), len(gammas)))
    ### BEGIN SOLUTION
    for k, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        for a, C in enumerate(Cs):
            for g, gamma in enumerate(gammas):
                model = SVC(kernel="rbf", C=float(C), gamma=float(gamma)).fit(X[train], y[train])
                accuracy[a, g] += np.mean(model.predict(X[val]) == y[val]) / n_splits
    ### END SOLUTION
    return accuracy


def select_svc(X, y, Cs, gammas, n_splits=5, random_state=0):
    """The ``(C, gamma)`` with the highest cross-validated accuracy (the first one in
    row-major order of the grid on ties).

    Returns
    -------
    C, gamma : float, float
    """
    ### BEGIN SOLUTION
    accuracy = cross_validated_accuracy(X, y, Cs, gammas, n_splits, random_state)
    a, g = np.unravel_index(np.argmax(accuracy), accuracy.shape)
    ### END SOLUTION
    return float(Cs[a]), float(gammas[g])
