"""Permutation feature importance.

The importance of feature ``j`` is how much the model's score drops when the values of
``j`` are shuffled among the samples, breaking its link to the target while keeping its
distribution. It works for any fitted model and on held-out data, unlike impurity-based
importances of trees.
"""
import numpy as np

__all__ = ["Bunch", "permutation_importance"]


class Bunch(dict):
    """A dict whose keys are also attributes (``result.importances_mean``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _score(estimator, X, y, scoring):
    if scoring is None:
        return float(estimator.score(X, y))
    if callable(scoring):
        return float(scoring(estimator, X, y))
    y = np.asarray(y)
    if scoring == "accuracy":
        return float(np.mean(estimator.predict(X) == y))
    if scoring == "r2":
        return float(1 - np.sum((y - estimator.predict(X)) ** 2) / np.sum((y - y.mean()) ** 2))
    if scoring == "neg_mean_squared_error":
        return -float(np.mean((y - estimator.predict(X)) ** 2))
    raise ValueError("scoring must be None, a callable(estimator, X, y) or one of "
                     f"'accuracy', 'r2', 'neg_mean_squared_error'; got {scoring!r}")


def _with_column_permuted(X, j, perm):
    X = X.copy()
    if hasattr(X, "iloc"):
        X.iloc[:, j] = X.iloc[perm, j].to_numpy()
    else:
        X[:, j] = X[perm, j]
    return X


def permutation_importance(estimator, X, y, *, scoring=None, n_repeats=5, random_state=None):
    """Permutation importance of every feature of a fitted ``estimator``.

    Parameters
    ----------
    estimator : fitted estimator
    X : ndarray or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    scoring : None, str or callable(estimator, X, y), default=None
        None uses ``estimator.score``; strings "accuracy", "r2", "neg_mean_squared_error".
    n_repeats : int, default=5
        Number of shuffles per feature.
    random_state : int, RandomState or None

    Returns
    -------
    Bunch with
        importances : ndarray (n_features, n_repeats), baseline score minus permuted score
        importances_mean, importances_std : ndarray (n_features,)
    """
    if not (isinstance(n_repeats, (int, np.integer)) and n_repeats >= 1):
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")
    if not hasattr(X, "iloc"):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-d, got shape {X.shape}")
    rng = random_state if isinstance(random_state, np.random.RandomState) else np.random.RandomState(random_state)
    n_samples, n_features = X.shape
    importances = np.zeros((n_features, n_repeats))
    ### BEGIN SOLUTION
    baseline = _score(estimator, X, y, scoring)
    for j in range(n_features):
        for r in range(n_repeats):
            X_perm = _with_column_permuted(X, j, rng.permutation(n_samples))
            importances[j, r] = baseline - _score(estimator, X_perm, y, scoring)
    ### END SOLUTION
    return Bunch(importances=importances, importances_mean=importances.mean(axis=1),
                 importances_std=importances.std(axis=1))
