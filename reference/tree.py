"""Decision trees (CART) for classification and regression.

A tree is grown greedily from the root.  At every node we look at all candidate splits
``x_j <= t`` (thresholds half-way between consecutive distinct values of feature ``j``) and
keep the one that makes the children purest:

.. math::

    (j^*, t^*) = \\arg\\min_{j, t} \\; W_L\\, H(L) + W_R\\, H(R)

where :math:`W` is the (weighted) number of samples in a child and :math:`H` the impurity:

* Gini: :math:`H = 1 - \\sum_k p_k^2`
* entropy: :math:`H = -\\sum_k p_k \\log_2 p_k`
* squared error: :math:`H = \\frac{1}{W}\\sum_i w_i (y_i - \\bar y)^2`

Growth stops when a node reaches ``max_depth``, has fewer than ``min_samples_split``
samples, is pure, or no split leaves ``min_samples_leaf`` samples on each side.

The split search is vectorised: each feature is sorted once per node and cumulative sums
give the class counts (or the sums of ``y``) left of every candidate threshold at once.
A node is described by such sums alone (its *statistics*), so the best split also hands
each child its statistics: the left child's are a row of the cumulative sums, the right
child's the node's minus the left child's.  Nothing is summed twice.

A fully grown tree has thousands of nodes, most of them holding a handful of samples, so
the time goes into numpy's cost per call rather than into arithmetic.  That is why the
split search writes ``a.take(i, axis=0)`` (the same as ``a[i]``, a few times faster on
small arrays) and why leaf values are computed for all nodes at once after growth.

Example
-------
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> DecisionTreeClassifier(max_depth=2).fit(X, y).get_depth()
2
"""
import math
import numbers
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    check_random_state,
    check_X_y,
)

# Two feature values closer than this are treated as equal (as in scikit-learn).
FEATURE_THRESHOLD = 1e-7
EPSILON = np.finfo(np.float64).eps


# ----------------------------------------------------------------------------------------
# Impurity functions
# ----------------------------------------------------------------------------------------
def gini_impurity(counts):
    """Gini impurity ``1 - sum_k p_k**2`` from (weighted) class counts.

    Parameters
    ----------
    counts : ndarray of shape (..., n_classes)
        Class counts (or summed sample weights per class) along the last axis.

    Returns
    -------
    impurity : ndarray of shape (...)
        Zero for a pure node; an empty node also gets zero.
    """
    counts = np.asarray(counts, dtype=float)
    ### BEGIN SOLUTION
    total = counts.sum(axis=-1, keepdims=True)
    p = counts / np.where(total > 0, total, 1.0)
    return 1.0 - np.sum(p**2, axis=-1)
    ### END SOLUTION


def entropy_impurity(counts):
    """Shannon entropy ``-sum_k p_k log2 p_k`` (in bits) from (weighted) class counts.

    Parameters
    ----------
    counts : ndarray of shape (..., n_classes)

    Returns
    -------
    impurity : ndarray of shape (...)
        ``0 log 0`` is taken as 0.
    """
    counts = np.asarray(counts, dtype=float)
    ### BEGIN SOLUTION
    total = counts.sum(axis=-1, keepdims=True)
    p = counts / np.where(total > 0, total, 1.0)
    plogp = p * np.log2(np.where(p > 0, p, 1.0))
    return -np.sum(plogp, axis=-1)
    ### END SOLUTION


def squared_error_impurity(y, sample_weight=None):
    """Weighted variance of the targets, averaged over outputs.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    impurity : float
    """
    y = np.asarray(y, dtype=float).reshape(len(y), -1)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    ### BEGIN SOLUTION
    total = w.sum()
    residual = y - (w @ y) / total
    return float(np.sum(w @ residual**2) / (total * y.shape[1]))
    ### END SOLUTION


CLASSIFICATION_CRITERIA = {"gini": gini_impurity, "entropy": entropy_impurity,
                           "log_loss": entropy_impurity}


