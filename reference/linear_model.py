"""Linear models: least squares, ridge, lasso, logistic regression, perceptron.

Notation: ``X`` has shape (n, d), weights ``w`` shape (d,), intercept ``b``; predictions
``f = X w + b``. Where an intercept is fitted by a closed form we centre ``X`` and ``y``
first, solve for ``w`` without intercept, then recover :math:`b = \\bar y - \\bar x^T w`
(so the intercept is never penalised, as in scikit-learn).
"""
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["LinearRegression", "Ridge", "Lasso", "LogisticRegression", "Perceptron"]


def _rng(random_state):
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _center(X, y, fit_intercept):
    """Column means of X and y (zeros without intercept) and the centred arrays."""
    if fit_intercept:
        x_mean, y_mean = X.mean(axis=0), y.mean(axis=0)
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), np.zeros(y.shape[1:])
    return X - x_mean, y - y_mean, x_mean, y_mean


# ====================================================================== regression
class LinearRegression(RegressorMixin, BaseEstimator):
    r"""Ordinary least squares, solved four ways.

    Minimises the mean loss :math:`L(w, b) = \frac1n \sum_i \ell(x_i^T w + b - y_i)` with
    :math:`\ell(r) = r^2` (``loss="squared_error"``) or the Huber loss
    (``loss="huber"``, gradient solvers only).

    Solvers
    -------
    ``"normal"``
        Normal equations :math:`X^T X w = X^T y` (solved by least squares, so a
        rank-deficient :math:`X` still gives the minimum-norm solution).
    ``"gd"``
        Batch gradient descent: :math:`w \leftarrow w - \eta \nabla L` on all samples.
    ``"sgd"``
        Stochastic gradient descent: one sample per update, shuffled every epoch.
    ``"minibatch"``
        Mini-batch gradient descent: ``batch_size`` samples per update.

    Parameters
    ----------
    fit_intercept : bool, default=True
    solver : {"normal", "gd", "sgd", "minibatch"}, default="normal"
    loss : {"squared_error", "huber"}, default="squared_error"
    epsilon : float, default=1.35
        Huber threshold :math:`\delta` (in units of the target).
    learning_rate : float, default=0.01
        Step size :math:`\eta` of the gradient solvers.
    max_iter : int, default=1000
        Number of epochs (full passes over the data) of the gradient solvers.
    batch_size : int, default=32
        Samples per update for ``"minibatch"``.
    tol : float or None, default=1e-6
        Stop when the epoch loss improves by less than ``tol``. None: run all epochs.
    random_state : int, RandomState or None, default=None
        Shuffling and initialisation of the gradient solvers.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    loss_history_ : list of float
        Training loss after every epoch (gradient solvers; one entry for ``"normal"``).
    n_iter_ : int
        Epochs run.
    """

    def __init__(self, *, fit_intercept=True, solver="normal", loss="squared_error",
                 epsilon=1.35, learning_rate=0.01, max_iter=1000, batch_size=32, tol=1e-6,
                 random_state=None):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.loss = loss
        self.epsilon = epsilon
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _check_params(self):
        if self.solver not in ("normal", "gd", "sgd", "minibatch"):
            raise ValueError(f"solver must be 'normal', 'gd', 'sgd' or 'minibatch', got {self.solver!r}")
        if self.loss not in ("squared_error", "huber"):
            raise ValueError(f"loss must be 'squared_error' or 'huber', got {self.loss!r}")
        if self.loss == "huber" and self.solver == "normal":
            raise ValueError("loss='huber' needs a gradient solver ('gd', 'sgd' or 'minibatch')")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if not (isinstance(self.batch_size, (int, np.integer)) and self.batch_size >= 1):
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if not self.epsilon > 0:
            raise ValueError(f"epsilon must be positive, got {self.epsilon!r}")

    def _loss(self, r):
        """Mean loss of residuals ``r = f - y`` (summed over targets)."""
        ### BEGIN SOLUTION
        if self.loss == "squared_error":
            return float(np.mean(np.sum(r ** 2, axis=1)))
        a, d = np.abs(r), self.epsilon
        return float(np.mean(np.sum(np.where(a <= d, 0.5 * r ** 2, d * (a - 0.5 * d)), axis=1)))
        ### END SOLUTION

    def _loss_grad(self, r):
        """Derivative of the mean loss with respect to the predictions ``f``."""
        ### BEGIN SOLUTION
        if self.loss == "squared_error":
            return 2.0 * r / r.shape[0]
        return np.clip(r, -self.epsilon, self.epsilon) / r.shape[0]
        ### END SOLUTION

    def fit(self, X, y):
        """Fit the model to ``X`` (n_samples, n_features) and ``y`` (n_samples[, n_targets])."""
        self._check_params()
        X, y = validate_data(self, X, y, y_numeric=True, multi_output=True, dtype=np.float64)
        one_target = y.ndim == 1
        Y = y.reshape(len(y), -1)
        if self.solver == "normal":
            W, b = self._fit_normal(X, Y)
        else:
            W, b = self._fit_gradient(X, Y)
        self.coef_ = W.T[0] if one_target else W.T
        self.intercept_ = float(b[0]) if one_target else b
        return self

    def _fit_normal(self, X, Y):
        Xc, Yc, x_mean, y_mean = _center(X, Y, self.fit_intercept)
        ### BEGIN SOLUTION
        # normal equations X^T X w = X^T y; lstsq also handles a singular X^T X
        W = np.linalg.lstsq(Xc, Yc, rcond=None)[0]
        b = y_mean - x_mean @ W
        self.loss_history_ = [self._loss(X @ W + b - Y)]
        self.n_iter_ = 1
        ### END SOLUTION
        return W, b

    def _fit_gradient(self, X, Y):
        n, d = X.shape
        rng = _rng(self.random_state)
        W = np.zeros((d, Y.shape[1]))
        b = np.zeros(Y.shape[1])
        batch = {"gd": n, "sgd": 1, "minibatch": self.batch_size}[self.solver]
        self.loss_history_ = []
        ### BEGIN SOLUTION
        for epoch in range(self.max_iter):
            order = rng.permutation(n) if batch < n else np.arange(n)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                g = self._loss_grad(X[idx] @ W + b - Y[idx])  # dL/df on the batch
                W -= self.learning_rate * (X[idx].T @ g)
                if self.fit_intercept:
                    b -= self.learning_rate * g.sum(axis=0)
            with np.errstate(over="ignore", invalid="ignore"):
                loss = self._loss(X @ W + b - Y)
            if not np.isfinite(loss):
                raise ValueError(f"gradient descent diverged at epoch {epoch + 1}: "
                                 "lower learning_rate or standardise X")
            self.loss_history_.append(loss)
            if (self.tol is not None and epoch > 0
                    and abs(self.loss_history_[-2] - loss) < self.tol):
                break
        ### END SOLUTION
        self.n_iter_ = len(self.loss_history_)
        return W, b

    def predict(self, X):
        """Predictions :math:`X w + b`."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        return X @ np.asarray(self.coef_).T + self.intercept_
        ### END SOLUTION


class Ridge(RegressorMixin, BaseEstimator):
    r"""Least squares with an L2 penalty (Tikhonov regularisation).

    Minimises scikit-learn's objective

    .. math:: \|y - X w - b\|_2^2 + \alpha \|w\|_2^2

    whose solution (on centred data) is :math:`w = (X^T X + \alpha I)^{-1} X^T y`.

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept : bool, default=True

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Solve the regularised normal equations."""
        if not np.isscalar(self.alpha) or self.alpha < 0:
            raise ValueError(f"alpha must be a non-negative number, got {self.alpha!r}")
        X, y = validate_data(self, X, y, y_numeric=True, multi_output=True, dtype=np.float64)
        one_target = y.ndim == 1
        Y = y.reshape(len(y), -1)
        Xc, Yc, x_mean, y_mean = _center(X, Y, self.fit_intercept)
        ### BEGIN SOLUTION
        A = Xc.T @ Xc + self.alpha * np.eye(X.shape[1])
        W = np.linalg.lstsq(A, Xc.T @ Yc, rcond=None)[0] if self.alpha == 0 else np.linalg.solve(A, Xc.T @ Yc)
        b = y_mean - x_mean @ W
        ### END SOLUTION
        self.coef_ = W.T[0] if one_target else W.T
        self.intercept_ = float(b[0]) if one_target else b
        return self

    def predict(self, X):
        """Predictions :math:`X w + b`."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        return X @ np.asarray(self.coef_).T + self.intercept_
        ### END SOLUTION


