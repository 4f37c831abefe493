"""Cluster masses with trees and forests (assignment "trees").

The analysis around your CART tree (``trees.py``): how deep should a tree be, which
observables does a forest rely on, and what happens when the true mass is taken away.

Functions
---------
depth_curve(X_train, y_train, X_val, y_val, depths)
    Training and validation MSE of your ``DecisionTreeRegressor`` for each ``max_depth``.
best_depth(X, y, depths, n_splits=5, random_state=0)
    The depth with the smallest k-fold cross-validated MSE.
permutation_importance(model, X, y, n_repeats=5, random_state=0)
    Mean increase of the MSE when one column is shuffled.
forest_importances(X, y, n_estimators=100, random_state=0)
    Impurity-based importances of a random forest, one per column, in column order.
"""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from trees import DecisionTreeRegressor


def _check_Xy(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"expected X of shape (n, k) and y of shape (n,), got {X.shape} and {y.shape}")
    return X, y


def _mse(y_true, y_pred):
    return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))


def depth_curve(X_train, y_train, X_val, y_val, depths):
    """Training and validation mean squared error of trees of increasing depth.

    For each ``d`` in ``depths`` fit ``DecisionTreeRegressor(max_depth=d, random_state=0)``
    on the training set only and score it on both sets (the fixed ``random_state`` makes
    ties between equally good splits break the same way every run).

    Returns
    -------
    train_mse, val_mse : arrays of shape (len(depths),)
    """
    X_train, y_train = _check_Xy(X_train, y_train)
    X_val, y_val = _check_Xy(X_val, y_val)
    train_mse, val_mse = [], []
    for depth in depths:
        ### BEGIN SOLUTION
        tree = DecisionTreeRegressor(max_depth=int(depth), random_state=0).fit(X_train, y_train)
        train_mse.append(_mse(y_train, tree.predict(X_train)))
        val_mse.append(_mse(y_val, tree.predict(X_val)))
        ### END SOLUTION
    return np.array(train_mse), np.array(val_mse)


def best_depth(X, y, depths, n_splits=5, random_state=0):
    """The ``max_depth`` with the smallest k-fold cross-validated MSE.

    Shuffle the rows with ``np.random.default_rng(random_state)``, cut them into
    ``n_splits`` folds, and for each depth average the validation MSE over the folds
    (each fold validated by a tree trained on the other folds).

    Returns
    -------
    depth : int
    """
    X, y = _check_Xy(X, y)
    depths = [int(d) for d in depths]
    ### BEGIN SOLUTION
    folds = np.array_split(np.random.default_rng(random_state).permutation(len(y)), n_splits)
    cv_mse = np.zeros(len(depths))
    for k, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        _, val_mse = depth_curve(X[train], y[train], X[val], y[val], depths)
        cv_mse += val_mse / n_splits
    best = depths[int(np.argmin(cv_mse))]
    ### END SOLUTION
    return best


def permutation_importance(model, X, y, n_repeats=5, random_state=0):
    """Permutation importance of each column for a fitted regressor.

    The importance of column ``j`` is the mean, over ``n_repeats`` shuffles of that column
    alone (``np.random.default_rng(random_state)``), of ``MSE(shuffled) - MSE(original)``.

    Returns
    -------
    importances : array of shape (n_features,)
    """
    X, y = _check_Xy(X, y)
    rng = np.random.default_rng(random_state)
    importances = np.zeros(X.shape[1])
    ### BEGIN SOLUTION
    baseline = _mse(y, model.predict(X))
    for j in range(X.shape[1]):
        for _ in range(n_repeats):
            X_perm = X.copy()
            X_perm[:, j] = rng.permutation(X_perm[:, j])
            importances[j] += (_mse(y, model.predict(X_perm)) - baseline) / n_repeats
    ### END SOLUTION
    return importances


def forest_importances(X, y, n_estimators=100, random_state=0):
    """Impurity-based feature importances of a random forest.

    Fit ``sklearn.ensemble.RandomForestRegressor`` (``max_features=0.5``,
    ``min_samples_leaf=3``) and return its ``feature_importances_``, in column order.

    Returns
    -------
    importances : array of shape (n_features,), summing to 1
    """
    X, y = _check_Xy(X, y)
    ### BEGIN SOLUTION
    forest = RandomForestRegressor(
        n_estimators=n_estimators, max_features=0.5, min_samples_leaf=3, random_state=random_state
    ).fit(X, y)
    importances = forest.feature_importances_
    ### END SOLUTION
    return np.asarray(importances)
