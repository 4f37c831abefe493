"""Evaluation metrics with scikit-learn's names and semantics.

Classification: accuracy, confusion matrix, precision (= purity), recall (= completeness),
F1, ROC curve and the area under it. Regression: mean squared/absolute error, R^2.
"""
import numpy as np

__all__ = [
    "accuracy_score", "confusion_matrix", "precision_score", "recall_score", "f1_score",
    "purity_score", "completeness_score", "roc_curve", "auc", "roc_auc_score",
    "mean_squared_error", "mean_absolute_error", "r2_score",
]


def _check_pair(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"y_true has {y_true.shape[0]} samples but y_pred has {y_pred.shape[0]}")
    if y_true.shape[0] == 0:
        raise ValueError("metrics of empty arrays are undefined")
    return y_true, y_pred


def _weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    return w


# ------------------------------------------------------------------ classification
def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or, with ``normalize=False``, number) of correct predictions."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    w = _weights(sample_weight, len(y_true))
    ### BEGIN SOLUTION
    correct = (y_true == y_pred).astype(float)
    return float(correct @ w / w.sum()) if normalize else float(correct @ w)
    ### END SOLUTION


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Confusion matrix ``C[i, j]`` = number of samples of true class ``i`` predicted as ``j``.

    Parameters
    ----------
    labels : array-like, default=None
        Row/column order; None uses the sorted union of the labels.
    normalize : {None, "true", "pred", "all"}, default=None
        Divide by the row sums ("true"), column sums ("pred") or the total ("all").
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    w = _weights(sample_weight, len(y_true))
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    ### BEGIN SOLUTION
    index = {lab: i for i, lab in enumerate(labels.tolist())}
    C = np.zeros((len(labels), len(labels)))
    for t, p, wi in zip(y_true.tolist(), y_pred.tolist(), w):
        if t in index and p in index:
            C[index[t], index[p]] += wi
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            C = np.nan_to_num(C / C.sum(axis=1, keepdims=True))
        elif normalize == "pred":
            C = np.nan_to_num(C / C.sum(axis=0, keepdims=True))
        elif normalize == "all":
            C = np.nan_to_num(C / C.sum())
    ### END SOLUTION
    if normalize is None and sample_weight is None:
        return C.astype(np.int64)
    return C


def _per_class_counts(y_true, y_pred, labels):
    """True positives, predicted positives and actual positives for every label."""
    ### BEGIN SOLUTION
    tp = np.array([np.sum((y_true == c) & (y_pred == c)) for c in labels], dtype=float)
    pred = np.array([np.sum(y_pred == c) for c in labels], dtype=float)
    true = np.array([np.sum(y_true == c) for c in labels], dtype=float)
    return tp, pred, true
    ### END SOLUTION


def _safe_divide(num, den, zero_division):
    den_safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, zero_division, num / den_safe)


def _prf(y_true, y_pred, pos_label, average, zero_division, which):
    y_true, y_pred = _check_pair(y_true, y_pred)
    if average not in ("binary", "micro", "macro", "weighted", None):
        raise ValueError(f"average must be 'binary', 'micro', 'macro', 'weighted' or None, got {average!r}")
    labels = np.unique(np.concatenate([y_true, y_pred]))
    if average == "binary":
        if len(labels) > 2:
            raise ValueError("average='binary' needs binary targets; choose average='macro', 'micro' or 'weighted'")
        if pos_label not in labels.tolist() and len(labels) == 2:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label: {labels.tolist()}")
        labels = np.array([pos_label])
    tp, pred, true = _per_class_counts(y_true, y_pred, labels)
    ### BEGIN SOLUTION
    if average == "micro":
        tp, pred, true = tp.sum(keepdims=True), pred.sum(keepdims=True), true.sum(keepdims=True)
    precision = _safe_divide(tp, pred, zero_division)
    recall = _safe_divide(tp, true, zero_division)
    f1 = _safe_divide(2 * tp, pred + true, zero_division)  # harmonic mean of P and R
    score = {"precision": precision, "recall": recall, "f1": f1}[which]
    if average is None:
        return score
    if average == "weighted":
        return float(np.average(score, weights=true)) if true.sum() > 0 else float(zero_division)
    return float(np.mean(score))
    ### END SOLUTION


def precision_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division=0.0):
    """Precision :math:`TP / (TP + FP)`: of the objects called class ``c``, the fraction that are.

    ``average``: "binary" (the ``pos_label`` class), "macro" (unweighted mean over classes),
    "weighted" (mean weighted by class support), "micro" (pooled counts), or None (per class).
    """
    return _prf(y_true, y_pred, pos_label, average, zero_division, "precision")


def recall_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division=0.0):
    """Recall :math:`TP / (TP + FN)`: of the objects of class ``c``, the fraction found."""
    return _prf(y_true, y_pred, pos_label, average, zero_division, "recall")


def f1_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division=0.0):
    """F1 score, the harmonic mean :math:`2PR / (P + R) = 2TP / (2TP + FP + FN)`."""
    return _prf(y_true, y_pred, pos_label, average, zero_division, "f1")


