"""reference.ensemble against scikit-learn, with sklearn's trees and with reference trees."""
import numpy as np
import pytest
from sklearn import ensemble as sk
from sklearn.datasets import load_diabetes, load_digits, make_classification, make_regression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.tree import DecisionTreeClassifier as SkTreeC

import reference.ensemble as E
from reference.tree import DecisionTreeClassifier, DecisionTreeRegressor
from _helpers_b import single_blas_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with single_blas_thread():
        yield


def split(X, y, n_train):
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def clf_data(kind):
    if kind == "blobs":
        X, y = make_classification(500, 10, n_informative=5, n_classes=3, random_state=1)
    elif kind == "binary":
        X, y = make_classification(500, 8, n_informative=4, flip_y=0.05, random_state=4)
    else:
        X, y = load_digits(return_X_y=True)
        X, y = X[:600], y[:600]
    return split(X, y, int(0.7 * len(y)))


def reg_data(kind):
    if kind == "linear":
        X, y = make_regression(500, 8, n_informative=4, noise=10.0, random_state=0)
    else:
        X, y = load_diabetes(return_X_y=True)
    return split(X, y, int(0.7 * len(y)))


# Stated tolerances: ensembles are random, so we compare held-out metrics with
# scikit-learn's on the same split: accuracy within 0.05, R^2 within 0.05.
ACC_TOL, R2_TOL = 0.05, 0.05


@pytest.mark.parametrize("kind", ["blobs", "binary", "digits"])
@pytest.mark.parametrize("reference_trees", [False, True])
def test_random_forest_classifier(kind, reference_trees):
    X, y, Xt, yt = clf_data(kind)
    est = DecisionTreeClassifier() if reference_trees else None
    ours = E.RandomForestClassifier(n_estimators=30, random_state=0, estimator=est).fit(X, y)
    ref = sk.RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    assert abs(accuracy_score(yt, ours.predict(Xt)) - accuracy_score(yt, ref.predict(Xt))) < ACC_TOL
    proba = ours.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert ours.feature_importances_.sum() == pytest.approx(1.0)
    if kind != "digits":  # the informative features lead both rankings
        assert len(set(np.argsort(ours.feature_importances_)[-3:])
                   & set(np.argsort(ref.feature_importances_)[-3:])) >= 2


@pytest.mark.parametrize("kind", ["linear", "diabetes"])
@pytest.mark.parametrize("reference_trees", [False, True])
def test_random_forest_regressor(kind, reference_trees):
    X, y, Xt, yt = reg_data(kind)
    est = DecisionTreeRegressor() if reference_trees else None
    ours = E.RandomForestRegressor(n_estimators=30, random_state=0, estimator=est,
                                   oob_score=True).fit(X, y)
    ref = sk.RandomForestRegressor(n_estimators=30, random_state=0, oob_score=True).fit(X, y)
    assert abs(r2_score(yt, ours.predict(Xt)) - r2_score(yt, ref.predict(Xt))) < R2_TOL
    assert abs(ours.oob_score_ - ref.oob_score_) < 0.1
    assert np.argmax(ours.feature_importances_) == np.argmax(ref.feature_importances_)


def test_forest_trees_differ_and_max_features_is_passed():
    X, y, _, _ = clf_data("blobs")
    forest = E.RandomForestClassifier(n_estimators=5, max_features=2, random_state=0,
                                      estimator=DecisionTreeClassifier()).fit(X, y)
    assert all(t.max_features_ == 2 for t in forest.estimators_)
    assert len({tuple(t.tree_.feature[:3]) for t in forest.estimators_}) > 1
    again = E.RandomForestClassifier(n_estimators=5, max_features=2, random_state=0,
                                     estimator=DecisionTreeClassifier()).fit(X, y)
    np.testing.assert_array_equal(forest.predict_proba(X), again.predict_proba(X))


