"""Star-galaxy separation (assignment "classification").

The analysis around your classifiers (``linear_model.py``, ``neighbors.py``,
``naive_bayes.py``, ``metrics.py``): standardisation, k nearest neighbours, imbalanced
classes, purity and completeness.

Functions
---------
standardise(X_train, X_test)
    Both sets scaled with the mean and standard deviation of the TRAINING set.
knn_classify(X_train, y_train, X_test, n_neighbors=15)
    Standardise, then classify with your ``KNeighborsClassifier``.
purity_completeness(y_true, y_pred, positive=1)
    Purity (precision) and completeness (recall) of the ``positive`` class.
balanced_logistic(X_train, y_train, X_test)
    Standardise, then logistic regression with class weights that balance the classes;
    returns the probability of class 1.
"""
from __future__ import annotations

import numpy as np

from linear_model import LogisticRegression
from neighbors import KNeighborsClassifier


def _check_X(X, name):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{name} must be two-dimensional, got shape {X.shape}")
    return X


def standardise(X_train, X_test):
    """Scale each column to zero mean and unit variance using the training set only.

    The test set must be transformed with the training mean and standard deviation:
    computing them on the test set (or on both sets together) leaks information.  A
    column that is constant in the training set (standard deviation 0) is only centred.

    Returns
    -------
    X_train_scaled, X_test_scaled : arrays
    """
    X_train, X_test = _check_X(X_train, "X_train"), _check_X(X_test, "X_test")
    ### BEGIN SOLUTION
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    X_train_scaled = (X_train - mean) / std
    X_test_scaled = (X_test - mean) / std
    ### END SOLUTION
    return X_train_scaled, X_test_scaled


def knn_classify(X_train, y_train, X_test, n_neighbors=15):
    """Predict labels of ``X_test`` with kNN on standardised features.

    Returns
    -------
    y_pred : array of shape (n_test,)
    """
    X_train, X_test = _check_X(X_train, "X_train"), _check_X(X_test, "X_test")
    y_train = np.asarray(y_train)
    ### BEGIN SOLUTION
    X_train_s, X_test_s = standardise(X_train, X_test)
    knn = KNeighborsClassifier(n_neighbors=n_neighbors).fit(X_train_s, y_train)
    y_pred = knn.predict(X_test_s)
    ### END SOLUTION
    return np.asarray(y_pred)


def purity_completeness(y_true, y_pred, positive=1):
    """Purity and completeness of the class ``positive``.

    Purity = true positives / objects classified as ``positive`` (precision);
    completeness = true positives / objects that really are ``positive`` (recall).
    Return 0.0 for a ratio whose denominator is zero.

    Returns
    -------
    purity, completeness : float
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("y_true and y_pred must have the same shape")
    ### BEGIN SOLUTION
    tp = np.sum((y_pred == positive) & (y_true == positive))
    n_pred = np.sum(y_pred == positive)
    n_true = np.sum(y_true == positive)
    purity = tp / n_pred if n_pred else 0.0
    completeness = tp / n_true if n_true else 0.0
    ### END SOLUTION
    return float(purity), float(completeness)


def balanced_logistic(X_train, y_train, X_test):
    """Probability of class 1 from a class-weighted logistic regression.

    With a rare class, plain cross-entropy is dominated by the common class.  Weight each
    class by ``n_samples / (n_classes * n_in_class)`` (``class_weight="balanced"``), fit on
    standardised features, and return ``predict_proba(X_test)[:, 1]``.

    Returns
    -------
    proba : array of shape (n_test,)
    """
    X_train, X_test = _check_X(X_train, "X_train"), _check_X(X_test, "X_test")
    y_train = np.asarray(y_train)
    ### BEGIN SOLUTION
    X_train_s, X_test_s = standardise(X_train, X_test)
    model = LogisticRegression(class_weight="balanced").fit(X_train_s, y_train)
    proba = model.predict_proba(X_test_s)[:, 1]
    ### END SOLUTION
    return np.asarray(proba)
