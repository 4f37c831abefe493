"""Support vector classification trained by sequential minimal optimisation (SMO).

The soft-margin SVM solves the dual problem (labels ``y_i`` in {-1, +1}):

.. math::

    \\min_\\alpha \\; \\tfrac12 \\alpha^T Q \\alpha - \\mathbf 1^T \\alpha,
    \\qquad Q_{ij} = y_i y_j K(x_i, x_j), \\quad 0 \\le \\alpha_i \\le C, \\quad y^T\\alpha = 0,

and predicts with :math:`f(x) = \\sum_i \\alpha_i y_i K(x_i, x) + b`.  Samples with
:math:`\\alpha_i > 0` are the *support vectors*.

SMO (Platt 1998) changes two multipliers at a time, which keeps :math:`y^T\\alpha = 0` and
has a closed-form solution.  The pair is chosen as in LIBSVM (Fan, Chen & Lin 2005): ``i``
is the sample that violates the optimality conditions most, ``j`` the one that gives the
largest decrease of the objective with ``i``.  We stop when the violation is below ``tol``.

More than two classes are handled one-vs-one: one binary SVM per pair of classes, and the
class with most votes wins.
"""
import itertools
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y

TAU = 1e-12  # guards a zero curvature (repeated points)


# ----------------------------------------------------------------------------------------
# Kernels
# ----------------------------------------------------------------------------------------
def linear_kernel(X, Z):
    """``K(x, z) = x . z`` for all pairs of rows, shape (len(X), len(Z))."""
    ### BEGIN SOLUTION
    return X @ Z.T
    ### END SOLUTION


def polynomial_kernel(X, Z, degree=3, gamma=1.0, coef0=0.0):
    """``K(x, z) = (gamma x . z + coef0) ** degree``."""
    ### BEGIN SOLUTION
    return (gamma * (X @ Z.T) + coef0) ** degree
    ### END SOLUTION


def rbf_kernel(X, Z, gamma=1.0):
    """``K(x, z) = exp(-gamma |x - z|^2)`` (Gaussian / radial basis function kernel)."""
    ### BEGIN SOLUTION
    sq_dist = (X**2).sum(1)[:, None] + (Z**2).sum(1)[None, :] - 2 * X @ Z.T
    return np.exp(-gamma * np.maximum(sq_dist, 0.0))
    ### END SOLUTION


