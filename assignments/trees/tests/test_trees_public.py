"""Public checks of the trees assignment: run them with ``course check``.

Small synthetic data only; the hidden checks use a simulated cluster catalogue you have
not seen and compare your trees with CART split by split.
"""
import numpy as np
import pytest


def _step(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, 3))
    y = np.where(X[:, 1] > 0.5, 2.0, -1.0) + 0.5 * (X[:, 0] > 0.3)
    return X, y


@pytest.mark.points(1)
def test_impurities(student):
    """Gini of a 50/50 node is 0.5, its entropy 1 bit; a pure node has zero impurity."""
    assert abs(float(student.trees.gini_impurity(np.array([5.0, 5.0]))) - 0.5) < 1e-12
    assert abs(float(student.trees.entropy_impurity(np.array([5.0, 5.0]))) - 1.0) < 1e-12
    assert abs(float(student.trees.gini_impurity(np.array([4.0, 0.0])))) < 1e-12


@pytest.mark.points(1)
def test_a_stump_finds_the_step(student):
    """A stump (max_depth=1) should split on the feature with the big step."""
    X, y = _step()
    model = student.trees.DecisionTreeRegressor(max_depth=1, random_state=0).fit(X, y)
    imp = np.asarray(model.feature_importances_)
    assert int(np.argmax(imp)) == 1 and abs(imp.sum() - 1.0) < 1e-9
    assert len(np.unique(np.asarray(model.predict(X)))) == 2


@pytest.mark.points(1)
def test_depth_two_is_exact_here(student):
    """Two levels are enough to fit this noise-free step function exactly."""
    X, y = _step()
    pred = np.asarray(student.trees.DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y).predict(X))
    assert np.allclose(pred, y)


@pytest.mark.points(1)
def test_analysis_functions_run(student):
    """depth_curve, best_depth, permutation_importance and forest_importances return
    values of the right shape."""
    X, y = _step()
    train, val = student.cluster_masses.depth_curve(X[:150], y[:150], X[150:], y[150:], [1, 2, 3])
    assert np.asarray(train).shape == (3,) and np.asarray(val).shape == (3,)
    assert int(student.cluster_masses.best_depth(X, y, [1, 2, 3])) in (1, 2, 3)
    model = student.trees.DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y)
    perm = np.asarray(student.cluster_masses.permutation_importance(model, X, y))
    assert perm.shape == (3,) and int(np.argmax(perm)) == 1
    forest = np.asarray(student.cluster_masses.forest_importances(X, y, n_estimators=20))
    assert forest.shape == (3,) and int(np.argmax(forest)) == 1
