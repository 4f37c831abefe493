"""Model selection: splitting data, cross-validation, grid search, learning curves and
the bias-variance decomposition.

The estimator is only ever used through ``fit``/``predict``/``score`` and
``get_params``/``set_params``; fresh unfitted copies come from ``sklearn.base.clone``.
"""
import numbers
from itertools import product

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier

__all__ = [
    "train_test_split", "KFold", "StratifiedKFold", "cross_val_score", "GridSearchCV", "learning_curve",
    "validation_curve", "bias_variance_decomposition",
]


def _rng(random_state):
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _take(a, idx):
    """Rows ``idx`` of an array, list or pandas object."""
    if hasattr(a, "iloc"):
        return a.iloc[idx]
    if isinstance(a, list):
        return [a[i] for i in idx]
    return np.asarray(a)[idx]


def _n_samples(a):
    return a.shape[0] if hasattr(a, "shape") else len(a)


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None,
                     shuffle=True, stratify=None):
    """Split arrays into random train and test subsets.

    Parameters
    ----------
    *arrays : arrays, lists or DataFrames with the same number of rows
    test_size, train_size : float in (0, 1) (fraction) or int (count), default=None
        With neither given the test set is 25 %.
    random_state : int, RandomState or None
    shuffle : bool, default=True
    stratify : array-like or None
        Keep the class proportions of these labels in both subsets.

    Returns
    -------
    list : ``[a_train, a_test, b_train, b_test, ...]``
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    n = _n_samples(arrays[0])
    if any(_n_samples(a) != n for a in arrays):
        raise ValueError("all arrays must have the same number of samples")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if stratify is not None and not shuffle:
        raise ValueError("stratify requires shuffle=True")
    rng = _rng(random_state)
    ### BEGIN SOLUTION
    if not shuffle:
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is None:
        perm = rng.permutation(n)
        test, train = perm[:n_test], perm[n_test:n_test + n_train]
    else:
        train, test = _stratified_indices(np.asarray(stratify), n_train, n_test, rng)
    ### END SOLUTION
    out = []
    for a in arrays:
        out += [_take(a, train), _take(a, test)]
    return out


def _split_sizes(n, test_size, train_size):
    def count(size, name):
        if size is None:
            return None
        if isinstance(size, numbers.Integral):
            if not 0 < size < n:
                raise ValueError(f"{name}={size} must be between 1 and n_samples - 1 = {n - 1}")
            return int(size)
        if not 0 < size < 1:
            raise ValueError(f"{name}={size} must be a fraction in (0, 1) or an integer count")
        return size
    test_size, train_size = count(test_size, "test_size"), count(train_size, "train_size")
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = None if test_size is None else (test_size if isinstance(test_size, int) else int(np.ceil(test_size * n)))
    n_train = None if train_size is None else (train_size if isinstance(train_size, int) else int(np.floor(train_size * n)))
    n_test = n - n_train if n_test is None else n_test
    n_train = n - n_test if n_train is None else n_train
    if n_train + n_test > n or n_train == 0 or n_test == 0:
        raise ValueError(f"train ({n_train}) and test ({n_test}) sizes do not fit {n} samples")
    return n_train, n_test


def _stratified_indices(labels, n_train, n_test, rng):
    """Test indices drawn class by class in proportion to the class frequencies."""
    classes, y = np.unique(labels, return_inverse=True)
    counts = np.bincount(y)
    if counts.min() < 2:
        raise ValueError("every class needs at least 2 samples to stratify")
    # allocate the test size to classes by largest remainder
    quota = n_test * counts / counts.sum()
    per_class = np.floor(quota).astype(int)
    for k in np.argsort(-(quota - per_class), kind="stable")[: n_test - per_class.sum()]:
        per_class[k] += 1
    train, test = [], []
    for k in range(len(classes)):
        idx = rng.permutation(np.flatnonzero(y == k))
        test.append(idx[:per_class[k]])
        train.append(idx[per_class[k]:])
    train, test = rng.permutation(np.concatenate(train))[:n_train], rng.permutation(np.concatenate(test))
    return train, test


class KFold:
    """K-fold cross-validation splitter.

    The samples are cut into ``n_splits`` consecutive folds (after an optional shuffle);
    each fold is the test set once while the others train. The first ``n % n_splits``
    folds hold one sample more.

    Parameters
    ----------
    n_splits : int, default=5
    shuffle : bool, default=False
    random_state : int, RandomState or None, default=None
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if not (isinstance(n_splits, numbers.Integral) and n_splits >= 2):
            raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}")
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each fold."""
        n = _n_samples(X)
        if self.n_splits > n:
            raise ValueError(f"cannot have n_splits={self.n_splits} greater than n_samples={n}")
        indices = np.arange(n)
        ### BEGIN SOLUTION
        if self.shuffle:
            _rng(self.random_state).shuffle(indices)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            test = indices[start:start + size]
            train = np.concatenate([indices[:start], indices[start + size:]])
            yield train, test
            start += size
        ### END SOLUTION

    def __repr__(self):
        return f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle}, random_state={self.random_state})"


class StratifiedKFold(KFold):
    """K-fold splitter that keeps the class proportions of ``y`` in every fold.

    The samples of each class (shuffled if ``shuffle``) are dealt to the folds in turn,
    like cards, so every fold gets its share of a rare class.

    Parameters are those of :class:`KFold`.
    """

    def split(self, X, y, groups=None):
        """Yield ``(train_indices, test_indices)`` for each fold."""
        y = np.asarray(y)
        n = len(y)
        if _n_samples(X) != n:
            raise ValueError("X and y have different numbers of samples")
        classes, y_idx = np.unique(y, return_inverse=True)
        if np.bincount(y_idx).max() < self.n_splits:
            raise ValueError(f"n_splits={self.n_splits} is larger than the number of samples in every class")
        rng = _rng(self.random_state)
        fold_of = np.empty(n, dtype=int)
        ### BEGIN SOLUTION
        offset = 0
        for k in range(len(classes)):
            members = np.flatnonzero(y_idx == k)
            if self.shuffle:
                members = rng.permutation(members)
            fold_of[members] = (offset + np.arange(len(members))) % self.n_splits
            offset += len(members)  # continue dealing where the last class stopped
        for f in range(self.n_splits):
            yield np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)
        ### END SOLUTION

    def __repr__(self):
        return f"StratifiedKFold(n_splits={self.n_splits}, shuffle={self.shuffle}, random_state={self.random_state})"


def _check_cv(cv, estimator=None, y=None):
    """A splitter from ``cv``: an int means StratifiedKFold for classifiers, else KFold."""
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral):
        if estimator is not None and is_classifier(estimator) and y is not None:
            return StratifiedKFold(int(cv))
        return KFold(int(cv))
    if hasattr(cv, "split"):
        return cv
    return _FixedSplits(list(cv))


class _FixedSplits:
    def __init__(self, splits):
        self.splits = splits

    def split(self, X, y=None, groups=None):
        yield from self.splits

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.splits)


def _scorer(scoring):
    """``scoring(estimator, X, y) -> float``: larger is better."""
    if scoring is None:
        return lambda est, X, y: float(est.score(X, y))
    if callable(scoring):
        return scoring
    ### BEGIN SOLUTION
    def accuracy(est, X, y):
        return float(np.mean(est.predict(X) == np.asarray(y)))

    def r2(est, X, y):
        y = np.asarray(y, dtype=float)
        return float(1 - np.sum((y - est.predict(X)) ** 2) / np.sum((y - y.mean()) ** 2))

    def neg_mse(est, X, y):
        return -float(np.mean((np.asarray(y, dtype=float) - est.predict(X)) ** 2))

    def neg_mae(est, X, y):
        return -float(np.mean(np.abs(np.asarray(y, dtype=float) - est.predict(X))))
    ### END SOLUTION
    table = {"accuracy": accuracy, "r2": r2, "neg_mean_squared_error": neg_mse,
             "neg_mean_absolute_error": neg_mae}
    if scoring not in table:
        raise ValueError(f"scoring must be None, a callable or one of {sorted(table)}, got {scoring!r}")
    return table[scoring]


def _fit_and_score(estimator, X, y, train, test, scorer, params=None, train_score=False):
    est = clone(estimator)
    if params:
        est.set_params(**params)
    est.fit(_take(X, train), _take(y, train))
    test_score = scorer(est, _take(X, test), _take(y, test))
    if train_score:
        return scorer(est, _take(X, train), _take(y, train)), test_score
    return test_score


def cross_val_score(estimator, X, y, *, cv=5, scoring=None):
    """Score of a fresh clone of ``estimator`` on each cross-validation fold.

    Parameters
    ----------
    cv : int, splitter with ``split`` or iterable of (train, test), default=5
        An int means :class:`StratifiedKFold` for a classifier and :class:`KFold` otherwise
        (both without shuffling), as in scikit-learn.
    scoring : None, str or callable(estimator, X, y)
        None uses ``estimator.score``; strings: "accuracy", "r2",
        "neg_mean_squared_error", "neg_mean_absolute_error".

    Returns
    -------
    ndarray of shape (n_splits,)
    """
    scorer = _scorer(scoring)
    ### BEGIN SOLUTION
    return np.array([_fit_and_score(estimator, X, y, train, test, scorer)
                     for train, test in _check_cv(cv, estimator, y).split(X, y)])
    ### END SOLUTION


def _parameter_grid(param_grid):
    """Every combination of a dict (or list of dicts) of parameter lists."""
    grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
    out = []
    for grid in grids:
        for name, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or len(values) == 0:
                raise ValueError(f"param_grid[{name!r}] must be a non-empty list of values")
        keys = sorted(grid)
        for values in product(*(grid[k] for k in keys)):
            out.append(dict(zip(keys, values)))
    return out


class GridSearchCV(BaseEstimator):
    """Exhaustive search over a parameter grid, scored by cross-validation.

    Parameters
    ----------
    estimator : estimator
    param_grid : dict or list of dicts of parameter name -> list of values
    scoring : None, str or callable, default=None (see :func:`cross_val_score`)
    cv : int, splitter or iterable, default=5
    refit : bool, default=True
        Refit the best parameters on all the data (``best_estimator_``).

    Attributes
    ----------
    cv_results_ : dict of arrays
        ``params``, ``param_<name>``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``.
    best_index_, best_params_, best_score_ : the winning row
    best_estimator_ : estimator (if ``refit``)
    n_splits_ : int

    Being an estimator itself, a grid search can be cross-validated: nested CV,
    ``cross_val_score(GridSearchCV(model, grid), X, y)``, gives an unbiased score.
    """

    def __init__(self, estimator, param_grid, *, scoring=None, cv=5, refit=True):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.cv = cv
        self.refit = refit

    def fit(self, X, y):
        """Cross-validate every candidate, pick the best, optionally refit it."""
        candidates = _parameter_grid(self.param_grid)
        scorer = _scorer(self.scoring)
        splits = list(_check_cv(self.cv, self.estimator, y).split(X, y))
        ### BEGIN SOLUTION
        scores = np.array([[_fit_and_score(self.estimator, X, y, train, test, scorer, params)
                            for train, test in splits] for params in candidates])
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        order = np.argsort(-mean, kind="stable")
        rank = np.empty(len(mean), dtype=int)
        rank[order] = np.arange(1, len(mean) + 1)
        for i in range(1, len(order)):  # equal means share the better rank
            if mean[order[i]] == mean[order[i - 1]]:
                rank[order[i]] = rank[order[i - 1]]
        self.best_index_ = int(order[0])
        ### END SOLUTION
        results = {"params": candidates, "mean_test_score": mean, "std_test_score": std,
                   "rank_test_score": rank}
        for k in range(len(splits)):
            results[f"split{k}_test_score"] = scores[:, k]
        for name in sorted({k for p in candidates for k in p}):
            results[f"param_{name}"] = np.ma.masked_array(
                [p.get(name) for p in candidates], mask=[name not in p for p in candidates], dtype=object)
        self.cv_results_ = results
        self.best_params_ = candidates[self.best_index_]
        self.best_score_ = float(mean[self.best_index_])
        self.n_splits_ = len(splits)
        if self.refit:
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, y)
        return self

    def _best(self):
        if not hasattr(self, "best_estimator_"):
            raise AttributeError("GridSearchCV is not fitted, or was fitted with refit=False")
        return self.best_estimator_

    def predict(self, X):
        return self._best().predict(X)

    def predict_proba(self, X):
        return self._best().predict_proba(X)

    def score(self, X, y):
        return _scorer(self.scoring)(self._best(), X, y)


def learning_curve(estimator, X, y, *, train_sizes=np.linspace(0.1, 1.0, 5), cv=5, scoring=None,
                   shuffle=False, random_state=None):
    """Train and test scores as the training set grows.

    For each fold, the first ``m`` training indices (``m`` from ``train_sizes``, fractions
    of the fold's training set or absolute counts) fit the model.

    Returns
    -------
    train_sizes_abs : ndarray of shape (n_sizes,)
    train_scores, test_scores : ndarray of shape (n_sizes, n_splits)
    """
    scorer = _scorer(scoring)
    splits = list(_check_cv(cv, estimator, y).split(X, y))
    n_max = min(len(train) for train, _ in splits)
    sizes = np.asarray(train_sizes)
    if np.issubdtype(sizes.dtype, np.floating):
        if np.any((sizes <= 0) | (sizes > 1)):
            raise ValueError("fractional train_sizes must lie in (0, 1]")
        sizes = np.maximum(1, (sizes * n_max).astype(int))
    if np.any((sizes < 1) | (sizes > n_max)):
        raise ValueError(f"train_sizes must lie between 1 and {n_max}")
    sizes = np.unique(sizes)
    rng = _rng(random_state)
    train_scores = np.zeros((len(sizes), len(splits)))
    test_scores = np.zeros_like(train_scores)
    ### BEGIN SOLUTION
    for j, (train, test) in enumerate(splits):
        if shuffle:
            train = rng.permutation(train)
        for i, m in enumerate(sizes):
            train_scores[i, j], test_scores[i, j] = _fit_and_score(
                estimator, X, y, train[:m], test, scorer, train_score=True)
    ### END SOLUTION
    return sizes, train_scores, test_scores


def validation_curve(estimator, X, y, *, param_name, param_range, cv=5, scoring=None):
    """Train and test scores as one hyper-parameter varies.

    Returns
    -------
    train_scores, test_scores : ndarray of shape (n_values, n_splits)
    """
    scorer = _scorer(scoring)
    splits = list(_check_cv(cv, estimator, y).split(X, y))
    train_scores = np.zeros((len(param_range), len(splits)))
    test_scores = np.zeros_like(train_scores)
    ### BEGIN SOLUTION
    for i, value in enumerate(param_range):
        for j, (train, test) in enumerate(splits):
            train_scores[i, j], test_scores[i, j] = _fit_and_score(
                estimator, X, y, train, test, scorer, {param_name: value}, train_score=True)
    ### END SOLUTION
    return train_scores, test_scores


def bias_variance_decomposition(estimator, X_train, y_train, X_test, y_test, *, loss="mse",
                                num_rounds=200, random_state=None):
    r"""Bias-variance decomposition of the test error by bootstrap.

    The model is refit on ``num_rounds`` bootstrap resamples of the training set, giving
    predictions :math:`\hat f_r(x)` at every test point. With the mean prediction
    :math:`\bar f(x) = \frac1R \sum_r \hat f_r(x)` and squared-error loss (``"mse"``):

    .. math::
        \underbrace{\langle (\hat f_r(x) - y)^2 \rangle}_{\text{expected loss}}
        = \underbrace{\langle (\bar f(x) - y)^2 \rangle}_{\text{bias}^2}
        + \underbrace{\langle (\hat f_r(x) - \bar f(x))^2 \rangle}_{\text{variance}}

    (averages over rounds and test points; the identity is exact). With the 0-1 loss
    (``"0-1_loss"``) the main prediction is the most frequent class, bias is the error of
    the main prediction and variance the disagreement of the rounds with it (Domingos 2000).

    Returns
    -------
    expected_loss, bias, variance : float
        ``bias`` is the squared bias for ``"mse"``.
    """
    if loss not in ("mse", "0-1_loss"):
        raise ValueError(f"loss must be 'mse' or '0-1_loss', got {loss!r}")
    if not (isinstance(num_rounds, numbers.Integral) and num_rounds >= 2):
        raise ValueError(f"num_rounds must be an integer >= 2, got {num_rounds!r}")
    rng = _rng(random_state)
    n = _n_samples(X_train)
    y_test = np.asarray(y_test)
    ### BEGIN SOLUTION
    preds = []
    for _ in range(num_rounds):
        idx = rng.randint(0, n, n)  # bootstrap: n draws with replacement
        model = clone(estimator).fit(_take(X_train, idx), _take(y_train, idx))
        preds.append(np.asarray(model.predict(X_test)))
    preds = np.array(preds)  # (rounds, n_test)
    if loss == "mse":
        main = preds.mean(axis=0)
        expected_loss = np.mean((preds - y_test) ** 2)
        bias = np.mean((main - y_test) ** 2)
        variance = np.mean((preds - main) ** 2)
    else:
        main = np.array([max(set(col.tolist()), key=col.tolist().count) for col in preds.T])
        expected_loss = np.mean(preds != y_test)
        bias = np.mean(main != y_test)
        variance = np.mean(preds != main)
    ### END SOLUTION
    return float(expected_loss), float(bias), float(variance)
