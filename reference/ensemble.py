"""Ensembles of trees: bagging, random forests, AdaBoost and gradient boosting.

Every ensemble here combines many copies of a *base learner*, passed as ``estimator=``.
By default that is scikit-learn's decision tree (this file must stand alone, so it does
not import the course's own tree); any estimator with ``fit``/``predict`` works, and the
tree-based ones (random forest, gradient boosting) also need ``set_params`` for the tree
parameters, random forests ``sample_weight`` in ``fit`` (the bootstrap sample is passed as
weights) and gradient boosting ``apply`` (the leaf index of each sample).

* **Bagging** (Breiman 1996): fit each learner on a bootstrap sample and average.
* **Random forest** (Breiman 2001): bagging of trees that also draw ``max_features``
  features at random at every split, which de-correlates the trees.  Each tree sees its
  bootstrap sample as sample weights (how often each row was drawn), as in scikit-learn.
* **AdaBoost** (Freund & Schapire 1997; SAMME by Zhu et al. 2009 for K classes;
  AdaBoost.R2 by Drucker 1997 for regression): fit learners one after another on re-weighted
  data, up-weighting the samples the previous learners got wrong.
* **Gradient boosting** (Friedman 2001): fit each tree to the negative gradient of the loss
  at the current prediction and add it with a small ``learning_rate``.
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    check_random_state,
    check_X_y,
)

MAX_INT = np.iinfo(np.int32).max


# ----------------------------------------------------------------------------------------
# small helpers (no learning happens here)
# ----------------------------------------------------------------------------------------
def _default_tree(kind, **params):
    """scikit-learn's tree, imported lazily so a student file stays self-contained."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeClassifier if kind == "classifier" else DecisionTreeRegressor
    return cls(**params)


def _with_random_state(estimator, seed):
    """Clone ``estimator`` and give it ``random_state=seed`` if it has that parameter."""
    estimator = clone(estimator)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    return estimator