class Tree:
    """The fitted tree as parallel arrays, one entry per node (scikit-learn's layout).

    Node 0 is the root.  For a leaf ``children_left == children_right == -1`` and
    ``feature == -2``.  A sample goes left when ``x[feature] <= threshold``.  ``stats``
    holds the node's summed statistics; from them, once the tree is grown, ``value`` (the
    leaf prediction: class fractions for a classifier, the mean for a regressor) and
    ``weighted_n_node_samples`` are computed for all nodes at once.
    """

    def __init__(self):
        self.children_left, self.children_right = [], []
        self.feature, self.threshold = [], []
        self.stats, self.impurity, self.n_node_samples = [], [], []

    def add_node(self, stats, impurity, n_samples):
        """Append a leaf and return its id (it may be turned into a split later)."""
        self.children_left.append(-1)
        self.children_right.append(-1)
        self.feature.append(-2)
        self.threshold.append(-2.0)
        self.stats.append(stats)
        self.impurity.append(impurity)
        self.n_node_samples.append(n_samples)
        return len(self.feature) - 1

    def finalize(self, leaf_value, node_weight):
        """Turn the lists into numpy arrays once growth is over, and compute every node's
        ``value = leaf_value(stats)`` and ``weighted_n_node_samples = node_weight(stats)``."""
        for name in ("children_left", "children_right", "feature", "n_node_samples"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.intp))
        for name in ("threshold", "stats", "impurity"):
            setattr(self, name, np.array(getattr(self, name), dtype=float))
        self.value = leaf_value(self.stats)
        self.weighted_n_node_samples = node_weight(self.stats)
        self.node_count = len(self.feature)
        return self


class Split(NamedTuple):
    """The best split of a node: samples with ``x[feature] <= threshold`` go left."""

    feature: int
    threshold: float
    left: np.ndarray         # sample indices of the left child
    right: np.ndarray        # sample indices of the right child
    left_stats: np.ndarray   # summed statistics of the left child
    right_stats: np.ndarray  # summed statistics of the right child


def _check_n_features(estimator, X):
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )


