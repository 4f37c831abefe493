"""reference.tree against scikit-learn's CART."""
import numpy as np
import pytest
from sklearn import tree as sk_tree
from sklearn.datasets import load_diabetes, load_iris, make_classification, make_regression

from reference.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    entropy_impurity,
    gini_impurity,
    squared_error_impurity,
)
from _helpers_b import single_blas_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with single_blas_thread():
        yield


def regression_sets():
    X1, y1 = make_regression(300, 6, n_informative=4, noise=5.0, random_state=0)
    X2, y2 = load_diabetes(return_X_y=True)
    rng = np.random.RandomState(1)
    X3 = rng.uniform(-3, 3, (250, 3))
    y3 = np.sin(X3[:, 0]) * X3[:, 1] + 0.1 * rng.randn(250)
    return [(X1, y1), (X2[:300], y2[:300]), (X3, y3)]


def classification_sets():
    X1, y1 = make_classification(300, 8, n_informative=4, n_classes=3, random_state=0)
    X2, y2 = load_iris(return_X_y=True)
    X2 = X2 + np.random.RandomState(0).normal(0, 1e-3, X2.shape)  # break value ties
    X3, y3 = make_classification(250, 5, n_informative=3, flip_y=0.1, random_state=2)
    return [(X1, y1), (X2, y2), (X3, y3)]


def test_impurities_by_hand():
    assert gini_impurity([5, 5]) == pytest.approx(0.5)
    assert gini_impurity([10, 0]) == pytest.approx(0.0)
    assert gini_impurity([1, 1, 1, 1]) == pytest.approx(0.75)
    assert entropy_impurity([5, 5]) == pytest.approx(1.0)
    assert entropy_impurity([4, 0]) == pytest.approx(0.0)
    assert entropy_impurity([1, 1, 1, 1]) == pytest.approx(2.0)
    np.testing.assert_allclose(gini_impurity([[3, 1], [2, 2]]), [0.375, 0.5])
    assert squared_error_impurity([1.0, 3.0]) == pytest.approx(1.0)
    assert squared_error_impurity([1.0, 3.0], [3.0, 1.0]) == pytest.approx(0.75)


# Where two features split a node into exactly the same two sample sets (common in small
# nodes, and iris separates setosa on two features), the choice between them is
# arbitrary: scikit-learn takes the first in a random feature order.  Such ties do not
# change predictions on the training points, leaves or depth, so those are compared on
# every tree; thresholds, importances and predictions on new points are compared where
# the splits are unique (shallow trees).
@pytest.mark.parametrize("max_depth,min_leaf", [(1, 1), (2, 1), (3, 5), (8, 10), (None, 1)])
@pytest.mark.parametrize("case", range(3))
def test_regressor_matches_sklearn(max_depth, min_leaf, case):
    X, y = regression_sets()[case]
    ours = DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=min_leaf).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=min_leaf,
                                        random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6, atol=1e-6)
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()
    if max_depth is not None and max_depth <= 2:
        X_new = X + np.random.RandomState(5).normal(0, 0.05, X.shape)
        np.testing.assert_allclose(ours.predict(X_new), ref.predict(X_new), rtol=1e-6,
                                   atol=1e-6)
        np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_,
                                   atol=1e-6)
        np.testing.assert_array_equal(ours.tree_.feature, ref.tree_.feature)
        np.testing.assert_allclose(ours.tree_.threshold, ref.tree_.threshold, atol=1e-6)


@pytest.mark.parametrize("criterion", ["gini", "entropy", "log_loss"])
@pytest.mark.parametrize("case", range(3))
def test_classifier_matches_sklearn(criterion, case):
    X, y = classification_sets()[case]
    # class counts are integers, so in deep nodes two *different* partitions can tie too;
    # exact agreement is checked on shallow trees, fully grown ones must both interpolate
    full = DecisionTreeClassifier(criterion=criterion, random_state=0).fit(X, y)
    assert full.score(X, y) == 1.0
    ref_depth = sk_tree.DecisionTreeClassifier(criterion=criterion,
                                               random_state=0).fit(X, y).get_depth()
    assert abs(full.get_depth() - ref_depth) <= 2   # tie-breaking may shift it slightly
    for depth, leaf in [(1, 1), (2, 1)]:
        ours = DecisionTreeClassifier(criterion=criterion, max_depth=depth,
                                      min_samples_leaf=leaf).fit(X, y)
        ref = sk_tree.DecisionTreeClassifier(criterion=criterion, max_depth=depth,
                                             min_samples_leaf=leaf, random_state=0).fit(X, y)
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        assert ours.get_depth() == ref.get_depth()
        assert ours.get_n_leaves() == ref.get_n_leaves()
        if case != 1:                                       # no tied splits here
            np.testing.assert_allclose(ours.feature_importances_,
                                       ref.feature_importances_, atol=1e-6)
            np.testing.assert_allclose(ours.tree_.threshold, ref.tree_.threshold, atol=1e-6)


