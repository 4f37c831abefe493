"""Hidden checks of the ensembles assignment.

Run on the trusted side: ``student`` proxies the submission (``ensemble.py``,
``photoz.py``) in the sandbox.  Margins were measured on the reference solution over
hidden seeds 0..9 (stated at each threshold).
"""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import AdaBoostClassifier as SkAdaBoost
from sklearn.ensemble import GradientBoostingRegressor as SkGradientBoosting
from sklearn.tree import DecisionTreeClassifier as SkTreeClassifier
from sklearn.tree import DecisionTreeRegressor as SkTreeRegressor

from grader import Fail


def _mse(a, b):
    return float(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


def _dz(z_true, z_pred):
    return (np.asarray(z_pred, float) - z_true) / (1 + z_true)


def _nmad(z_true, z_pred):
    dz = _dz(z_true, z_pred)
    return 1.4826 * np.median(np.abs(dz - np.median(dz)))


def _predict(model, X):
    pred = np.asarray(model.predict(X), dtype=float)
    if pred.shape != (len(X),):
        raise Fail(f"predict returned shape {pred.shape} for {len(X)} samples")
    return pred


# ------------------------------------------------------------------------- ensemble.py
@pytest.mark.points(2)
def test_bagging_bootstrap_samples(student, hidden_rng):
    """BaggingRegressor fits learner m on its own sample estimators_samples_[m]:
    max_samples x n rows drawn WITH replacement from all n rows (without replacement when
    bootstrap=False), and predicts the mean of its learners' predictions."""
    n = 200
    X = hidden_rng.normal(size=(n, 3))
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.1 * hidden_rng.normal(size=n)
    X_new = hidden_rng.normal(size=(50, 3))
    for bootstrap, max_samples in ((True, 1.0), (True, 0.5), (False, 0.5)):
        model = student.ensemble.BaggingRegressor(n_estimators=30, max_samples=max_samples, bootstrap=bootstrap,
                                                  random_state=int(hidden_rng.integers(2**31 - 1))).fit(X, y)
        samples = [np.asarray(idx) for idx in model.estimators_samples_]
        learners = list(model.estimators_)
        what = f"bootstrap={bootstrap}, max_samples={max_samples}"
        if len(samples) != 30 or len(learners) != 30:
            raise Fail(f"n_estimators=30 ({what}) gave {len(learners)} learners and {len(samples)} samples")
        n_draw = int(max_samples * n)
        if any(idx.shape != (n_draw,) for idx in samples):
            raise Fail(f"each learner's sample should hold max_samples x n = {n_draw} row indices ({what})")
        repeats = np.mean([len(np.unique(idx)) < n_draw for idx in samples])
        if bootstrap and repeats < 0.9:
            raise Fail("bootstrap samples are drawn WITH replacement: most of them repeat some rows")
        if not bootstrap and repeats > 0:
            raise Fail("with bootstrap=False a sample never repeats a row")
        if bootstrap and len(np.unique(np.concatenate(samples))) != n:
            raise Fail("every training row can be drawn: draw indices from 0 to n - 1")
        if len({tuple(idx[:10]) for idx in samples}) < 25:
            raise Fail("the learners' samples should differ from one another (one random stream, advanced per learner)")
        for m in (0, 29):  # a full-depth tree reproduces the targets of the rows it was fitted on
            if not np.allclose(np.asarray(learners[m].predict(X[samples[m]])), y[samples[m]], atol=1e-9):
                raise Fail("learner m is fitted on the rows estimators_samples_[m] (X[idx], y[idx])")
        mean = np.mean([np.asarray(t.predict(X_new)) for t in learners], axis=0)
        if not np.allclose(_predict(model, X_new), mean, rtol=0, atol=1e-12):
            raise Fail("predict returns the mean of the learners' predictions")


@pytest.mark.points(2)
@pytest.mark.needs("test_bagging_bootstrap_samples")
def test_bagging_reduces_variance(student, data):
    """Bagged deep trees predict new galaxies' redshifts with a mean squared error below
    0.8 of a single deep tree's (averaging bootstrap learners removes variance)."""
    model = student.ensemble.BaggingRegressor(n_estimators=30, random_state=0).fit(data["X_train"], data["z_train"])
    single = SkTreeRegressor(random_state=0).fit(data["X_train"], data["z_train"])
    ratio = _mse(data["z_test"], _predict(model, data["X_test"])) / _mse(data["z_test"], single.predict(data["X_test"]))
    # reference: bagged MSE 0.51-0.64 of the single tree's for seeds 0..6
    assert ratio < 0.8


def _negative_gradient(loss, y, raw, alpha):
    diff = y - raw
    if loss == "squared_error":
        return diff, None
    if loss == "absolute_error":
        return np.sign(diff), None
    delta = np.quantile(np.abs(diff), alpha)
    return np.clip(diff, -delta, delta), delta


def _leaf_step(loss, diff, residual, delta):
    if loss == "squared_error":
        return residual.mean()
    median = np.median(diff)
    if loss == "absolute_error":
        return median
    deviation = diff - median
    return median + np.mean(np.sign(deviation) * np.minimum(np.abs(deviation), delta))


@pytest.mark.points(3)
def test_gradient_boosting_recursion(student, data, hidden_rng):
    """GradientBoostingRegressor follows Friedman's recursion for each loss: F_0 is the
    mean (squared_error) or the median (absolute_error, huber); stage m fits a tree to the
    negative gradient at F_{m-1}, sets each leaf to the loss-optimal step (the table in
    the class docstring) and adds learning_rate x that step."""
    rows = hidden_rng.choice(len(data["z_train"]), size=300, replace=False)
    X, y = data["X_train"][rows], data["z_train"][rows]
    y = y + (hidden_rng.random(300) < 0.1) * hidden_rng.uniform(0.5, 1.5, 300)  # catastrophic outliers
    lr = float(hidden_rng.choice([0.3, 0.5]))
    for loss in ("squared_error", "absolute_error", "huber"):
        model = student.ensemble.GradientBoostingRegressor(loss=loss, n_estimators=4, learning_rate=lr, max_depth=2,
                                                           alpha=0.8, random_state=0).fit(X, y)
        init = np.mean(y) if loss == "squared_error" else np.median(y)
        if not np.allclose(np.asarray(model.init_, dtype=float).ravel(), [init], rtol=0, atol=1e-12):
            raise Fail(f"loss={loss!r}: F_0 (init_) should be the {'mean' if loss == 'squared_error' else 'median'}"
                       " of the targets")
        raw = np.full(len(y), init)
        trees, steps = model.estimators_, model.leaf_values_
        if len(trees) != 4 or len(steps) != 4:
            raise Fail(f"loss={loss!r}: n_estimators=4 should give 4 stages, got {len(trees)}")
        for m in range(4):
            tree, values = trees[m][0], np.asarray(steps[m][0], dtype=float)
            residual, delta = _negative_gradient(loss, y, raw, 0.8)
            leaves = np.asarray(tree.apply(X))
            fitted = np.asarray(tree.predict(X), dtype=float)
            leaf_means = {leaf: residual[leaves == leaf].mean() for leaf in np.unique(leaves)}
            if not np.allclose(fitted, [leaf_means[leaf] for leaf in leaves], rtol=0, atol=1e-9):
                raise Fail(f"loss={loss!r}: the tree of stage {m + 1} should be fitted to the negative gradient "
                           f"of the loss at F_{m}")
            expected = {leaf: _leaf_step(loss, (y - raw)[leaves == leaf], residual[leaves == leaf], delta)
                        for leaf in leaf_means}
            if not all(abs(values[leaf] - v) <= 1e-9 for leaf, v in expected.items()):
                raise Fail(f"loss={loss!r}: the leaf values of stage {m + 1} should be the loss-optimal steps")
            raw = raw + lr * values[leaves]
        if not np.allclose(_predict(model, X), raw, rtol=0, atol=1e-9):
            raise Fail(f"loss={loss!r}: predict should return F_0 + learning_rate x (sum of the stages' leaf values)")


@pytest.mark.points(2)
@pytest.mark.needs("test_gradient_boosting_recursion")
def test_gradient_boosting_is_friedman(student, data):
    """GradientBoostingRegressor(n_estimators=100, max_depth=3) predicts the redshifts of
    new galaxies like scikit-learn's gradient boosting with the same parameters."""
    params = dict(n_estimators=100, learning_rate=0.1, max_depth=3, random_state=0)
    model = student.ensemble.GradientBoostingRegressor(**params).fit(data["X_train"], data["z_train"])
    ref = SkGradientBoosting(**params).fit(data["X_train"], data["z_train"])
    pred = _predict(model, data["X_test"])
    # reference vs scikit-learn: mean |dz| 0.4-1.4e-3 (equal-cost splits), seeds 0..6
    assert np.mean(np.abs(pred - ref.predict(data["X_test"]))) < 0.01


@pytest.mark.points(1)
@pytest.mark.needs("test_gradient_boosting_recursion")
def test_boosting_training_loss_decreases(student, data):
    """train_score_ holds the training loss after each stage: with squared error and no
    subsampling it goes down at every stage, and its last entry is the fitted model's."""
    model = student.ensemble.GradientBoostingRegressor(n_estimators=50, random_state=0)
    model.fit(data["X_train"], data["z_train"])
    score = np.asarray(model.train_score_, dtype=float)
    assert score.shape == (50,)
    assert np.all(np.diff(score) <= 1e-12) and score[-1] < 0.5 * score[0]
    # the last entry is the training loss of the fitted model itself (the mean squared
    # error; half of it in scikit-learn's convention), not a made-up decreasing sequence
    final = _mse(data["z_train"], _predict(model, data["X_train"]))
    assert min(abs(score[-1] - final), abs(score[-1] - 0.5 * final)) <= 1e-6 * final


@pytest.mark.points(2)
@pytest.mark.needs("test_gradient_boosting_recursion")
def test_photoz_quality(student, data):
    """Your boosted photometric redshifts of new galaxies reach sigma_NMAD < 0.065 and a
    catastrophic-outlier fraction below 15 %."""
    model = student.ensemble.GradientBoostingRegressor(n_estimators=200, learning_rate=0.1, max_depth=4,
                                                      random_state=0)
    z_pred = _predict(model.fit(data["X_train"], data["z_train"]), data["X_test"])
    z = data["z_test"]
    # reference: sigma_NMAD 0.044-0.051, outliers 9.8-11.2 % for seeds 0..6
    assert _nmad(z, z_pred) < 0.065
    assert np.mean(np.abs(_dz(z, z_pred)) > 0.15) < 0.15


@pytest.mark.points(2)
def test_adaboost_is_samme(student, data, hidden_rng):
    """AdaBoostClassifier follows SAMME: learner weight alpha = learning_rate (log((1 -
    err) / err) + log(K - 1)), misclassified points' weights multiplied by exp(alpha) and
    renormalised, decision = alpha-weighted votes (1 for the predicted class, -1/(K-1) for
    the others) divided by the sum of alphas; a perfect learner ends the boosting."""
    rows = hidden_rng.choice(len(data["z_train"]), size=600, replace=False)
    X, z = data["X_train"][rows], data["z_train"][rows]
    y = np.digitize(z, np.quantile(z, [0.35, 0.7]))               # three redshift bins
    X_new = data["X_test"][:400]
    lr = float(hidden_rng.uniform(0.4, 0.9))
    model = student.ensemble.AdaBoostClassifier(n_estimators=12, learning_rate=lr, random_state=0).fit(X, y)
    ref = SkAdaBoost(n_estimators=12, learning_rate=lr, random_state=0).fit(X, y)
    # scikit-learn's SAMME on the same stumps: weights and votes agree to rounding
    # (1e-15) for seeds 0..3; stumps on continuous colours have no tied splits
    weights = np.asarray(model.estimator_weights_, dtype=float)
    if weights.shape != ref.estimator_weights_.shape or not np.allclose(weights, ref.estimator_weights_, atol=1e-8):
        raise Fail("estimator_weights_ differ from SAMME's alpha = learning_rate (log((1 - err)/err) + log(K - 1)) "
                   "with err the weighted error of each new stump (3 classes)")
    if not np.allclose(np.asarray(model.decision_function(X_new), dtype=float), ref.decision_function(X_new),
                       atol=1e-8):
        raise Fail("decision_function differs from SAMME's normalised weighted votes (3 classes)")
    # a separable problem: the first stump is perfect and ends the boosting
    Xs = hidden_rng.normal(size=(100, 2))
    ys = (Xs[:, 1] > hidden_rng.uniform(-0.5, 0.5)).astype(int)
    sep = student.ensemble.AdaBoostClassifier(n_estimators=10, random_state=0).fit(Xs, ys)
    if len(sep.estimators_) != 1 or not np.array_equal(np.asarray(sep.predict(Xs)), ys):
        raise Fail("when a learner classifies every training point correctly, keep it and stop boosting")
    if not np.allclose(np.asarray(sep.estimator_weights_, dtype=float), [1.0]):
        raise Fail("a perfect learner is kept with weight 1 (its SAMME weight would be infinite)")


@pytest.mark.points(2)
@pytest.mark.needs("test_adaboost_is_samme")
def test_adaboost_beats_its_stump(student, data):
    """AdaBoost with 100 stumps selects high-redshift (z > 1) galaxies at least 8 points
    more accurately than a single decision stump."""
    y_train = (data["z_train"] > 1).astype(int)
    y_test = (data["z_test"] > 1).astype(int)
    model = student.ensemble.AdaBoostClassifier(n_estimators=100, random_state=0).fit(data["X_train"], y_train)
    acc = np.mean(np.asarray(model.predict(data["X_test"])) == y_test)
    stump = np.mean(SkTreeClassifier(max_depth=1).fit(data["X_train"], y_train).predict(data["X_test"]) == y_test)
    # reference: 0.900-0.912 against a stump's 0.748-0.787 for seeds 0..6
    assert acc > stump + 0.08


# ---------------------------------------------------------------------------- photoz.py
@pytest.mark.points(1)
def test_normalised_residuals(student, data):
    """normalised_residuals returns (z_pred - z_true) / (1 + z_true)."""
    rng = np.random.default_rng(data["seed"])
    z = rng.uniform(0, 2, 300)                         # synthetic: test redshifts stay here
    z_pred = z + 0.05 * rng.normal(size=300) * (1 + z)
    got = np.asarray(student.photoz.normalised_residuals(z, z_pred), dtype=float)
    assert np.allclose(got, _dz(z, z_pred), rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
def test_sigma_nmad(student, data):
    """sigma_nmad returns 1.4826 x median(|dz - median(dz)|) of the normalised residuals
    (it equals the standard deviation for Gaussian residuals)."""
    rng = np.random.default_rng(data["seed"] + 1)
    z = rng.uniform(0, 2, 500)
    z_pred = z + rng.normal(scale=0.03, size=500) * (1 + z)
    z_pred[:25] += 1.0                                 # catastrophic outliers
    assert abs(float(student.photoz.sigma_nmad(z, z_pred)) - _nmad(z, z_pred)) < 1e-12


@pytest.mark.points(1)
def test_outlier_fraction(student, data):
    """outlier_fraction returns the fraction of galaxies with |dz| / (1 + z) strictly
    above the threshold."""
    rng = np.random.default_rng(data["seed"] + 2)
    z = rng.uniform(0, 2, 400)
    z_pred = z + rng.normal(scale=0.1, size=400) * (1 + z)
    z[:4], z_pred[:4] = 0.0, [0.15, -0.15, 0.05, -0.05]      # exactly on a boundary: not outliers
    for threshold in (0.15, 0.05):
        got = float(student.photoz.outlier_fraction(z, z_pred, threshold))
        assert abs(got - np.mean(np.abs(_dz(z, z_pred)) > threshold)) < 1e-12


@pytest.mark.points(1)
def test_bias_variance_formula(student, data):
    """bias_variance: squared bias of the MEAN prediction per point, variance ACROSS
    resamples per point, both averaged over points."""
    rng = np.random.default_rng(data["seed"] + 3)
    P = rng.normal(size=(15, 40)) + rng.normal(size=40)
    y = rng.normal(size=40)
    bias2, var = student.photoz.bias_variance(P, y)
    assert abs(float(bias2) - np.mean((P.mean(axis=0) - y) ** 2)) < 1e-10
    assert abs(float(var) - np.mean(P.var(axis=0))) < 1e-10


@pytest.mark.points(2)
@pytest.mark.needs("test_bias_variance_formula")
def test_bootstrap_bias_variance_tradeoff(student, data):
    """Bootstrap predictions show the trade-off: full-depth trees have low bias and high
    variance, depth-2 trees the opposite (each resample drawn WITH replacement)."""
    X_tr, z_tr, X_te, z_te = data["X_train"][:600], data["z_train"][:600], data["X_test"][:400], data["z_test"][:400]
    stats = {}
    for depth in (2, None):
        P = np.asarray(student.photoz.bootstrap_predictions(X_tr, z_tr, X_te, n_bootstraps=15, max_depth=depth),
                       dtype=float)
        if P.shape != (15, len(X_te)):
            raise Fail(f"bootstrap_predictions returned shape {P.shape}, expected (15, {len(X_te)})")
        stats[depth] = (np.mean((P.mean(axis=0) - z_te) ** 2), np.mean(P.var(axis=0)), np.mean((P - z_te) ** 2))
    # reference: variance of full-depth trees 1.5-3.1x that of depth-2 trees and
    # 44-56 % of their mean squared error; squared bias of depth 2 2.0-2.9x that of full
    # depth, seeds 0..9.  Resampling without replacement gives (almost) zero variance.
    assert stats[None][1] > 1.2 * stats[2][1]
    assert stats[None][1] > 0.2 * stats[None][2]
    assert stats[2][0] > 1.5 * stats[None][0]