def _check_positive_int(value, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _check_X_predict(estimator, X):
    check_is_fitted(estimator, "estimators_")
    X = check_array(X, dtype=np.float64)
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    return X


def _n_draws(max_samples, n_samples):
    if isinstance(max_samples, numbers.Integral) and not isinstance(max_samples, bool):
        if not 1 <= max_samples <= n_samples:
            raise ValueError(f"max_samples must be in [1, n_samples], got {max_samples}")
        return int(max_samples)
    if isinstance(max_samples, numbers.Real) and 0.0 < max_samples <= 1.0:
        return max(1, int(round(max_samples * n_samples)))
    raise ValueError(f"max_samples must be an int or a float in (0, 1], got {max_samples!r}")


def _full_proba(estimator, X, n_classes):
    """``predict_proba`` of a learner fitted on encoded labels, with a column for every
    class (a bootstrap sample may miss some classes)."""
    proba = np.zeros((len(X), n_classes))
    cols = np.asarray(estimator.classes_, dtype=int)
    if hasattr(estimator, "predict_proba"):
        proba[:, cols] = estimator.predict_proba(X)
    else:  # hard vote
        proba[np.arange(len(X)), estimator.predict(X).astype(int)] = 1.0
    return proba


# ----------------------------------------------------------------------------------------
# Bagging and random forests
# ----------------------------------------------------------------------------------------
class _BaseBagging(BaseEstimator):
    """Bootstrap aggregation; subclasses define the learner and how to combine them."""

    def _fit_bagging(self, X, y_fit, base):
        _check_positive_int(self.n_estimators, "n_estimators")
        n = len(X)
        n_draw = _n_draws(self.max_samples, n)
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.estimators_, self.estimators_samples_ = [], []
        ### BEGIN SOLUTION
        for _ in range(self.n_estimators):
            model = base(rng.randint(MAX_INT))
            if self.bootstrap:
                idx = rng.randint(0, n, n_draw)                # with replacement
            else:
                idx = rng.permutation(n)[:n_draw]              # without replacement
            model.fit(X[idx], y_fit[idx])
            self.estimators_.append(model)
            self.estimators_samples_.append(idx)
        ### END SOLUTION
        if self.oob_score:
            if not self.bootstrap:
                raise ValueError("oob_score is only available with bootstrap=True.")
            self._set_oob_score(X, y_fit)
        return self

    def _oob_masks(self, n):
        """Boolean (n_estimators, n) array: sample i was left out of learner m's sample."""
        masks = np.ones((len(self.estimators_), n), dtype=bool)
        for m, idx in enumerate(self.estimators_samples_):
            masks[m, idx] = False
        return masks


class BaggingClassifier(ClassifierMixin, _BaseBagging):
    """Bagging classifier: average the class probabilities of learners fitted on
    bootstrap samples (hard votes for learners without ``predict_proba``).

    Parameters
    ----------
    estimator : classifier, default=None
        Base learner; None means ``sklearn.tree.DecisionTreeClassifier()``.
    n_estimators : int, default=10
    max_samples : int or float, default=1.0
        Samples drawn per learner (a float is a fraction of ``n_samples``).
    bootstrap : bool, default=True
        Draw with replacement (False: sub-sampling without replacement).
    oob_score : bool, default=False
        Estimate the accuracy on the out-of-bag samples.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of fitted learners
    estimators_samples_ : list of ndarray, the indices each learner was fitted on
    classes_ : ndarray of shape (n_classes,)
    oob_score_ : float, oob_decision_function_ : ndarray (when ``oob_score=True``)
    """

    def __init__(self, estimator=None, n_estimators=10, *, max_samples=1.0, bootstrap=True,
                 oob_score=False, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state

    def fit(self, X, y):
        """Fit ``n_estimators`` learners on bootstrap samples of ``(X, y)``."""
        X, y = check_X_y(X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        template = self.estimator if self.estimator is not None else _default_tree("classifier")
        return self._fit_bagging(X, encoded, lambda seed: _with_random_state(template, seed))

    def _set_oob_score(self, X, encoded):
        ### BEGIN SOLUTION
        votes = np.zeros((len(X), self.n_classes_))
        for model, out in zip(self.estimators_, self._oob_masks(len(X))):
            if out.any():
                votes[out] += _full_proba(model, X[out], self.n_classes_)
        seen = votes.sum(axis=1) > 0
        self.oob_decision_function_ = votes / np.where(seen, votes.sum(1), 1.0)[:, None]
        self.oob_score_ = float(np.mean(np.argmax(votes[seen], 1) == encoded[seen]))
        ### END SOLUTION

    def predict_proba(self, X):
        """Mean class probabilities of the learners, shape (n_samples, n_classes)."""
        X = _check_X_predict(self, X)
        ### BEGIN SOLUTION
        return np.mean([_full_proba(m, X, self.n_classes_) for m in self.estimators_], axis=0)
        ### END SOLUTION

    def predict(self, X):
        """Class with the highest mean probability."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class BaggingRegressor(RegressorMixin, _BaseBagging):
    """Bagging regressor: the mean prediction of learners fitted on bootstrap samples.

    Parameters
    ----------
    estimator : regressor, default=None
        Base learner; None means ``sklearn.tree.DecisionTreeRegressor()``.
    n_estimators : int, default=10
    max_samples : int or float, default=1.0
    bootstrap : bool, default=True
    oob_score : bool, default=False
        Compute the out-of-bag R^2 (``oob_score_``) and ``oob_prediction_``.
    random_state : int, RandomState or None, default=None
    """

    def __init__(self, estimator=None, n_estimators=10, *, max_samples=1.0, bootstrap=True,
                 oob_score=False, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state

    def fit(self, X, y):
        """Fit ``n_estimators`` learners on bootstrap samples of ``(X, y)``."""
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        template = self.estimator if self.estimator is not None else _default_tree("regressor")
        return self._fit_bagging(X, y.astype(float),
                                 lambda seed: _with_random_state(template, seed))

    def _set_oob_score(self, X, y):
        ### BEGIN SOLUTION
        total, count = np.zeros(len(X)), np.zeros(len(X))
        for model, out in zip(self.estimators_, self._oob_masks(len(X))):
            if out.any():
                total[out] += model.predict(X[out])
                count[out] += 1
        seen = count > 0
        self.oob_prediction_ = total / np.where(seen, count, 1.0)
        residual = y[seen] - self.oob_prediction_[seen]
        self.oob_score_ = float(1 - residual @ residual / np.sum((y[seen] - y[seen].mean()) ** 2))
        ### END SOLUTION

    def predict(self, X):
        """Mean prediction of the learners."""
        X = _check_X_predict(self, X)
        ### BEGIN SOLUTION
        return np.mean([m.predict(X) for m in self.estimators_], axis=0)
        ### END SOLUTION


def _forest_tree(self, kind, seed):
    """A fresh tree for a forest: the ensemble's tree parameters on ``estimator``."""
    template = self.estimator if self.estimator is not None else _default_tree(kind)
    return clone(template).set_params(
        criterion=self.criterion, max_depth=self.max_depth,
        min_samples_split=self.min_samples_split, min_samples_leaf=self.min_samples_leaf,
        max_features=self.max_features, random_state=seed)


def _fit_forest(self, X, y_fit, kind):
    """Grow ``n_estimators`` trees, each on a bootstrap sample given as sample weights.

    Drawing ``n_draws`` rows with replacement is the same as weighting every row by how
    often it was drawn, ``counts ~ Multinomial(n_draws, 1/n)``, and a tree on weighted
    rows is the tree on the repeated rows (a weight is a count).  It grows from fewer rows,
    so it is faster; scikit-learn's forests do the same, and, as there,
    ``min_samples_leaf`` and ``min_samples_split`` then count distinct rows.
    ``estimators_samples_`` lists each tree's rows with their repetitions, as for bagging.
    """
    _check_positive_int(self.n_estimators, "n_estimators")
    if self.oob_score and not self.bootstrap:
        raise ValueError("oob_score is only available with bootstrap=True.")
    n = len(X)
    n_draw = _n_draws(self.max_samples, n)
    rng = check_random_state(self.random_state)
    self.n_features_in_ = X.shape[1]
    self.estimators_, self.estimators_samples_ = [], []
    for _ in range(self.n_estimators):
        tree = _forest_tree(self, kind, rng.randint(MAX_INT))
        if self.bootstrap:
            counts = rng.multinomial(n_draw, np.full(n, 1.0 / n))
        else:  # sub-sampling without replacement: weight 1 for the rows drawn, else 0
            counts = np.zeros(n, dtype=int)
            counts[rng.choice(n, n_draw, replace=False)] = 1
        drawn = np.flatnonzero(counts)                      # rows of weight 0 play no part
        tree.fit(X[drawn], y_fit[drawn], sample_weight=counts[drawn])
        self.estimators_.append(tree)
        self.estimators_samples_.append(np.repeat(np.arange(n), counts))
    if self.oob_score:
        self._set_oob_score(X, y_fit)
    return self


def _forest_importances(self):
    check_is_fitted(self, "estimators_")
    ### BEGIN SOLUTION
    importances = np.mean([t.feature_importances_ for t in self.estimators_], axis=0)
    return importances / importances.sum() if importances.sum() > 0 else importances
    ### END SOLUTION


class RandomForestClassifier(BaggingClassifier):
    """Random forest classifier: bagged trees that each consider ``max_features`` random
    features per split; predictions average the trees' class probabilities.

    Parameters
    ----------
    n_estimators : int, default=100
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
    max_depth, min_samples_split, min_samples_leaf : tree parameters (see the tree)
    max_features : {"sqrt", "log2"}, int, float or None, default="sqrt"
    bootstrap : bool, default=True
    oob_score : bool, default=False
    random_state : int, RandomState or None, default=None
    max_samples : int or float, default=1.0
        Size of each bootstrap sample.
    estimator : classifier tree, default=None
        The tree to copy (course addition, not in scikit-learn); None means
        ``sklearn.tree.DecisionTreeClassifier``.  The tree parameters above are set on it.

    Attributes
    ----------
    estimators_ : list of fitted trees
    feature_importances_ : ndarray of shape (n_features,)
        Mean of the trees' impurity-based importances.
    """

    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, max_features="sqrt",
                 bootstrap=True, oob_score=False, random_state=None, max_samples=1.0,
                 estimator=None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state
        self.max_samples = max_samples
        self.estimator = estimator

    def fit(self, X, y):
        """Grow ``n_estimators`` randomised trees on bootstrap samples."""
        X, y = check_X_y(X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        return _fit_forest(self, X, encoded, "classifier")

    @property
    def feature_importances_(self):
        """Mean impurity-based importance over the trees (sums to one)."""
        return _forest_importances(self)


class RandomForestRegressor(BaggingRegressor):
    """Random forest regressor: the mean of bagged randomised regression trees.

    Parameters
    ----------
    n_estimators : int, default=100
    criterion : {"squared_error"}, default="squared_error"
    max_depth, min_samples_split, min_samples_leaf : tree parameters
    max_features : {"sqrt", "log2"}, int, float or None, default=1.0
        scikit-learn's default for regression uses all features (plain bagging).
    bootstrap, oob_score, random_state, max_samples, estimator : as in
        :class:`RandomForestClassifier`.
    """

    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, max_features=1.0,
                 bootstrap=True, oob_score=False, random_state=None, max_samples=1.0,
                 estimator=None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state
        self.max_samples = max_samples
        self.estimator = estimator

    def fit(self, X, y):
        """Grow ``n_estimators`` randomised trees on bootstrap samples."""
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        return _fit_forest(self, X, y.astype(float), "regressor")

    @property
    def feature_importances_(self):
        """Mean impurity-based importance over the trees (sums to one)."""
        return _forest_importances(self)


# ----------------------------------------------------------------------------------------
# AdaBoost
# ----------------------------------------------------------------------------------------
class AdaBoostClassifier(ClassifierMixin, BaseEstimator):
    """AdaBoost with the multi-class SAMME algorithm.

    With sample weights ``w`` (starting uniform), each round ``m``:

    1. fit learner ``h_m`` with ``sample_weight=w``;
    2. weighted error ``err_m = sum_i w_i [h_m(x_i) != y_i] / sum_i w_i``;
    3. learner weight ``alpha_m = learning_rate * (log((1 - err_m) / err_m) + log(K - 1))``;
    4. ``w_i <- w_i * exp(alpha_m [h_m(x_i) != y_i])``, then normalise.

    Prediction: ``argmax_k sum_m alpha_m v_mk(x)`` with the symmetric vote
    ``v_mk = 1`` if ``h_m(x) = k`` else ``-1/(K-1)``.

    Parameters
    ----------
    estimator : classifier accepting ``sample_weight``, default=None
        None means a decision stump ``sklearn.tree.DecisionTreeClassifier(max_depth=1)``.
    n_estimators : int, default=50
        Maximum number of rounds (boosting stops early on a perfect fit).
    learning_rate : float, default=1.0
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list, estimator_weights_ : ndarray, estimator_errors_ : ndarray
    classes_ : ndarray of shape (n_classes,)
    feature_importances_ : ndarray (when the learners have them)
    """

    def __init__(self, estimator=None, n_estimators=50, *, learning_rate=1.0,
                 random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Run up to ``n_estimators`` boosting rounds."""
        _check_positive_int(self.n_estimators, "n_estimators")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        X, y = check_X_y(X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y = np.unique(y, return_inverse=True)
        K = self.n_classes_ = len(self.classes_)
        if K < 2:
            raise ValueError("AdaBoostClassifier needs samples of at least 2 classes; got 1 class.")
        self.n_features_in_ = X.shape[1]
        w = _check_sample_weight(sample_weight, X)
        w = w / w.sum()
        rng = check_random_state(self.random_state)
        base = self.estimator if self.estimator is not None else _default_tree(
            "classifier", max_depth=1)
        self.estimators_, weights, errors = [], [], []
        ### BEGIN SOLUTION
        for _ in range(self.n_estimators):
            model = _with_random_state(base, rng.randint(MAX_INT)).fit(X, y, sample_weight=w)
            wrong = model.predict(X) != y
            err = np.sum(w[wrong]) / np.sum(w)
            if err <= 0:                              # perfect learner: keep it and stop
                self.estimators_.append(model)
                weights.append(1.0)
                errors.append(0.0)
                break
            if err >= 1.0 - 1.0 / K:                  # no better than chance: stop
                if not self.estimators_:
                    raise ValueError("The first learner is no better than random guessing; "
                                     "AdaBoost cannot be fit.")
                break
            alpha = self.learning_rate * (np.log((1 - err) / err) + np.log(K - 1))
            self.estimators_.append(model)
            weights.append(alpha)
            errors.append(err)
            w = w * np.exp(alpha * wrong)
            w /= w.sum()
        ### END SOLUTION
        self.estimator_weights_ = np.asarray(weights)
        self.estimator_errors_ = np.asarray(errors)
        return self

    def _votes(self, model, X):
        """Symmetric vote of ``model``: 1 for the predicted class, -1/(K-1) for the others
        (Zhu et al. 2009), shape (n_samples, n_classes)."""
        hit = model.predict(X)[:, None] == np.arange(self.n_classes_)
        return np.where(hit, 1.0, -1.0 / (self.n_classes_ - 1))

    def staged_decision_function(self, X):
        """Yield the normalised weighted votes (n_samples, n_classes) after each round
        (for two classes, the vote margin of class 1 over class 0)."""
        X = _check_X_predict(self, X)
        votes = np.zeros((len(X), self.n_classes_))
        ### BEGIN SOLUTION
        total = 0.0
        for model, alpha in zip(self.estimators_, self.estimator_weights_):
            votes += alpha * self._votes(model, X)
            total += alpha
            scores = votes / total
            yield scores[:, 1] - scores[:, 0] if self.n_classes_ == 2 else scores
        ### END SOLUTION

    def decision_function(self, X):
        """Weighted votes of all learners (see :meth:`staged_decision_function`)."""
        for scores in self.staged_decision_function(X):
            pass
        return scores

    def _proba_from_scores(self, scores):
        if self.n_classes_ == 2:
            scores = np.column_stack([-scores, scores]) / 2
        z = scores / (self.n_classes_ - 1)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict_proba(self, X):
        """Softmax of the votes divided by ``K - 1`` (scikit-learn's SAMME probabilities)."""
        return self._proba_from_scores(self.decision_function(X))

    def _labels(self, scores):
        if self.n_classes_ == 2:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict(self, X):
        """Class with the largest weighted vote."""
        return self._labels(self.decision_function(X))

    def staged_predict(self, X):
        """Yield the predicted classes after each boosting round."""
        for scores in self.staged_decision_function(X):
            yield self._labels(scores)

    @property
    def feature_importances_(self):
        """Learner-weight-averaged importances of the learners."""
        check_is_fitted(self, "estimators_")
        imp = sum(a * m.feature_importances_
                  for m, a in zip(self.estimators_, self.estimator_weights_))
        return imp / self.estimator_weights_.sum()


class AdaBoostRegressor(RegressorMixin, BaseEstimator):
    """AdaBoost.R2 (Drucker 1997).

    Each round: draw a bootstrap sample with probabilities ``w``, fit a learner, compute
    the relative error ``e_i = L(|y_i - h(x_i)| / max_i |y_i - h(x_i)|)`` with ``L`` linear,
    square or exponential (``1 - exp(-e)``), the average loss ``Lbar = sum_i w_i e_i``,
    ``beta = Lbar / (1 - Lbar)``, learner weight ``learning_rate * log(1 / beta)`` and
    ``w_i <- w_i beta^{learning_rate (1 - e_i)}``.  Boosting stops when ``Lbar >= 0.5``.
    Prediction is the weighted median of the learners' predictions.

    Parameters
    ----------
    estimator : regressor, default=None
        None means ``sklearn.tree.DecisionTreeRegressor(max_depth=3)``.
    n_estimators : int, default=50
    learning_rate : float, default=1.0
    loss : {"linear", "square", "exponential"}, default="linear"
    random_state : int, RandomState or None, default=None
    """

    def __init__(self, estimator=None, n_estimators=50, *, learning_rate=1.0,
                 loss="linear", random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.loss = loss
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Run up to ``n_estimators`` boosting rounds."""
        _check_positive_int(self.n_estimators, "n_estimators")
        if self.loss not in ("linear", "square", "exponential"):
            raise ValueError(f"loss must be 'linear', 'square' or 'exponential', got {self.loss!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        y = y.astype(float)
        n = len(y)
        self.n_features_in_ = X.shape[1]
        w = _check_sample_weight(sample_weight, X)
        w = w / w.sum()
        rng = check_random_state(self.random_state)
        base = self.estimator if self.estimator is not None else _default_tree(
            "regressor", max_depth=3)
        self.estimators_, weights, errors = [], [], []
        ### BEGIN SOLUTION
        for _ in range(self.n_estimators):
            idx = rng.choice(n, size=n, p=w)            # weighted bootstrap
            model = _with_random_state(base, rng.randint(MAX_INT)).fit(X[idx], y[idx])
            error = np.abs(model.predict(X) - y)
            if error.max() > 0:
                error = error / error.max()
            if self.loss == "square":
                error = error**2
            elif self.loss == "exponential":
                error = 1.0 - np.exp(-error)
            avg_loss = np.sum(w * error)
            if avg_loss <= 0:                           # perfect fit: keep it and stop
                self.estimators_.append(model)
                weights.append(1.0)
                errors.append(0.0)
                break
            if avg_loss >= 0.5:                         # too weak: drop it and stop
                if not self.estimators_:                # (keep the first so we can predict)
                    self.estimators_.append(model)
                    weights.append(1.0)
                    errors.append(avg_loss)
                break
            beta = avg_loss / (1.0 - avg_loss)
            self.estimators_.append(model)
            weights.append(self.learning_rate * np.log(1.0 / beta))
            errors.append(avg_loss)
            w = w * beta ** ((1.0 - error) * self.learning_rate)
            w /= w.sum()
        ### END SOLUTION
        self.estimator_weights_ = np.asarray(weights)
        self.estimator_errors_ = np.asarray(errors)
        return self

    def _weighted_median(self, X, n_models):
        """Weighted median over the first ``n_models`` learners: the smallest prediction
        whose cumulative learner weight reaches half the total."""
        preds = np.column_stack([m.predict(X) for m in self.estimators_[:n_models]])
        weights = self.estimator_weights_[:n_models]
        ### BEGIN SOLUTION
        order = np.argsort(preds, axis=1)
        cumulative = np.cumsum(weights[order], axis=1)
        median_pos = np.argmax(cumulative >= 0.5 * cumulative[:, -1:], axis=1)
        rows = np.arange(len(X))
        return preds[rows, order[rows, median_pos]]
        ### END SOLUTION

    def predict(self, X):
        """Weighted median of the learners' predictions."""
        X = _check_X_predict(self, X)
        return self._weighted_median(X, len(self.estimators_))

    def staged_predict(self, X):
        """Yield the prediction after each boosting round."""
        X = _check_X_predict(self, X)
        for m in range(1, len(self.estimators_) + 1):
            yield self._weighted_median(X, m)

    @property
    def feature_importances_(self):
        """Learner-weight-averaged importances of the learners."""
        check_is_fitted(self, "estimators_")
        imp = sum(a * m.feature_importances_
                  for m, a in zip(self.estimators_, self.estimator_weights_))
        return imp / self.estimator_weights_.sum()


# ----------------------------------------------------------------------------------------
# Gradient boosting
# ----------------------------------------------------------------------------------------
class _BaseGradientBoosting(BaseEstimator):
    """Shared loop: ``F_0 = init``; each stage fits a regression tree to the negative
    gradient, then sets each leaf to the loss-optimal step and adds ``learning_rate``
    times it.  Subclasses give ``_init_raw``, ``_negative_gradient`` and ``_leaf_step``.
    """

    def _make_tree(self, seed):
        template = self.estimator if self.estimator is not None else _default_tree("regressor")
        return clone(template).set_params(max_depth=self.max_depth,
                                          min_samples_leaf=self.min_samples_leaf,
                                          random_state=seed)

    def _check_params(self):
        _check_positive_int(self.n_estimators, "n_estimators")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if not 0.0 < self.subsample <= 1.0:
            raise ValueError(f"subsample must be in (0, 1], got {self.subsample!r}")

    def _boost(self, X, Y):
        """Fit the stages.  ``Y`` has one column per tree in a stage (K for multiclass)."""
        n = len(X)
        rng = check_random_state(self.random_state)
        self.n_features_in_ = X.shape[1]
        self.init_ = self._init_raw(Y)                         # shape (n_trees_per_stage,)
        raw = np.tile(self.init_, (n, 1))
        self.estimators_, self.leaf_values_, self.train_score_ = [], [], []
        n_sub = max(1, int(self.subsample * n))
        ### BEGIN SOLUTION
        for _ in range(self.n_estimators):
            rows = np.sort(rng.permutation(n)[:n_sub]) if n_sub < n else np.arange(n)
            residual = self._negative_gradient(Y, raw)        # (n, n_trees)
            stage_trees, stage_values = [], []
            for k in range(Y.shape[1]):
                tree = self._make_tree(rng.randint(MAX_INT))
                tree.fit(X[rows], residual[rows, k])
                leaves = tree.apply(X[rows])
                values = np.zeros(tree.tree_.node_count)
                for leaf in np.unique(leaves):               # loss-optimal leaf values
                    in_leaf = rows[leaves == leaf]
                    values[leaf] = self._leaf_step(Y[in_leaf], raw[in_leaf], residual[in_leaf, k])
                raw[:, k] += self.learning_rate * values[tree.apply(X)]
                stage_trees.append(tree)
                stage_values.append(values)
            self.estimators_.append(stage_trees)
            self.leaf_values_.append(stage_values)
            self.train_score_.append(self._loss(Y[rows], raw[rows]))
        ### END SOLUTION
        self.train_score_ = np.asarray(self.train_score_)
        return self

    def _staged_raw(self, X):
        """Yield the raw scores (n_samples, n_trees_per_stage) after each stage."""
        X = _check_X_predict(self, X)
        raw = np.tile(self.init_, (len(X), 1))
        ### BEGIN SOLUTION
        for trees, values in zip(self.estimators_, self.leaf_values_):
            for k, (tree, v) in enumerate(zip(trees, values)):
                raw[:, k] += self.learning_rate * v[tree.apply(X)]
            yield raw.copy()
        ### END SOLUTION

    @property
    def feature_importances_(self):
        """Mean impurity-based importance of all trees (sums to one)."""
        check_is_fitted(self, "estimators_")
        imp = np.mean([t.feature_importances_ for s in self.estimators_ for t in s], axis=0)
        return imp / imp.sum() if imp.sum() > 0 else imp


class GradientBoostingRegressor(RegressorMixin, _BaseGradientBoosting):
    """Gradient-boosted regression trees.

    ============== ======================= ============================= =================
    loss           init F_0                negative gradient r            leaf value
    ============== ======================= ============================= =================
    squared_error  mean(y)                 y - F                          mean(r)
    absolute_error median(y)               sign(y - F)                    median(y - F)
    huber          median(y)               clip(y - F, -delta, delta)     median + mean of
                                                                          clipped deviation
    ============== ======================= ============================= =================

    For ``huber``, ``delta`` is the ``alpha``-quantile of ``|y - F|`` at each stage.

    Parameters
    ----------
    loss : {"squared_error", "absolute_error", "huber"}, default="squared_error"
    learning_rate : float, default=0.1
    n_estimators : int, default=100
    subsample : float, default=1.0
        Fraction of samples (drawn without replacement) each tree is fitted on.
    max_depth : int, default=3
    min_samples_leaf : int, default=1
    alpha : float, default=0.9
        Quantile that sets the Huber threshold.
    random_state : int, RandomState or None, default=None
    estimator : regression tree, default=None
        Tree to copy (course addition); must provide ``apply``.  None means
        ``sklearn.tree.DecisionTreeRegressor``.  ``max_depth`` and ``min_samples_leaf`` are set on it.

    Attributes
    ----------
    init_ : ndarray of shape (1,)
    estimators_ : list of lists of fitted trees (one per stage)
    leaf_values_ : list of lists of ndarray, the step of each leaf
    train_score_ : ndarray, the training loss after each stage (in-bag samples)
    """

    def __init__(self, *, loss="squared_error", learning_rate=0.1, n_estimators=100,
                 subsample=1.0, max_depth=3, min_samples_leaf=1, alpha=0.9,
                 random_state=None, estimator=None):
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.alpha = alpha
        self.random_state = random_state
        self.estimator = estimator

    def fit(self, X, y):
        """Fit ``n_estimators`` boosting stages."""
        self._check_params()
        if self.loss not in ("squared_error", "absolute_error", "huber"):
            raise ValueError("loss must be 'squared_error', 'absolute_error' or 'huber', "
                             f"got {self.loss!r}")
        X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
        return self._boost(X, y.astype(float)[:, None])

    def _init_raw(self, Y):
        ### BEGIN SOLUTION
        return np.array([Y.mean() if self.loss == "squared_error" else np.median(Y)])
        ### END SOLUTION

    def _negative_gradient(self, Y, raw):
        diff = Y - raw
        ### BEGIN SOLUTION
        if self.loss == "squared_error":
            return diff
        if self.loss == "absolute_error":
            return np.sign(diff)
        self._delta = np.quantile(np.abs(diff), self.alpha)   # huber
        return np.clip(diff, -self._delta, self._delta)
        ### END SOLUTION

    def _leaf_step(self, Y, raw, residual):
        diff = (Y - raw)[:, 0]
        ### BEGIN SOLUTION
        if self.loss == "squared_error":
            return residual.mean()
        median = np.median(diff)
        if self.loss == "absolute_error":
            return median
        deviation = diff - median                             # huber (Friedman 2001)
        return median + np.mean(np.sign(deviation) * np.minimum(np.abs(deviation), self._delta))
        ### END SOLUTION

    def _loss(self, Y, raw):
        diff = (Y - raw)[:, 0]
        if self.loss == "squared_error":
            return float(np.mean(diff**2))
        if self.loss == "absolute_error":
            return float(np.mean(np.abs(diff)))
        d = self._delta
        return float(np.mean(np.where(np.abs(diff) <= d, 0.5 * diff**2,
                                      d * (np.abs(diff) - 0.5 * d))))

    def staged_predict(self, X):
        """Yield the prediction after each stage."""
        for raw in self._staged_raw(X):
            yield raw[:, 0]

    def predict(self, X):
        """Prediction of the full ensemble."""
        for raw in self._staged_raw(X):
            pass
        return raw[:, 0]


class GradientBoostingClassifier(ClassifierMixin, _BaseGradientBoosting):
    """Gradient-boosted trees for classification with the log-loss.

    Binary: one tree per stage on the log-odds ``F``; ``p = sigmoid(F)``, negative gradient
    ``y - p``, leaf value (one Newton step) ``sum r / sum p (1 - p)``.
    Multiclass (K > 2): K trees per stage, ``p = softmax(F)``, gradient ``y_k - p_k``, leaf
    value ``(K - 1)/K * sum r / sum |r| (1 - |r|)``.  ``F_0`` is the log prior odds.

    Parameters
    ----------
    learning_rate : float, default=0.1
    n_estimators : int, default=100
    subsample : float, default=1.0
    max_depth : int, default=3
    min_samples_leaf : int, default=1
    random_state : int, RandomState or None, default=None
    estimator : regression tree, default=None
        Tree to copy (course addition); must provide ``apply``.

    Attributes
    ----------
    classes_, init_, estimators_, leaf_values_, train_score_
    """

    def __init__(self, *, learning_rate=0.1, n_estimators=100, subsample=1.0, max_depth=3,
                 min_samples_leaf=1, random_state=None, estimator=None):
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.estimator = estimator

    def fit(self, X, y):
        """Fit ``n_estimators`` boosting stages."""
        self._check_params()
        X, y = check_X_y(X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ < 2:
            raise ValueError("GradientBoostingClassifier needs at least 2 classes; got 1 class.")
        onehot = np.eye(self.n_classes_)[encoded]
        Y = onehot[:, 1:] if self.n_classes_ == 2 else onehot
        return self._boost(X, Y)

    def _probabilities(self, raw):
        """Class probabilities from raw scores (sigmoid or softmax)."""
        if raw.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return np.column_stack([1 - p, p])
        z = np.exp(raw - raw.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def _init_raw(self, Y):
        ### BEGIN SOLUTION
        prior = np.clip(Y.mean(axis=0), 1e-12, 1 - 1e-12)
        if Y.shape[1] == 1:
            return np.log(prior / (1 - prior))                  # log-odds
        return np.log(prior)
        ### END SOLUTION

    def _negative_gradient(self, Y, raw):
        ### BEGIN SOLUTION
        p = self._probabilities(raw)
        return Y - (p[:, 1:] if Y.shape[1] == 1 else p)
        ### END SOLUTION

    def _leaf_step(self, Y, raw, residual):
        ### BEGIN SOLUTION
        if Y.shape[1] == 1:                                   # binary: Newton step
            p = self._probabilities(raw)[:, 1]
            numerator, denominator = residual.sum(), np.sum(p * (1 - p))
        else:                                                 # multiclass (Friedman 2001)
            K = Y.shape[1]
            numerator = (K - 1) / K * residual.sum()
            denominator = np.sum(np.abs(residual) * (1 - np.abs(residual)))
        return numerator / denominator if denominator > 1e-150 else 0.0
        ### END SOLUTION

    def _loss(self, Y, raw):
        p = self._probabilities(raw)
        onehot = np.column_stack([1 - Y[:, 0], Y[:, 0]]) if Y.shape[1] == 1 else Y
        return float(-np.mean(np.sum(onehot * np.log(np.clip(p, 1e-15, 1)), axis=1)))

    def staged_decision_function(self, X):
        """Yield the raw scores after each stage (log-odds for two classes)."""
        for raw in self._staged_raw(X):
            yield raw[:, 0] if raw.shape[1] == 1 else raw

    def decision_function(self, X):
        """Raw scores of the full ensemble."""
        for raw in self.staged_decision_function(X):
            pass
        return raw

    def staged_predict_proba(self, X):
        """Yield the class probabilities after each stage."""
        for raw in self._staged_raw(X):
            yield self._probabilities(raw)

    def predict_proba(self, X):
        """Class probabilities of the full ensemble, shape (n_samples, n_classes)."""
        for proba in self.staged_predict_proba(X):
            pass
        return proba

    def staged_predict(self, X):
        """Yield the predicted classes after each stage."""
        for proba in self.staged_predict_proba(X):
            yield self.classes_[np.argmax(proba, axis=1)]

    def predict(self, X):
        """Most probable class."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