def purity_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division=0.0):
    """Purity, the astronomers' name for precision (e.g. of a galaxy sample)."""
    return precision_score(y_true, y_pred, pos_label=pos_label, average=average, zero_division=zero_division)


def completeness_score(y_true, y_pred, *, pos_label=1, average="binary", zero_division=0.0):
    """Completeness, the astronomers' name for recall."""
    return recall_score(y_true, y_pred, pos_label=pos_label, average=average, zero_division=zero_division)


def roc_curve(y_true, y_score, *, pos_label=None, drop_intermediate=True):
    """Receiver operating characteristic: false- and true-positive rates per threshold.

    Thresholds are the distinct scores in decreasing order, preceded by ``inf`` (nothing
    predicted positive). ``drop_intermediate`` removes thresholds whose point lies on a
    straight segment of the curve (they do not change its shape).

    Returns
    -------
    fpr, tpr, thresholds : ndarray
    """
    y_true, y_score = _check_pair(y_true, y_score)
    y_score = y_score.astype(float)
    classes = np.unique(y_true)
    if pos_label is None:
        if len(classes) > 2 or not set(classes.tolist()) <= {0, 1, -1}:
            raise ValueError(f"y_true takes values {classes.tolist()}: pass pos_label")
        pos_label = 1
    ### BEGIN SOLUTION
    positive = (y_true == pos_label).astype(float)
    order = np.argsort(-y_score, kind="mergesort")
    score, positive = y_score[order], positive[order]
    # last index of each run of equal scores
    ends = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]
    tps = np.cumsum(positive)[ends]
    fps = (ends + 1) - tps
    thresholds = score[ends]
    if drop_intermediate and len(tps) > 2:
        keep = np.r_[True, (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), True]
        tps, fps, thresholds = tps[keep], fps[keep], thresholds[keep]
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    thresholds = np.r_[np.inf, thresholds]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full_like(fps, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)
    ### END SOLUTION
    return fpr, tpr, thresholds


def auc(x, y):
    """Area under a curve by the trapezoidal rule (``x`` monotonic)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("x and y must be 1-d arrays of the same length >= 2")
    dx = np.diff(x)
    if np.any(dx < 0) and np.any(dx > 0):
        raise ValueError("x is neither increasing nor decreasing")
    ### BEGIN SOLUTION
    area = np.sum(dx * (y[1:] + y[:-1]) / 2.0)
    return float(abs(area))
    ### END SOLUTION


def roc_auc_score(y_true, y_score):
    """Area under the ROC curve of a binary problem (positive class = the larger label).

    Equals the probability that a random positive scores higher than a random negative.
    """
    y_true, y_score = _check_pair(y_true, y_score)
    classes = np.unique(y_true)
    if len(classes) != 2:
        raise ValueError(f"roc_auc_score needs exactly two classes in y_true, got {len(classes)}")
    fpr, tpr, _ = roc_curve(y_true, y_score, pos_label=classes[1], drop_intermediate=False)
    return auc(fpr, tpr)


# ------------------------------------------------------------------ regression
def _regression_pair(y_true, y_pred):
    y_true, y_pred = _check_pair(y_true, y_pred)
    y_true, y_pred = y_true.astype(float), y_pred.astype(float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    return y_true, y_pred


def mean_squared_error(y_true, y_pred, *, sample_weight=None):
    """:math:`\\frac1n \\sum_i (y_i - \\hat y_i)^2` (averaged over outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    w = _weights(sample_weight, len(y_true))
    ### BEGIN SOLUTION
    return float(np.mean(np.average((y_true - y_pred) ** 2, axis=0, weights=w)))
    ### END SOLUTION


def mean_absolute_error(y_true, y_pred, *, sample_weight=None):
    """:math:`\\frac1n \\sum_i |y_i - \\hat y_i|` (averaged over outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    w = _weights(sample_weight, len(y_true))
    ### BEGIN SOLUTION
    return float(np.mean(np.average(np.abs(y_true - y_pred), axis=0, weights=w)))
    ### END SOLUTION


def r2_score(y_true, y_pred, *, sample_weight=None):
    """Coefficient of determination :math:`R^2 = 1 - \\sum (y - \\hat y)^2 / \\sum (y - \\bar y)^2`.

    1 is perfect, 0 is as good as predicting the mean; it can be negative. A constant
    ``y_true`` gives 1.0 for a perfect prediction and 0.0 otherwise (as scikit-learn).
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    w = _weights(sample_weight, len(y_true))
    ### BEGIN SOLUTION
    ss_res = np.sum(w[:, None] * (y_true - y_pred).reshape(len(w), -1) ** 2, axis=0)
    mean = np.average(y_true, axis=0, weights=w).reshape(-1)
    ss_tot = np.sum(w[:, None] * (y_true.reshape(len(w), -1) - mean) ** 2, axis=0)
    scores = np.where(ss_tot == 0, np.where(ss_res == 0, 1.0, 0.0), 1 - ss_res / np.where(ss_tot == 0, 1, ss_tot))
    return float(np.mean(scores))
    ### END SOLUTION