class BaseDecisionTree(BaseEstimator):
    """Shared machinery of the classifier and the regressor (not for direct use).

    A subclass provides ``_node_stats`` (per-sample statistics whose sums describe a
    node), ``_split_cost`` (the quantity the best split minimises), and, from a node's
    summed statistics, ``_node_weight``, ``_node_impurity`` and ``_leaf_value``.
    """

    def __init__(self, *, criterion, max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    # -- parameter checks (kept outside the solution regions) ----------------------------
    def _resolve_params(self, n_samples, n_features):
        def count(value, name, low):
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                if value < low:
                    raise ValueError(f"{name} must be an int >= {low} or a float in (0, 1], got {value!r}")
                return int(value)
            if isinstance(value, numbers.Real) and 0.0 < value <= 1.0:
                return max(low, int(np.ceil(value * n_samples)))
            raise ValueError(f"{name} must be an int >= {low} or a float in (0, 1], got {value!r}")

        if self.max_depth is not None and (
            not isinstance(self.max_depth, numbers.Integral) or self.max_depth < 1
        ):
            raise ValueError(f"max_depth must be None or an int >= 1, got {self.max_depth!r}")
        min_leaf = count(self.min_samples_leaf, "min_samples_leaf", 1)
        min_split = max(count(self.min_samples_split, "min_samples_split", 2), 2 * min_leaf)

        mf = self.max_features
        if mf is None:
            n_feat = n_features
        elif mf == "sqrt":
            n_feat = max(1, int(np.sqrt(n_features)))
        elif mf == "log2":
            n_feat = max(1, int(np.log2(n_features)))
        elif isinstance(mf, numbers.Integral) and not isinstance(mf, bool) and 1 <= mf <= n_features:
            n_feat = int(mf)
        elif isinstance(mf, numbers.Real) and not isinstance(mf, bool) and 0.0 < mf <= 1.0:
            n_feat = max(1, int(mf * n_features))
        else:
            raise ValueError(
                "max_features must be None, 'sqrt', 'log2', an int in [1, n_features] or a "
                f"float in (0, 1], got {mf!r}"
            )
        max_depth = np.inf if self.max_depth is None else self.max_depth
        return max_depth, min_split, min_leaf, n_feat

    # -- fitting --------------------------------------------------------------------------
    def _fit(self, X, Y, sample_weight):
        """Grow the tree on ``X`` with encoded targets ``Y`` (one-hot or float)."""
        n_samples, n_features = X.shape
        w = _check_sample_weight(sample_weight, X)
        if np.any(w < 0):
            raise ValueError("sample_weight must be non-negative.")
        if w.sum() <= 0:
            raise ValueError("The sum of sample_weight must be positive.")
        self.n_features_in_ = n_features
        (self._max_depth, self._min_split, self._min_leaf,
         self.max_features_) = self._resolve_params(n_samples, n_features)
        self._rng = check_random_state(self.random_state)
        self._X = X
        self._Z = self._node_stats(Y, w)                   # (n_samples, n_stats)

        self.tree_ = Tree()
        # Only samples with positive weight take part (a zero weight means "absent").
        root = np.flatnonzero(w > 0)
        self._grow(root, self._Z[root].sum(axis=0), depth=0)
        self.tree_.finalize(self._leaf_value, self._node_weight)
        self.feature_importances_ = self._compute_feature_importances()
        del self._X, self._Z, self._rng
        return self

    def _grow(self, idx, stats, depth):
        """Recursively grow the subtree on samples ``idx``; return the id of its root.

        ``stats`` are the node's summed statistics, ``self._Z[idx].sum(axis=0)``, handed
        down by the parent's split.  Nodes are numbered depth first, left child before
        right (scikit-learn's order).
        """
        tree = self.tree_
        ### BEGIN SOLUTION
        # a single sample is pure whatever rounding says
        impurity = 0.0 if len(idx) == 1 else self._node_impurity(stats)
        node = tree.add_node(stats, impurity, len(idx))

        is_leaf = (depth >= self._max_depth or len(idx) < self._min_split
                   or impurity <= EPSILON)
        split = None if is_leaf else self._best_split(idx)
        if split is None:
            return node

        tree.feature[node] = split.feature
        tree.threshold[node] = split.threshold
        tree.children_left[node] = self._grow(split.left, split.left_stats, depth + 1)
        tree.children_right[node] = self._grow(split.right, split.right_stats, depth + 1)
        return node
        ### END SOLUTION

    def _candidate_features(self, idx):
        """Features to search at this node: ``max_features_`` non-constant ones, at random.

        With all features allowed, constant ones need no filtering (they offer no valid
        threshold), and the random order only breaks ties between equal splits.
        """
        order = np.arange(self.n_features_in_)
        self._rng.shuffle(order)                            # = rng.permutation(n_features)
        if self.max_features_ == self.n_features_in_:
            return order
        Xn = self._X[idx]
        non_constant = Xn.max(axis=0) > Xn.min(axis=0) + FEATURE_THRESHOLD
        return order[non_constant[order]][: self.max_features_]

    def _best_split(self, idx):
        """Best :class:`Split` of the samples ``idx``, or None if none is valid.

        For every candidate feature: sort the node's values, take cumulative sums of the
        per-sample statistics ``Z``, and evaluate the split cost at every position at once.
        Row ``i`` of the cumulative sums describes the left child that holds the first
        ``i + 1`` samples in sorted order.
        """
        features = self._candidate_features(idx)
        if len(features) == 0:
            return None
        n = len(idx)
        ### BEGIN SOLUTION
        Xn = self._X.take(idx, axis=0).take(features, axis=1)     # X[idx][:, features]
        sorted_idx = idx.take(Xn.argsort(axis=0, kind="stable"))  # column j: samples by x_j
        xs = np.sort(Xn, axis=0)                                  # column j: sorted x_j
        cumulative = self._Z.take(sorted_idx, axis=0).cumsum(axis=0)  # (n, f, n_stats)
        left = cumulative[:-1]                              # first i+1 samples go left
        right = cumulative[-1] - left
        cost = self._split_cost(left, right)                # (n-1, f)

        cost[xs[1:] <= xs[:-1] + FEATURE_THRESHOLD] = np.inf  # no threshold between ties
        if self._min_leaf > 1:                  # each child keeps min_samples_leaf samples
            cost[: self._min_leaf - 1] = np.inf
            cost[n - self._min_leaf:] = np.inf
        best = cost.T.argmin()               # feature-major: ties go to the first feature
        j, i = divmod(int(best), n - 1)
        if cost[i, j] == np.inf:
            return None
        lo, hi = float(xs[i, j]), float(xs[i + 1, j])
        threshold = (lo + hi) / 2.0
        if threshold == hi or math.isinf(threshold):
            threshold = lo                                  # rounding guard
        return Split(feature=int(features[j]), threshold=threshold,
                     left=sorted_idx[: i + 1, j], right=sorted_idx[i + 1:, j],
                     left_stats=left[i, j], right_stats=right[i, j])
        ### END SOLUTION

    def _compute_feature_importances(self):
        """Mean decrease in impurity, ``sum over splits on j of W*H - W_L*H_L - W_R*H_R``,
        divided by the root weight and normalised to sum to one (all zeros for a stump
        that never split)."""
        t = self.tree_
        importances = np.zeros(self.n_features_in_)
        ### BEGIN SOLUTION
        W, H = t.weighted_n_node_samples, t.impurity
        split = np.flatnonzero(t.children_left != -1)       # the nodes that split
        left, right = t.children_left[split], t.children_right[split]
        decrease = W[split] * H[split] - W[left] * H[left] - W[right] * H[right]
        importances += np.bincount(t.feature[split], weights=decrease,
                                   minlength=self.n_features_in_)
        importances /= W[0]
        if importances.sum() > 0:
            importances /= importances.sum()
        ### END SOLUTION
        return importances

    # -- prediction -----------------------------------------------------------------------
    def _validate_X_predict(self, X):
        check_is_fitted(self, "tree_")
        X = check_array(X, dtype=np.float64)
        _check_n_features(self, X)
        return X

    def apply(self, X):
        """Index of the leaf that each sample lands in.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        leaves : ndarray of shape (n_samples,)
        """
        X = self._validate_X_predict(X)
        t = self.tree_
        node = np.zeros(len(X), dtype=np.intp)
        ### BEGIN SOLUTION
        while True:  # all samples descend one level per pass
            rows = np.flatnonzero(t.children_left[node] != -1)
            if len(rows) == 0:
                return node
            current = node[rows]
            goes_left = X[rows, t.feature[current]] <= t.threshold[current]
            node[rows] = np.where(goes_left, t.children_left[current],
                                  t.children_right[current])
        ### END SOLUTION

    def get_depth(self):
        """Depth of the tree: the longest root-to-leaf path (a stump has depth 1)."""
        check_is_fitted(self, "tree_")
        t = self.tree_
        depth = np.zeros(t.node_count, dtype=int)
        for node in range(t.node_count):  # parents come before children
            for child in (t.children_left[node], t.children_right[node]):
                if child != -1:
                    depth[child] = depth[node] + 1
        return int(depth.max())

    def get_n_leaves(self):
        """Number of leaves."""
        check_is_fitted(self, "tree_")
        return int(np.sum(self.tree_.children_left == -1))


class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    """CART classification tree.

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
        Impurity measure; ``"log_loss"`` is an alias of ``"entropy"``.
    max_depth : int, default=None
        Maximum depth (the root has depth 0, so ``max_depth=1`` is a stump).  None grows
        until leaves are pure or too small to split.
    min_samples_split : int or float, default=2
        Minimum samples to split a node (a float is a fraction of ``n_samples``).
    min_samples_leaf : int or float, default=1
        Minimum samples in each child of a split.
    max_features : int, float, "sqrt", "log2" or None, default=None
        Number of features drawn at random at each node (None: all of them).
    random_state : int, RandomState or None, default=None
        Controls the feature draws (and tie-breaking between equally good splits).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    n_features_in_ : int
    max_features_ : int
    tree_ : Tree
        The fitted tree as parallel node arrays.
    feature_importances_ : ndarray of shape (n_features,)
        Normalised total impurity decrease brought by each feature.
    """

    def __init__(self, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        super().__init__(criterion=criterion, max_depth=max_depth,
                         min_samples_split=min_samples_split,
                         min_samples_leaf=min_samples_leaf, max_features=max_features,
                         random_state=random_state)

    def fit(self, X, y, sample_weight=None):
        """Grow the tree.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        if self.criterion not in CLASSIFICATION_CRITERIA:
            raise ValueError(f"criterion must be one of {sorted(CLASSIFICATION_CRITERIA)}, "
                             f"got {self.criterion!r}")
        X, y = check_X_y(X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        Y = np.eye(self.n_classes_)[encoded]                # one-hot
        return self._fit(X, Y, sample_weight)

    def _node_stats(self, Y, w):
        return Y * w[:, None]                               # weighted class counts

    def _split_cost(self, left, right):
        impurity = CLASSIFICATION_CRITERIA[self.criterion]
        return left.sum(-1) * impurity(left) + right.sum(-1) * impurity(right)

    def _node_weight(self, stats):
        return stats.sum(axis=-1)                           # summed sample weights

    def _node_impurity(self, stats):
        return float(CLASSIFICATION_CRITERIA[self.criterion](stats))

    def _leaf_value(self, stats):
        return stats / stats.sum(axis=-1, keepdims=True)    # class fractions

    def predict_proba(self, X):
        """Class probabilities: the weighted class fractions of the leaf.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        leaves = self.apply(X)
        return self.tree_.value[leaves]

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (``-inf`` for zero probabilities)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """CART regression tree (squared error).

    Parameters
    ----------
    criterion : {"squared_error"}, default="squared_error"
    max_depth : int, default=None
        Maximum depth (``max_depth=1`` is a stump).
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    max_features : int, float, "sqrt", "log2" or None, default=None
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    n_features_in_ : int
    n_outputs_ : int
    max_features_ : int
    tree_ : Tree
    feature_importances_ : ndarray of shape (n_features,)

    Notes
    -----
    The best split minimises the summed squared error of the children, which equals
    maximising ``S_L**2 / W_L + S_R**2 / W_R`` (``S``: weighted sum of ``y``, ``W``: weight).
    """

    def __init__(self, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        super().__init__(criterion=criterion, max_depth=max_depth,
                         min_samples_split=min_samples_split,
                         min_samples_leaf=min_samples_leaf, max_features=max_features,
                         random_state=random_state)

    def fit(self, X, y, sample_weight=None):
        """Grow the tree.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        if self.criterion != "squared_error":
            raise ValueError(f"criterion must be 'squared_error', got {self.criterion!r}")
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        self._y_ndim = y.ndim
        Y = y.reshape(len(y), -1).astype(float)
        self.n_outputs_ = Y.shape[1]
        return self._fit(X, Y, sample_weight)

    def _node_stats(self, Y, w):
        # [w, w*y, w*y^2], one column of w*y and of w*y^2 per output
        return np.column_stack([w, Y * w[:, None], Y**2 * w[:, None]])

    def _split_cost(self, left, right):
        # minus the "proxy" S_L^2/W_L + S_R^2/W_R; the children's SSE up to a constant
        k = self.n_outputs_
        if k == 1:  # one output: the same numbers, without summing over one element
            return -(left[..., 1] ** 2 / left[..., 0] + right[..., 1] ** 2 / right[..., 0])
        return -(np.sum(left[..., 1:1 + k] ** 2, axis=-1) / left[..., 0]
                 + np.sum(right[..., 1:1 + k] ** 2, axis=-1) / right[..., 0])

    def _node_weight(self, stats):
        return stats[..., 0]                                # summed sample weights

    def _node_impurity(self, stats):
        # weighted variance E[y^2] - E[y]^2 (as scikit-learn computes it), mean over outputs
        k = self.n_outputs_
        mean = stats[1:1 + k] / stats[0]
        variance = stats[1 + k:] / stats[0] - mean**2
        return float(variance[0] if k == 1 else np.mean(variance))

    def _leaf_value(self, stats):
        return stats[..., 1:1 + self.n_outputs_] / stats[..., :1]   # weighted mean

    def predict(self, X):
        """Mean target of the leaf each sample falls in.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        leaves = self.apply(X)
        pred = self.tree_.value[leaves]
        return pred[:, 0] if self._y_ndim == 1 else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