def test_stump_has_depth_one_and_two_leaves():
    X, y = make_classification(200, 4, random_state=0)
    stump = DecisionTreeClassifier(max_depth=1).fit(X, y)
    assert stump.get_depth() == 1 and stump.get_n_leaves() == 2
    assert len(np.unique(stump.apply(X))) == 2


def test_full_tree_fits_training_data_like_sklearn():
    X, y = classification_sets()[0]
    ours = DecisionTreeClassifier(random_state=0).fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(random_state=0).fit(X, y)
    assert ours.score(X, y) == ref.score(X, y) == 1.0
    # the first splits are unambiguous, so the top of the trees agree
    np.testing.assert_array_equal(ours.tree_.feature[:3], ref.tree_.feature[:3])
    # feature importances rank the same top features
    assert set(np.argsort(ours.feature_importances_)[-3:]) == set(
        np.argsort(ref.feature_importances_)[-3:])


def test_min_samples_split_and_leaf_are_respected():
    X, y = regression_sets()[0]
    tree = DecisionTreeRegressor(min_samples_leaf=7, min_samples_split=20).fit(X, y)
    t = tree.tree_
    leaves = t.children_left == -1
    assert t.n_node_samples[leaves].min() >= 7
    assert t.n_node_samples[~leaves].min() >= 20
    ref = sk_tree.DecisionTreeRegressor(min_samples_leaf=7, min_samples_split=20,
                                        random_state=0).fit(X, y)
    assert tree.get_n_leaves() == ref.get_n_leaves()
    frac = DecisionTreeRegressor(min_samples_leaf=0.05).fit(X, y)
    assert frac.tree_.n_node_samples[frac.tree_.children_left == -1].min() >= 15


@pytest.mark.parametrize("max_features,expected", [(None, 8), ("sqrt", 2), ("log2", 3),
                                                    (3, 3), (0.5, 4)])
def test_max_features_resolution_and_randomness(max_features, expected):
    X, y = make_classification(200, 8, n_informative=6, random_state=0)
    a = DecisionTreeClassifier(max_features=max_features, random_state=1).fit(X, y)
    b = DecisionTreeClassifier(max_features=max_features, random_state=1).fit(X, y)
    assert a.max_features_ == expected
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)  # reproducible
    if expected < 8:
        trees = [DecisionTreeClassifier(max_features=max_features, random_state=s).fit(X, y)
                 for s in range(6)]
        assert len({tuple(t.tree_.feature[:3]) for t in trees}) > 1


def test_sample_weight_equals_repetition():
    X, y = make_classification(120, 4, random_state=3)
    w = np.random.RandomState(0).randint(1, 4, len(y))
    weighted = DecisionTreeClassifier(max_depth=4).fit(X, y, sample_weight=w)
    repeated = DecisionTreeClassifier(max_depth=4).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X))


def test_string_labels_and_multioutput_regression():
    X, y = make_classification(150, 4, random_state=0)
    labels = np.array(["star", "galaxy"])[y]
    clf = DecisionTreeClassifier(max_depth=3).fit(X, labels)
    assert set(clf.predict(X)) <= {"star", "galaxy"}
    assert list(clf.classes_) == ["galaxy", "star"]
    Y = np.column_stack([X[:, 0] * 2, X[:, 1] - X[:, 2]])
    reg = DecisionTreeRegressor(max_depth=4).fit(X, Y)
    ref = sk_tree.DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (150, 2)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), atol=1e-6)


@pytest.mark.parametrize("params", [dict(max_depth=0), dict(min_samples_leaf=0),
                                    dict(min_samples_split=1), dict(max_features="all"),
                                    dict(criterion="mae")])
def test_bad_parameters_raise(params):
    X, y = make_classification(50, 4, random_state=0)
    with pytest.raises(ValueError):
        DecisionTreeClassifier(**params).fit(X, y)


def test_predict_checks_feature_count():
    X, y = make_regression(50, 4, random_state=0)
    tree = DecisionTreeRegressor(max_depth=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        tree.predict(X[:, :3])
