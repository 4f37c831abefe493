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


def _noisy_step(n=300, seed=1):
    """One weak step buried in noise: cross-validation prefers a shallow tree."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0.2) * 1.0 + rng.normal(size=n)


@pytest.mark.points(1)
def test_impurities(student):
    """Gini of a 50/50 node is 0.5, of counts (1, 1, 2) 0.625; its entropy is 1 bit and
    1.5 bits; a pure node has zero impurity."""
    t = student.trees
    assert abs(float(t.gini_impurity(np.array([5.0, 5.0]))) - 0.5) < 1e-12
    assert abs(float(t.gini_impurity(np.array([1.0, 1.0, 2.0]))) - 0.625) < 1e-12
    assert abs(float(t.entropy_impurity(np.array([5.0, 5.0]))) - 1.0) < 1e-12, "entropy is in bits: use log2"
    assert abs(float(t.entropy_impurity(np.array([1.0, 1.0, 2.0]))) - 1.5) < 1e-12
    assert abs(float(t.gini_impurity(np.array([4.0, 0.0])))) < 1e-12
    assert abs(float(t.entropy_impurity(np.array([4.0, 0.0])))) < 1e-12


@pytest.mark.points(1)
def test_a_stump_finds_the_step(student):
    """A stump (max_depth=1) splits once, on the feature with the big step."""
    X, y = _step()
    model = student.trees.DecisionTreeRegressor(max_depth=1, random_state=0).fit(X, y)
    imp = np.asarray(model.feature_importances_)
    assert int(model.get_depth()) == 1, "max_depth=1 is a single split (the root has depth 0)"
    assert int(np.argmax(imp)) == 1 and abs(imp.sum() - 1.0) < 1e-9
    assert len(np.unique(np.asarray(model.predict(X)))) == 2


@pytest.mark.points(1)
def test_thresholds_between_distinct_values(student):
    """Tied values stay together, and the threshold lies half-way between two different
    values: here x = 1 (three times) and x = 2, so the split is at 1.5."""
    X = np.array([[0.0], [0.0], [0.0], [1.0], [1.0], [1.0], [2.0], [2.0], [2.0]])
    y = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0])
    model = student.trees.DecisionTreeRegressor(max_depth=1, random_state=0).fit(X, y)
    pred = np.asarray(model.predict(np.array([[1.0], [1.25], [1.75], [2.0]])), dtype=float)
    assert np.allclose(pred, [5 / 6, 5 / 6, 5.0, 5.0])


@pytest.mark.points(1)
def test_depth_two_is_exact_here(student):
    """Two levels are enough to fit this noise-free step function exactly."""
    X, y = _step()
    pred = np.asarray(student.trees.DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y).predict(X))
    assert np.allclose(pred, y)


@pytest.mark.points(1)
def test_importances_are_impurity_decreases(student):
    """Two splits: the root's decrease (parent minus both children) goes to feature 1,
    the children's to feature 0, normalised to sum to 1."""
    X, y = _step()
    model = student.trees.DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y)
    # by hand from the definition: weighted impurities W * H of the nodes, H the variance
    left, right = X[:, 1] <= 0.5, X[:, 1] > 0.5

    def sse(v):
        return float(np.sum((v - v.mean()) ** 2))

    root = sse(y) - sse(y[left]) - sse(y[right])
    children = sse(y[left]) + sse(y[right])          # both children end in pure leaves
    expected = np.array([children, root, 0.0]) / (root + children)
    assert np.allclose(np.asarray(model.feature_importances_, dtype=float), expected, atol=1e-6)


@pytest.mark.points(1)
def test_depth_curve_and_best_depth(student):
    """Trees are fitted on the training set only: at depth 12 the training error is far
    below the validation error.  best_depth returns one of the depths given (not its
    position) and prefers a shallow tree when the signal is weak."""
    X, y = _noisy_step()
    train, val = student.cluster_masses.depth_curve(X[:200], y[:200], X[200:], y[200:], [1, 2, 12])
    train, val = np.asarray(train, dtype=float), np.asarray(val, dtype=float)
    assert train.shape == (3,) and val.shape == (3,)
    assert val[-1] > 2 * train[-1]
    depths = [2, 3, 5, 8, 16]
    best = int(student.cluster_masses.best_depth(X, y, depths))
    assert best in depths, f"best_depth returned {best}: return the depth itself, not its index"
    assert best <= 5


@pytest.mark.points(1)
def test_permutation_importance_on_a_step(student):
    """Shuffling the step feature raises the error; shuffling a column the tree never uses
    changes nothing (each column is restored before the next one); more repeats average,
    they do not add up."""
    X, y = _step()
    model = student.trees.DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y)
    perm = np.asarray(student.cluster_masses.permutation_importance(model, X, y, n_repeats=2), dtype=float)
    assert perm.shape == (3,) and int(np.argmax(perm)) == 1
    assert abs(perm[2]) < 1e-12
    more = np.asarray(student.cluster_masses.permutation_importance(model, X, y, n_repeats=10), dtype=float)
    assert 0.5 < more.sum() / perm.sum() < 2.0


@pytest.mark.points(1)
def test_forest_importances(student):
    """forest_importances uses RandomForestRegressor(max_features=0.5, min_samples_leaf=3)
    with the n_estimators and random_state given, importances in column order."""
    from sklearn.ensemble import RandomForestRegressor

    X, y = _step()
    forest = np.asarray(student.cluster_masses.forest_importances(X, y, n_estimators=20, random_state=3))
    assert forest.shape == (3,) and int(np.argmax(forest)) == 1
    ref = RandomForestRegressor(n_estimators=20, max_features=0.5, min_samples_leaf=3, random_state=3).fit(X, y)
    assert np.allclose(forest, ref.feature_importances_, atol=1e-10)