# ----------------------------------------------------------------------------------------
# The SMO solver for one binary problem
# ----------------------------------------------------------------------------------------
def smo(K, y, C=1.0, tol=1e-3, max_iter=-1):
    """Solve the binary SVM dual with SMO.

    Parameters
    ----------
    K : ndarray of shape (n, n)
        Kernel matrix of the training samples.
    y : ndarray of shape (n,)
        Labels in {-1, +1}.
    C : float
        Box constraint (inverse regularisation strength).
    tol : float
        Stop when ``max_{I_up} -y G - min_{I_low} -y G < tol`` (the KKT violation).
    max_iter : int
        Maximum number of pair updates; -1 for no limit.

    Returns
    -------
    alpha : ndarray of shape (n,)
    b : float
        Intercept.
    n_iter : int
    """
    n = len(y)
    alpha = np.zeros(n)
    G = -np.ones(n)            # gradient of the dual objective, Q alpha - 1
    diagK = np.diag(K)
    n_iter = 0
    ### BEGIN SOLUTION
    while max_iter < 0 or n_iter < max_iter:
        v = -y * G
        # I_up: alpha_t can move so that y_t alpha_t grows; I_low: so that it shrinks
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
    """C-support vector classifier (SMO solver; one-vs-one for more than two classes).

    Parameters
    ----------
    C : float, default=1.0
        Penalty of margin violations; larger C means a harder margin.
    kernel : {"linear", "poly", "rbf"}, default="rbf"
    degree : int, default=3
        Degree of the polynomial kernel.
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient; ``"scale"`` is ``1 / (n_features * X.var())``, ``"auto"`` is
        ``1 / n_features``.
    coef0 : float, default=0.0
        Constant term of the polynomial kernel.
    tol : float, default=1e-3
        Stopping tolerance on the KKT violation.
    max_iter : int, default=-1
        Maximum SMO steps per binary problem (-1: no limit).
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
        Shape of :meth:`decision_function` for more than two classes.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors in the training set (grouped by class).
    support_vectors_ : ndarray of shape (n_SV, n_features)
    n_support_ : ndarray of shape (n_classes,)
    dual_coef_ : ndarray of shape (n_classes - 1, n_SV)
        ``y_i alpha_i`` of each support vector (LIBSVM's layout for several classes).
        For two classes, positive entries belong to ``classes_[1]``.
    intercept_ : ndarray of shape (n_classes * (n_classes - 1) / 2,)
    n_iter_ : ndarray, SMO steps per binary problem
    """

    def __init__(self, *, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0,
                 tol=1e-3, max_iter=-1, decision_function_shape="ovr"):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape

    def _kernel(self, X, Z):
        if self.kernel == "linear":
            return linear_kernel(X, Z)
        if self.kernel == "poly":
            return polynomial_kernel(X, Z, self.degree, self._gamma, self.coef0)
        return rbf_kernel(X, Z, self._gamma)

    def fit(self, X, y):
        """Train one SMO problem per pair of classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        if self.kernel not in ("linear", "poly", "rbf"):
            raise ValueError(f"kernel must be 'linear', 'poly' or 'rbf', got {self.kernel!r}")
        if not (isinstance(self.C, numbers.Real) and self.C > 0):
            raise ValueError(f"C must be a positive float, got {self.C!r}")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError("decision_function_shape must be 'ovr' or 'ovo', "
                             f"got {self.decision_function_shape!r}")
        X, y = check_X_y(X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("SVC needs samples of at least 2 classes; got 1 class.")
        self.n_features_in_ = X.shape[1]
        if self.gamma == "scale":
            var = X.var()
            self._gamma = 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        elif self.gamma == "auto":
            self._gamma = 1.0 / X.shape[1]
        elif isinstance(self.gamma, numbers.Real) and self.gamma > 0:
            self._gamma = float(self.gamma)
        else:
            raise ValueError(f"gamma must be 'scale', 'auto' or a positive float, got {self.gamma!r}")

        K_full = self._kernel(X, X)
        # per pair of classes: (class a, class b, support indices, alpha * y, intercept)
        self._machines = []
        n_iters = []
        for a, b in itertools.combinations(range(len(self.classes_)), 2):
            idx = np.flatnonzero((encoded == a) | (encoded == b))
            y_pm = np.where(encoded[idx] == b, 1.0, -1.0)   # +1 for the later class
            alpha, intercept, n_iter = smo(K_full[np.ix_(idx, idx)], y_pm, self.C,
                                           self.tol, self.max_iter)
            sv = alpha > 0
            self._machines.append((a, b, idx[sv], (alpha * y_pm)[sv], intercept))
            n_iters.append(n_iter)
        self.n_iter_ = np.asarray(n_iters)
        self._pair_sv = [X[idx] for _, _, idx, _, _ in self._machines]
        self._set_support_attributes(X, encoded)
        return self

    def _set_support_attributes(self, X, encoded):
        """Collect support vectors of all pairs, grouped by class as LIBSVM does."""
        is_sv = np.zeros(len(X), dtype=bool)
        for _, _, idx, _, _ in self._machines:
            is_sv[idx] = True
        self.support_ = np.concatenate([np.flatnonzero(is_sv & (encoded == k))
                                        for k in range(len(self.classes_))]).astype(np.int32)
        self.support_vectors_ = X[self.support_]
        self.n_support_ = np.bincount(encoded[self.support_],
                                      minlength=len(self.classes_)).astype(np.int32)
        position = {s: p for p, s in enumerate(self.support_)}
        n_classes = len(self.classes_)
        self.dual_coef_ = np.zeros((n_classes - 1, len(self.support_)))
        intercepts = []
        for a, b, idx, coef, intercept in self._machines:
            if n_classes == 2:
                for s, c in zip(idx, coef):
                    self.dual_coef_[0, position[s]] = c
                intercepts.append(intercept)
            else:  # LIBSVM: class a's coefficients in row b-1, class b's in row a
                for s, c in zip(idx, coef):
                    row = b - 1 if encoded[s] == a else a
                    self.dual_coef_[row, position[s]] = -c       # LIBSVM: +1 is class a
                intercepts.append(-intercept)
        self.intercept_ = np.asarray(intercepts)

    def _check_X(self, X):
        check_is_fitted(self, "support_")
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def _pair_decisions(self, X):
        """``f_ab(x) = sum_i alpha_i y_i K(x_i, x) + b`` for every pair, > 0 means class b."""
        out = []
        for (a, b, idx, coef, intercept), X_sv in zip(self._machines, self._pair_sv):
            ### BEGIN SOLUTION
            out.append(self._kernel(X, X_sv) @ coef + intercept)
            ### END SOLUTION
        return np.column_stack(out)

    def decision_function(self, X):
        """Signed distance-like score.

        Two classes: shape (n_samples,), positive means ``classes_[1]``.  More classes:
        ``"ovo"`` gives one column per pair (positive means the first class of the pair,
        as in scikit-learn); ``"ovr"`` gives votes plus a small confidence term, shape
        (n_samples, n_classes).
        """
        X = self._check_X(X)
        f = self._pair_decisions(X)
        if len(self.classes_) == 2:
            return f[:, 0]
        if self.decision_function_shape == "ovo":
            return -f
        return self._votes(f, with_confidence=True)

    def _votes(self, f, with_confidence=False):
        n_classes = len(self.classes_)
        votes = np.zeros((len(f), n_classes))
        confidence = np.zeros((len(f), n_classes))
        for col, (a, b, *_) in enumerate(self._machines):
            votes[:, b] += f[:, col] > 0
            votes[:, a] += f[:, col] <= 0
            confidence[:, b] += f[:, col]
            confidence[:, a] -= f[:, col]
        if not with_confidence:
            return votes
        # squash the summed confidences into (-1/3, 1/3) so they only break ties
        return votes + confidence / (3 * (np.abs(confidence) + 1))

    def predict(self, X):
        """Class of each sample (majority vote over the pairs for several classes)."""
        X = self._check_X(X)
        f = self._pair_decisions(X)
        if len(self.classes_) == 2:
            return self.classes_[(f[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(self._votes(f), axis=1)]