def soft_threshold(z, t):
    r"""Soft-thresholding :math:`S(z, t) = \operatorname{sign}(z) \max(|z| - t, 0)`: the proximal map of :math:`t|w|`."""
    ### BEGIN SOLUTION
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)
    ### END SOLUTION


class Lasso(RegressorMixin, BaseEstimator):
    r"""Least squares with an L1 penalty, by cyclic coordinate descent.

    Minimises scikit-learn's objective

    .. math:: \frac{1}{2n} \|y - X w - b\|_2^2 + \alpha \|w\|_1 .

    Holding all weights but :math:`w_j` fixed, the minimiser is
    :math:`w_j = S(\frac1n x_j^T r_{(j)}, \alpha) / (\frac1n x_j^T x_j)` where
    :math:`r_{(j)}` is the residual without feature ``j`` and ``S`` the soft threshold.
    Weights set exactly to zero give a sparse model.

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Maximum number of sweeps over the features.
    tol : float, default=1e-4
        Stop when the largest weight change in a sweep is below ``tol`` times the largest weight.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, max_iter=1000, tol=1e-4):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        """Run coordinate descent."""
        if not np.isscalar(self.alpha) or self.alpha < 0:
            raise ValueError(f"alpha must be a non-negative number, got {self.alpha!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        Xc, yc, x_mean, y_mean = _center(X, y, self.fit_intercept)
        n, d = X.shape
        ### BEGIN SOLUTION
        col_sq = (Xc ** 2).sum(axis=0) / n  # (1/n) x_j^T x_j
        w = np.zeros(d)
        r = yc.copy()  # residual y - X w
        for it in range(1, self.max_iter + 1):
            max_change = 0.0
            for j in range(d):
                if col_sq[j] == 0.0:
                    continue
                w_old = w[j]
                rho = Xc[:, j] @ r / n + col_sq[j] * w_old  # (1/n) x_j^T r_(j)
                w[j] = soft_threshold(rho, self.alpha) / col_sq[j]
                if w[j] != w_old:
                    r -= Xc[:, j] * (w[j] - w_old)
                    max_change = max(max_change, abs(w[j] - w_old))
            if max_change <= self.tol * max(np.abs(w).max(), 1e-12):
                break
        else:
            warnings.warn(f"Lasso did not converge in {self.max_iter} sweeps; "
                          "increase max_iter or tol", UserWarning)
        self.n_iter_ = it
        self.coef_ = w
        self.intercept_ = float(y_mean - x_mean @ w)
        ### END SOLUTION
        return self

    def predict(self, X):
        """Predictions :math:`X w + b`."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        return X @ self.coef_ + self.intercept_
        ### END SOLUTION


