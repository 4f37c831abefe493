"""Hidden checks of the ensembles assignment.

Run on the trusted side: ``student`` proxies the submission (``ensemble.py``,
``photoz.py``) in the sandbox.  Margins were measured on the reference solution over
hidden seeds 0..9 (stated at each threshold).
"""
from __future__ import annotations

import numpy as np
import pytest
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
def test_bagging_reduces_variance(student, data):
    """Bagging does not beat a single deep tree on new galaxies: each learner should see
    its own bootstrap sample (drawn with replacement) and the predictions be averaged."""
    model = student.ensemble.BaggingRegressor(n_estimators=30, random_state=0).fit(data["X_train"], data["z_train"])
    single = SkTreeRegressor(random_state=0).fit(data["X_train"], data["z_train"])
    ratio = _mse(data["z_test"], _predict(model, data["X_test"])) / _mse(data["z_test"], single.predict(data["X_test"]))
    # reference: bagged MSE 0.51-0.64 of the single tree's for seeds 0..6
    assert ratio < 0.8


@pytest.mark.points(2)
def test_gradient_boosting_is_friedman(student, data):
    """GradientBoostingRegressor does not follow the boosting recursion F_m = F_{m-1} +
    learning_rate * tree fitted to the negative gradient (start from the mean)."""
    params = dict(n_estimators=100, learning_rate=0.1, max_depth=3, random_state=0)
    model = student.ensemble.GradientBoostingRegressor(**params).fit(data["X_train"], data["z_train"])
    ref = SkGradientBoosting(**params).fit(data["X_train"], data["z_train"])
    pred = _predict(model, data["X_test"])
    # reference vs scikit-learn: mean |dz| 0.4-1.4e-3 (equal-cost splits), seeds 0..6
    assert np.mean(np.abs(pred - ref.predict(data["X_test"]))) < 0.01


@pytest.mark.points(1)
def test_boosting_training_loss_decreases(student, data):
    """The training loss of gradient boosting (train_score_) should go down at every stage
    with squared error and no subsampling."""
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
def test_photoz_quality(student, data):
    """Your boosted photometric redshifts are less accurate than expected (scatter in
    dz/(1+z) or catastrophic-outlier fraction)."""
    model = student.ensemble.GradientBoostingRegressor(n_estimators=200, learning_rate=0.1, max_depth=4,
                                                      random_state=0)
    z_pred = _predict(model.fit(data["X_train"], data["z_train"]), data["X_test"])
    z = data["z_test"]
    # reference: sigma_NMAD 0.044-0.051, outliers 9.8-11.2 % for seeds 0..6
    assert _nmad(z, z_pred) < 0.065
    assert np.mean(np.abs(_dz(z, z_pred)) > 0.15) < 0.15


@pytest.mark.points(2)
def test_adaboost_beats_its_stump(student, data):
    """AdaBoost does not improve much on a single decision stump for high-z (z > 1)
    selection: check the weight update (misclassified points get heavier) and the
    weighted vote."""
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
    """normalised_residuals is not (z_pred - z_true) / (1 + z_true)."""
    rng = np.random.default_rng(data["seed"])
    z = rng.uniform(0, 2, 300)                         # synthetic: test redshifts stay here
    z_pred = z + 0.05 * rng.normal(size=300) * (1 + z)
    got = np.asarray(student.photoz.normalised_residuals(z, z_pred), dtype=float)
    assert np.allclose(got, _dz(z, z_pred), rtol=1e-12, atol=1e-14)


@pytest.mark.points(1)
def test_sigma_nmad(student, data):
    """sigma_nmad is not the normalised median absolute deviation of dz / (1 + z) (it
    should equal the standard deviation for Gaussian residuals)."""
    rng = np.random.default_rng(data["seed"] + 1)
    z = rng.uniform(0, 2, 500)
    z_pred = z + rng.normal(scale=0.03, size=500) * (1 + z)
    z_pred[:25] += 1.0                                 # catastrophic outliers
    assert abs(float(student.photoz.sigma_nmad(z, z_pred)) - _nmad(z, z_pred)) < 1e-12


@pytest.mark.points(1)
def test_outlier_fraction(student, data):
    """outlier_fraction is not the fraction of |dz| / (1 + z) above the threshold."""
    rng = np.random.default_rng(data["seed"] + 2)
    z = rng.uniform(0, 2, 400)
    z_pred = z + rng.normal(scale=0.1, size=400) * (1 + z)
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
def test_bootstrap_bias_variance_tradeoff(student, data):
    """Bootstrap predictions do not show the trade-off: deep trees should have low bias
    and high variance, shallow ones the opposite (resample WITH replacement)."""
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