@pytest.mark.parametrize("reference_trees", [False, True])
def test_bagging(reference_trees):
    X, y, Xt, yt = clf_data("binary")
    est = DecisionTreeClassifier() if reference_trees else None
    ours = E.BaggingClassifier(est, n_estimators=20, random_state=0, oob_score=True).fit(X, y)
    ref = sk.BaggingClassifier(n_estimators=20, random_state=0, oob_score=True).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) < ACC_TOL
    assert abs(ours.oob_score_ - ref.oob_score_) < 0.06
    single = (DecisionTreeClassifier(random_state=0) if reference_trees
              else SkTreeC(random_state=0)).fit(X, y)
    # averaging reduces variance: the Brier score of the bagged probabilities is lower
    brier = lambda p: np.mean((p[:, 1] - yt) ** 2)
    assert brier(ours.predict_proba(Xt)) < brier(single.predict_proba(Xt))
    Xr, yr, Xrt, yrt = reg_data("linear")
    est = DecisionTreeRegressor() if reference_trees else None
    reg = E.BaggingRegressor(est, n_estimators=20, random_state=0, max_samples=0.8).fit(Xr, yr)
    ref = sk.BaggingRegressor(n_estimators=20, random_state=0, max_samples=0.8).fit(Xr, yr)
    assert abs(reg.score(Xrt, yrt) - ref.score(Xrt, yrt)) < R2_TOL
    assert all(len(idx) == int(0.8 * len(yr)) for idx in reg.estimators_samples_)


@pytest.mark.parametrize("kind", ["blobs", "binary", "digits"])
def test_adaboost_classifier_matches_sklearn_exactly_with_sklearn_stumps(kind):
    X, y, Xt, yt = clf_data(kind)
    ours = E.AdaBoostClassifier(n_estimators=30, learning_rate=0.5, random_state=0).fit(X, y)
    ref = sk.AdaBoostClassifier(n_estimators=30, learning_rate=0.5, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.estimator_weights_, ref.estimator_weights_[:len(ours.estimator_weights_)], rtol=1e-6)
    np.testing.assert_allclose(ours.decision_function(Xt), ref.decision_function(Xt), atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-6)
    for a, b in zip(ours.staged_predict(Xt), ref.staged_predict(Xt)):
        np.testing.assert_array_equal(a, b)


def test_adaboost_classifier_with_reference_stumps():
    X, y, Xt, yt = clf_data("binary")
    ours = E.AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=40,
                                random_state=0).fit(X, y)
    ref = sk.AdaBoostClassifier(n_estimators=40, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) < 0.02
    stump = DecisionTreeClassifier(max_depth=1).fit(X, y)
    assert ours.score(Xt, yt) > stump.score(Xt, yt) + 0.05     # boosting helps
    errors = [1 - accuracy_score(y, p) for p in ours.staged_predict(X)]
    assert errors[-1] < errors[0]


@pytest.mark.parametrize("loss", ["linear", "square", "exponential"])
@pytest.mark.parametrize("reference_trees", [False, True])
def test_adaboost_regressor(loss, reference_trees):
    X, y, Xt, yt = reg_data("linear")
    est = DecisionTreeRegressor(max_depth=3) if reference_trees else None
    ours = E.AdaBoostRegressor(est, n_estimators=30, loss=loss, random_state=0).fit(X, y)
    ref = sk.AdaBoostRegressor(n_estimators=30, loss=loss, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) < R2_TOL
    staged = list(ours.staged_predict(Xt))
    assert len(staged) == len(ours.estimators_)
    np.testing.assert_allclose(staged[-1], ours.predict(Xt))