# ====================================================================== classification
def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _class_sample_weights(class_weight, classes, y_idx):
    """Per-sample weights from ``class_weight`` (None, "balanced" or {label: weight})."""
    if class_weight is None:
        return np.ones(len(y_idx))
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")
        counts = np.bincount(y_idx, minlength=len(classes))
        per_class = len(y_idx) / (len(classes) * np.maximum(counts, 1))
    elif isinstance(class_weight, dict):
        per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes])
    else:
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")
    return per_class[y_idx]


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression: linear logits, sigmoid (binary) or softmax (multiclass).

    Minimises scikit-learn's objective, a (class-)weighted cross-entropy plus an L2 penalty
    on the weights (never on the intercept):

    .. math::
        J(w, b) = C \sum_i s_i \, \mathrm{CE}(y_i, \sigma(x_i^T w + b)) + \tfrac12 \|w\|_2^2

    with :math:`s_i` the weight of sample ``i``'s class (``class_weight``) and
    :math:`\mathrm{CE}(y, p) = -y \log p - (1 - y)\log(1 - p)`. For ``K > 2`` classes
    the sigmoid becomes a softmax over ``K`` logits (multinomial regression).

    Solvers
    -------
    ``"lbfgs"``
        Quasi-Newton (scipy's L-BFGS-B) on :math:`J` and its gradient; binary and multiclass.
    ``"newton"``
        Newton's method = iteratively reweighted least squares, binary only:
        :math:`\theta \leftarrow \theta - H^{-1} \nabla J` with
        :math:`H = X^T \operatorname{diag}(C s_i p_i (1-p_i)) X + I`.
    ``"gd"``
        Plain gradient descent on :math:`J / (C \sum_i s_i)` with step ``learning_rate``.

    Parameters
    ----------
    penalty : {"l2", None}, default="l2"
    C : float, default=1.0
        Inverse regularisation strength (larger = weaker penalty).
    fit_intercept : bool, default=True
    class_weight : None, "balanced" or dict, default=None
        "balanced" weighs class ``k`` by ``n / (K n_k)``: a weighted cross-entropy.
    solver : {"lbfgs", "newton", "gd"}, default="lbfgs"
    max_iter : int, default=100
    tol : float, default=1e-4
    learning_rate : float, default=0.1
        Step size of ``solver="gd"``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
    """

    def __init__(self, penalty="l2", *, C=1.0, fit_intercept=True, class_weight=None,
                 solver="lbfgs", max_iter=100, tol=1e-4, learning_rate=0.1):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate

    def _check_params(self):
        if self.penalty not in ("l2", None):
            raise ValueError(f"penalty must be 'l2' or None, got {self.penalty!r}")
        if not (np.isscalar(self.C) and self.C > 0):
            raise ValueError(f"C must be positive, got {self.C!r}")
        if self.solver not in ("lbfgs", "newton", "gd"):
            raise ValueError(f"solver must be 'lbfgs', 'newton' or 'gd', got {self.solver!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")

    def _objective(self, theta, X1, Y, s):
        """Objective J(theta) / sum(s) and its gradient.

        ``theta`` holds a (d+1, K) matrix (last row: intercepts), ``X1`` is X with a column
        of ones, ``Y`` the one-hot (K > 1 columns) or 0/1 (one column) targets.
        """
        K = Y.shape[1]
        T = theta.reshape(X1.shape[1], K)
        lam = 0.0 if self.penalty is None else 1.0 / (self.C * s.sum())
        ### BEGIN SOLUTION
        Z = X1 @ T
        if K == 1:  # sigmoid cross-entropy, -[y log s(z) + (1-y) log s(-z)]
            z = Z[:, 0]
            ce = np.logaddexp(0.0, z) - Y[:, 0] * z
            G = (_sigmoid(z) - Y[:, 0])[:, None]
        else:  # softmax cross-entropy, log sum exp(z) - z_y
            zmax = Z.max(axis=1, keepdims=True)
            lse = (zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True)))[:, 0]
            ce = lse - (Z * Y).sum(axis=1)
            G = _softmax(Z) - Y
        W = T[:-1]
        value = (s @ ce) / s.sum() + 0.5 * lam * np.sum(W ** 2)
        grad = X1.T @ (G * s[:, None]) / s.sum()
        grad[:-1] += lam * W
        if not self.fit_intercept:
            grad[-1] = 0.0
        ### END SOLUTION
        return value, grad.ravel()

    def fit(self, X, y):
        """Fit the weights by minimising the regularised cross-entropy."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(f"LogisticRegression needs samples of at least 2 classes; got 1 class ({self.classes_[0]!r})")
        if self.solver == "newton" and K > 2:
            raise ValueError("solver='newton' supports two classes only; use 'lbfgs' or 'gd'")
        s = _class_sample_weights(self.class_weight, self.classes_, y_idx)
        X1 = np.hstack([X, np.ones((X.shape[0], 1))])
        Y = (y_idx[:, None] == 1).astype(float) if K == 2 else np.eye(K)[y_idx]
        theta = np.zeros(X1.shape[1] * Y.shape[1])
        ### BEGIN SOLUTION
        if self.solver == "lbfgs":
            res = minimize(self._objective, theta, args=(X1, Y, s), jac=True, method="L-BFGS-B",
                           options={"maxiter": self.max_iter, "gtol": self.tol, "ftol": 1e-64})
            theta, self.n_iter_ = res.x, int(res.nit)
        elif self.solver == "newton":
            theta = self._newton(theta, X1, Y, s)
        else:
            for self.n_iter_ in range(1, self.max_iter + 1):
                _, grad = self._objective(theta, X1, Y, s)
                theta = theta - self.learning_rate * grad
                if np.max(np.abs(grad)) < self.tol:
                    break
        ### END SOLUTION
        T = theta.reshape(X1.shape[1], Y.shape[1])
        self.coef_ = T[:-1].T.copy()
        self.intercept_ = T[-1].copy() if self.fit_intercept else np.zeros(Y.shape[1])
        return self

    def _newton(self, theta, X1, Y, s):
        """Newton / IRLS iterations for the binary problem."""
        d1 = X1.shape[1]
        lam = 0.0 if self.penalty is None else 1.0 / (self.C * s.sum())
        reg = lam * np.eye(d1)
        reg[-1, -1] = 0.0  # the intercept is not penalised
        ### BEGIN SOLUTION
        for self.n_iter_ in range(1, self.max_iter + 1):
            _, grad = self._objective(theta, X1, Y, s)
            p = _sigmoid(X1 @ theta)
            H = (X1.T * (s * p * (1 - p))) @ X1 / s.sum() + reg
            if not self.fit_intercept:
                H[-1, :] = 0.0
                H[:, -1] = 0.0
                H[-1, -1] = 1.0
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
            theta = theta - step
            if np.max(np.abs(grad)) < self.tol * 1e-2 or np.max(np.abs(step)) < 1e-12:
                break
        ### END SOLUTION
        return theta

    def decision_function(self, X):
        """Logits :math:`X w + b`: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z
        ### END SOLUTION

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        ### BEGIN SOLUTION
        Z = self.decision_function(X)
        if Z.ndim == 1:
            p = _sigmoid(Z)
            return np.column_stack([1 - p, p])
        return _softmax(Z)
        ### END SOLUTION

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class."""
        ### BEGIN SOLUTION
        Z = self.decision_function(X)
        idx = (Z > 0).astype(int) if Z.ndim == 1 else Z.argmax(axis=1)
        return self.classes_[idx]
        ### END SOLUTION


class Perceptron(ClassifierMixin, BaseEstimator):
    r"""Linear classifier trained sample by sample: the perceptron rule or the hinge loss.

    With labels :math:`t_i \in \{-1, +1\}` and score :math:`s_i = x_i^T w + b`:

    ``loss="perceptron"`` (Rosenblatt)
        if :math:`t_i s_i \le 0` (a mistake): :math:`w \leftarrow w + \eta\, t_i x_i`,
        :math:`b \leftarrow b + \eta\, t_i`. This is SGD on :math:`\max(0, -t s)`.
    ``loss="hinge"`` (linear SVM by SGD)
        if :math:`t_i s_i < 1` (inside the margin) the same update; every step also shrinks
        :math:`w \leftarrow (1 - \eta\alpha) w` (L2 penalty ``alpha``).

    More than two classes are handled one-vs-rest: one weight vector per class, the
    predicted class is the one with the largest score.

    Parameters
    ----------
    loss : {"perceptron", "hinge"}, default="perceptron"
    alpha : float, default=0.0
        L2 penalty (hinge loss only).
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float or None, default=1e-3
        Stop when the epoch loss has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    n_iter_no_change : int, default=5
    shuffle : bool, default=True
    eta0 : float, default=1.0
        Learning rate :math:`\eta`.
    random_state : int, RandomState or None, default=0

    Attributes
    ----------
    classes_ : ndarray
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
    """

    def __init__(self, *, loss="perceptron", alpha=0.0, fit_intercept=True, max_iter=1000,
                 tol=1e-3, n_iter_no_change=5, shuffle=True, eta0=1.0, random_state=0):
        self.loss = loss
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.eta0 = eta0
        self.random_state = random_state

    def _binary_fit(self, X, t, rng):
        """Train one +-1 problem; returns (w, b, epochs)."""
        n, d = X.shape
        w, b = np.zeros(d), 0.0
        margin = 0.0 if self.loss == "perceptron" else 1.0
        best, stall = np.inf, 0
        ### BEGIN SOLUTION
        for epoch in range(1, self.max_iter + 1):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            if self.loss == "hinge" and self.alpha > 0:
                for i in order:  # weight decay changes w at every step
                    s = X[i] @ w + b
                    w *= 1.0 - self.eta0 * self.alpha
                    if t[i] * s < margin:
                        w += self.eta0 * t[i] * X[i]
                        b += self.eta0 * t[i] * self.fit_intercept
            else:
                b = self._sequential_pass(X[order], t[order], w, b, margin)
            scores = t * (X @ w + b)
            loss = np.mean(np.maximum(0.0, margin - scores))
            if margin == 0.0 and np.all(scores > 0):
                break  # separable and no mistakes left
            if self.tol is not None:
                if loss > best - self.tol:
                    stall += 1
                    if stall >= self.n_iter_no_change:
                        break
                else:
                    stall = 0
                best = min(best, loss)
        ### END SOLUTION
        return w, b, epoch

    def _sequential_pass(self, X, t, w, b, margin, block=64):
        r"""One pass of the update rule over the samples in order; updates ``w`` in place, returns ``b``.

        The rule is the sample-by-sample loop ``for i: if t_i s_i <= margin: update``
        (``<`` for the hinge), and the plain loop is a correct answer.  This one runs the
        same arithmetic faster, rewritten twice:

        * with the signed, augmented sample :math:`u_i = t_i\,[x_i, 1]` and :math:`v = [w, b]`,
          the margin is :math:`t_i s_i = u_i \cdot v` and an update is
          :math:`v \leftarrow v + \eta\, u_i`;
        * so an update at sample :math:`i` moves the margin of every other sample :math:`j`
          by :math:`\eta\, u_i \cdot u_j`, an entry of the Gram matrix.  Within a block of
          samples the margins are computed once; each mistake adds its row of the block's
          Gram matrix to them, and :math:`v` changes once per block, by :math:`\eta` times
          the sum of the block's mistakes.
        """
        ### BEGIN SOLUTION
        U, v = t[:, None] * X, w.copy()                     # signed samples t_i x_i
        if self.fit_intercept:                              # b is the weight of a feature 1
            U, v = np.column_stack([U, t]), np.append(w, b)
        # a mistake: m < 1 for the hinge; m <= 0 for the perceptron, i.e. m < the
        # smallest positive float
        limit = margin if margin > 0 else np.nextafter(0.0, 1.0)
        for start in range(0, len(t), block):
            Ub = U[start:start + block]
            m = Ub @ v                                      # margins t_j s_j at the block start
            gram = self.eta0 * (Ub @ Ub.T)                  # gram[i, j]: margin j moves by it
            mistakes = []
            for j in range(len(m)):
                if m.item(j) < limit:                       # m[j], as a Python float: quicker
                    mistakes.append(j)
                    m += gram[j]                            # the update at j, seen by j+1, ...
            if mistakes:
                v += self.eta0 * Ub[mistakes].sum(axis=0)
        w[:] = v[:len(w)]
        if self.fit_intercept:
            b = float(v[-1])
        ### END SOLUTION
        return b

    def fit(self, X, y):
        """Fit one-vs-rest linear classifiers."""
        if self.loss not in ("perceptron", "hinge"):
            raise ValueError(f"loss must be 'perceptron' or 'hinge', got {self.loss!r}")
        if not self.eta0 > 0:
            raise ValueError(f"eta0 must be positive, got {self.eta0!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"Perceptron needs samples of at least 2 classes; got 1 class ({self.classes_[0]!r})")
        rng = _rng(self.random_state)
        positives = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        coefs, intercepts, iters = [], [], []
        for k in positives:
            t = np.where(y_idx == k, 1.0, -1.0)
            w, b, it = self._binary_fit(X, t, rng)
            coefs.append(w)
            intercepts.append(b)
            iters.append(it)
        self.coef_ = np.array(coefs)
        self.intercept_ = np.array(intercepts)
        self.n_iter_ = max(iters)
        return self

    def decision_function(self, X):
        """Scores :math:`X w + b`: (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ### BEGIN SOLUTION
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z
        ### END SOLUTION

    def predict(self, X):
        """Sign of the score (two classes) or the class with the largest score."""
        ### BEGIN SOLUTION
        Z = self.decision_function(X)
        idx = (Z > 0).astype(int) if Z.ndim == 1 else Z.argmax(axis=1)
        return self.classes_[idx]
        ### END SOLUTION