def test_weighted_median_by_hand():
    class Constant:
        def __init__(self, value):
            self.value = value

        def predict(self, X):
            return np.full(len(X), self.value)

    model = E.AdaBoostRegressor()
    model.estimators_ = [Constant(1.0), Constant(5.0), Constant(3.0)]
    # sorted predictions 1, 3, 5; the median is the first whose cumulative weight >= half
    model.estimator_weights_ = np.array([0.2, 0.6, 0.2])      # cumulative 0.2, 0.4, 1.0
    assert model._weighted_median(np.zeros((2, 1)), 3)[0] == 5.0
    model.estimator_weights_ = np.array([0.2, 0.5, 0.3])      # cumulative 0.2, 0.5, 1.0
    assert model._weighted_median(np.zeros((2, 1)), 3)[0] == 3.0
    model.estimator_weights_ = np.array([0.6, 0.2, 0.2])      # cumulative 0.6, ...
    assert model._weighted_median(np.zeros((2, 1)), 3)[0] == 1.0


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber"])
@pytest.mark.parametrize("kind", ["linear", "diabetes"])
def test_gradient_boosting_regressor(loss, kind):
    X, y, Xt, yt = reg_data(kind)
    ours = E.GradientBoostingRegressor(loss=loss, n_estimators=60, random_state=0).fit(X, y)
    ref = sk.GradientBoostingRegressor(loss=loss, n_estimators=60, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) < R2_TOL
    # training loss decreases monotonically without subsampling
    assert np.all(np.diff(ours.train_score_) <= 1e-9)
    staged = list(ours.staged_predict(Xt))
    assert len(staged) == 60
    np.testing.assert_allclose(staged[-1], ours.predict(Xt))


def test_gradient_boosting_squared_error_stages_like_sklearn():
    X, y, Xt, yt = reg_data("linear")
    ours = E.GradientBoostingRegressor(n_estimators=3, max_depth=2).fit(X, y)
    ref = sk.GradientBoostingRegressor(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    # shallow trees on continuous data have unique splits: the first stages agree exactly
    for a, b in zip(ours.staged_predict(Xt), ref.staged_predict(Xt)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_gradient_boosting_with_reference_trees_and_subsample():
    X, y, Xt, yt = reg_data("linear")
    ours = E.GradientBoostingRegressor(n_estimators=60, subsample=0.7, random_state=0,
                                       estimator=DecisionTreeRegressor()).fit(X, y)
    ref = sk.GradientBoostingRegressor(n_estimators=60, subsample=0.7, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) < R2_TOL
    assert ours.estimators_[0][0].get_depth() <= 3


@pytest.mark.parametrize("kind", ["binary", "blobs"])
@pytest.mark.parametrize("reference_trees", [False, True])
def test_gradient_boosting_classifier(kind, reference_trees):
    X, y, Xt, yt = clf_data(kind)
    est = DecisionTreeRegressor() if reference_trees else None
    ours = E.GradientBoostingClassifier(n_estimators=40, random_state=0, estimator=est).fit(X, y)
    ref = sk.GradientBoostingClassifier(n_estimators=40, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) < ACC_TOL
    proba = ours.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    # log-loss of the two models is close
    eps = 1e-15
    ll = lambda p: -np.mean(np.log(np.clip(p[np.arange(len(yt)), yt], eps, 1)))
    assert abs(ll(proba) - ll(ref.predict_proba(Xt))) < 0.1
    assert np.all(np.diff(ours.train_score_) <= 1e-9)


def test_gradient_boosting_binary_first_stage_like_sklearn():
    X, y, Xt, yt = clf_data("binary")
    ours = E.GradientBoostingClassifier(n_estimators=2, max_depth=2).fit(X, y)
    ref = sk.GradientBoostingClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y)
    for a, b in zip(ours.staged_decision_function(Xt), ref.staged_decision_function(Xt)):
        np.testing.assert_allclose(a, b.ravel(), rtol=1e-6, atol=1e-6)


def test_bad_input():
    X, y, _, _ = clf_data("binary")
    with pytest.raises(ValueError):
        E.RandomForestClassifier(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError):
        E.GradientBoostingRegressor(subsample=1.5).fit(X, y.astype(float))
    with pytest.raises(ValueError):
        E.AdaBoostRegressor(loss="cubic").fit(X, y.astype(float))
    with pytest.raises(ValueError, match="class"):
        E.AdaBoostClassifier().fit(X, np.zeros(len(y)))
    forest = E.RandomForestClassifier(n_estimators=3).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        forest.predict(X[:, :3])
