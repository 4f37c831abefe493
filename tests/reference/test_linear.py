"""Linear models and feature transformers against scikit-learn."""
import numpy as np
import pytest
from sklearn import linear_model as skl
from sklearn import preprocessing as skp
from sklearn.datasets import load_diabetes, load_iris, make_classification, make_regression

from reference.linear_model import Lasso, LinearRegression, LogisticRegression, Perceptron, Ridge, soft_threshold
from reference.preprocessing import GaussianFeatures, PolynomialFeatures, StandardScaler


def _regression_sets():
    Xd, yd = load_diabetes(return_X_y=True)
    Xa, ya = make_regression(80, 6, noise=2.0, random_state=1)
    Xb, yb = make_regression(60, 10, n_informative=3, noise=10.0, bias=5.0, random_state=2)
    return {"diabetes": (Xd[:200], yd[:200]), "reg6": (Xa, ya), "sparse10": (Xb, yb)}


REG = _regression_sets()


@pytest.fixture(scope="module")
def diabetes_std():
    X, y = REG["diabetes"]
    X = skp.StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


# ------------------------------------------------------------------ exact solvers
@pytest.mark.parametrize("name", sorted(REG))
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_normal_equations_match_sklearn(name, fit_intercept):
    X, y = REG[name]
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    ref = skl.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-6)


def test_multi_target_normal_and_ridge():
    X, Y = make_regression(50, 4, n_targets=3, noise=1.0, random_state=0)
    for ours, ref in [(LinearRegression(), skl.LinearRegression()), (Ridge(2.0), skl.Ridge(2.0))]:
        ours.fit(X, Y)
        ref.fit(X, Y)
        assert ours.coef_.shape == (3, 4)
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-6)


@pytest.mark.parametrize("name", sorted(REG))
@pytest.mark.parametrize("alpha", [0.01, 1.0, 30.0])
def test_ridge_matches_sklearn(name, alpha):
    X, y = REG[name]
    ours, ref = Ridge(alpha).fit(X, y), skl.Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)


@pytest.mark.parametrize("name", sorted(REG))
@pytest.mark.parametrize("alpha", [0.05, 1.0, 5.0])
def test_lasso_matches_sklearn(name, alpha):
    X, y = REG[name]
    ours = Lasso(alpha, tol=1e-10, max_iter=20000).fit(X, y)
    ref = skl.Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    # exact zeros in the same places
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


def test_lasso_is_sparser_with_larger_alpha_and_zero_above_alpha_max():
    X, y = REG["sparse10"]
    nnz = [np.count_nonzero(Lasso(a).fit(X, y).coef_) for a in (0.1, 3.0, 10.0)]
    assert nnz[0] >= nnz[1] >= nnz[2]
    Xc, yc = X - X.mean(0), y - y.mean()
    alpha_max = np.max(np.abs(Xc.T @ yc)) / len(y)
    assert np.all(Lasso(alpha_max * 1.01).fit(X, y).coef_ == 0)
    assert np.any(Lasso(alpha_max * 0.9).fit(X, y).coef_ != 0)


def test_soft_threshold():
    np.testing.assert_array_equal(soft_threshold(np.array([-3.0, -0.5, 0.0, 0.5, 3.0]), 1.0),
                                  [-2.0, 0.0, 0.0, 0.0, 2.0])


# ------------------------------------------------------------------ gradient solvers
@pytest.mark.parametrize("solver, lr, epochs", [("gd", 0.1, 3000), ("minibatch", 0.01, 300), ("sgd", 0.002, 100)])
def test_gradient_solvers_reach_the_least_squares_solution(diabetes_std, solver, lr, epochs):
    X, y = diabetes_std
    exact = skl.LinearRegression().fit(X, y)
    model = LinearRegression(solver=solver, learning_rate=lr, max_iter=epochs, tol=1e-10, random_state=0).fit(X, y)
    mse_exact = np.mean((exact.predict(X) - y) ** 2)
    mse = np.mean((model.predict(X) - y) ** 2)
    # stated tolerance: within 2 % of the optimal training MSE (SGD's noise floor)
    assert mse <= mse_exact * 1.02
    assert len(model.loss_history_) == model.n_iter_ >= 2
    assert model.loss_history_[-1] < model.loss_history_[0]
    if solver == "gd":  # full-batch GD with a small step decreases the loss monotonically
        assert np.all(np.diff(model.loss_history_) <= 1e-12)
        # diabetes has nearly collinear serum features: compare predictions, not weights
        np.testing.assert_allclose(model.predict(X), exact.predict(X), atol=0.02)


def test_tol_stops_early_and_random_state_reproduces(diabetes_std):
    X, y = diabetes_std
    early = LinearRegression(solver="gd", learning_rate=0.1, max_iter=5000, tol=1e-3).fit(X, y)
    assert early.n_iter_ < 5000
    a = LinearRegression(solver="sgd", learning_rate=0.005, max_iter=5, random_state=3).fit(X, y)
    b = LinearRegression(solver="sgd", learning_rate=0.005, max_iter=5, random_state=3).fit(X, y)
    c = LinearRegression(solver="sgd", learning_rate=0.005, max_iter=5, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


def test_huber_loss_resists_outliers():
    rng = np.random.RandomState(0)
    x = rng.uniform(-2, 2, 100)
    y = 1.5 * x + 0.5 + 0.1 * rng.randn(100)
    y[:8] += 30.0  # gross outliers
    X = x[:, None]
    mse = LinearRegression(solver="gd", learning_rate=0.1, max_iter=2000).fit(X, y)
    hub = LinearRegression(solver="gd", loss="huber", epsilon=1.0, learning_rate=0.5, max_iter=3000, tol=1e-12).fit(X, y)
    assert abs(hub.coef_[0] - 1.5) < 0.15 and abs(hub.intercept_ - 0.5) < 0.3
    assert abs(mse.intercept_ - 0.5) > 1.5  # the squared loss is dragged by the outliers
    ref = skl.HuberRegressor(epsilon=1.35, alpha=0.0).fit(X, y)
    assert abs(hub.coef_[0] - ref.coef_[0]) < 0.15


def test_divergence_is_reported():
    X, y = REG["diabetes"]
    with pytest.raises(ValueError, match="diverged"):
        LinearRegression(solver="gd", learning_rate=10.0, max_iter=200).fit(X * 100, y)


# ------------------------------------------------------------------ logistic regression
CLS = {
    "cls5": make_classification(200, 5, n_informative=3, random_state=0),
    "cls8": make_classification(150, 8, n_informative=4, flip_y=0.1, random_state=3),
    "imbalanced": make_classification(200, 4, weights=[0.85], random_state=5),
}


@pytest.mark.parametrize("name", sorted(CLS))
@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_logistic_binary_matches_sklearn(name, solver, C):
    X, y = CLS[name]
    ours = LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=500).fit(X, y)
    ref = skl.LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    assert ours.coef_.shape == (1, X.shape[1])
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_logistic_class_weight_balanced_is_weighted_cross_entropy():
    X, y = CLS["imbalanced"]
    ours = LogisticRegression(class_weight="balanced", solver="newton", tol=1e-10).fit(X, y)
    ref = skl.LogisticRegression(class_weight="balanced", solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    plain = LogisticRegression().fit(X, y)
    minority = y == 1
    # balancing raises the recall of the rare class
    assert (ours.predict(X)[minority] == 1).mean() > (plain.predict(X)[minority] == 1).mean()
    d = LogisticRegression(class_weight={0: 1.0, 1: 5.0}, tol=1e-10).fit(X, y)
    r = skl.LogisticRegression(class_weight={0: 1.0, 1: 5.0}, solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(d.coef_, r.coef_, atol=1e-6)


def test_logistic_multinomial_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    ours = LogisticRegression(C=1.0, tol=1e-10, max_iter=2000).fit(X, y)
    ref = skl.LogisticRegression(C=1.0, solver="newton-cg", tol=1e-12, max_iter=2000).fit(X, y)
    # stated tolerance for the multinomial L-BFGS: 1e-4 on coefficients, 1e-5 on probabilities
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X).sum(1), 1.0)
    assert np.mean(ours.predict(X) == ref.predict(X)) == 1.0


def test_logistic_gradient_descent_reaches_same_accuracy():
    X, y = CLS["cls5"]
    X = skp.StandardScaler().fit_transform(X)
    gd = LogisticRegression(solver="gd", learning_rate=0.5, max_iter=3000, tol=1e-8).fit(X, y)
    ref = skl.LogisticRegression().fit(X, y)
    assert abs(gd.score(X, y) - ref.score(X, y)) <= 0.01
    np.testing.assert_allclose(gd.coef_, ref.coef_, atol=1e-3)
    with pytest.raises(ValueError, match="two classes"):
        LogisticRegression(solver="newton").fit(*load_iris(return_X_y=True))


def test_logistic_string_labels_and_no_penalty():
    X, y = make_classification(150, 4, n_informative=4, n_redundant=0, flip_y=0.2, random_state=7)
    labels = np.array(["galaxy", "star"])[y]
    m = LogisticRegression(penalty=None, solver="newton", tol=1e-10).fit(X, labels)
    ref = skl.LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-5)
    assert set(m.predict(X)) <= {"galaxy", "star"}


# ------------------------------------------------------------------ perceptron
def _separable(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 2)
    y = (X @ [2.0, -1.0] + 0.3 > 0).astype(int)
    keep = np.abs(X @ [2.0, -1.0] + 0.3) > 0.2  # a margin
    return X[keep], y[keep]


@pytest.mark.parametrize("loss", ["perceptron", "hinge"])
def test_perceptron_separates_separable_data(loss):
    X, y = _separable()
    m = Perceptron(loss=loss).fit(X, y)
    assert m.score(X, y) == 1.0
    assert m.coef_.shape == (1, 2)
    # the learned direction is the true one
    w = m.coef_[0] / np.linalg.norm(m.coef_[0])
    assert w @ (np.array([2.0, -1.0]) / np.sqrt(5)) > 0.95


def test_perceptron_multiclass_and_vs_sklearn():
    X, y = make_classification(300, 4, n_informative=3, n_redundant=0, n_classes=3, class_sep=2.0, random_state=0)
    for loss in ("perceptron", "hinge"):
        ours = Perceptron(loss=loss, random_state=0).fit(X, y)
        assert ours.coef_.shape == (3, 4)
        assert ours.decision_function(X).shape == (300, 3)
        ref = skl.Perceptron(random_state=0).fit(X, y)
        assert ours.score(X, y) >= ref.score(X, y) - 0.05


# ------------------------------------------------------------------ preprocessing
def test_standard_scaler_matches_sklearn_and_inverts():
    X, _ = REG["diabetes"]
    X = X * 10 + 3
    X[:, 2] = 7.0  # a constant column
    ours, ref = StandardScaler().fit(X), skp.StandardScaler().fit(X)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-10)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), X, atol=1e-10)
    np.testing.assert_allclose(StandardScaler(with_mean=False).fit_transform(X),
                               skp.StandardScaler(with_mean=False).fit_transform(X), atol=1e-10)


@pytest.mark.parametrize("degree, interaction_only, include_bias", [(1, False, True), (2, False, True), (3, False, False), (3, True, True)])
def test_polynomial_features_match_sklearn(degree, interaction_only, include_bias):
    X = np.random.RandomState(0).randn(15, 3)
    kw = dict(interaction_only=interaction_only, include_bias=include_bias)
    ours, ref = PolynomialFeatures(degree, **kw).fit(X), skp.PolynomialFeatures(degree, **kw).fit(X)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-12)
    np.testing.assert_array_equal(ours.powers_, ref.powers_)


def test_basis_function_regression_fits_a_sine():
    rng = np.random.RandomState(1)
    x = np.sort(rng.uniform(0, 2 * np.pi, 60))[:, None]
    y = np.sin(x[:, 0]) + 0.05 * rng.randn(60)
    phi = GaussianFeatures(12).fit(x)
    assert phi.transform(x).shape == (60, 12)
    assert phi.width_ == pytest.approx(2 * np.pi / 11, rel=0.1)
    ridge = Ridge(1e-3).fit(phi.transform(x), y)
    assert np.mean((ridge.predict(phi.transform(x)) - np.sin(x[:, 0])) ** 2) < 0.005
    poly = PolynomialFeatures(7, include_bias=False).fit(x)
    ols = LinearRegression().fit(poly.transform(x), y)
    assert np.mean((ols.predict(poly.transform(x)) - np.sin(x[:, 0])) ** 2) < 0.005
    line = LinearRegression().fit(x, y)
    assert np.mean((line.predict(x) - np.sin(x[:, 0])) ** 2) > 0.1  # a line cannot


def test_gaussian_features_values_and_explicit_centres():
    centres = np.array([[0.0, 0.0], [1.0, 1.0]])
    g = GaussianFeatures(centers=centres, width=1.0, include_bias=True).fit(np.zeros((3, 2)))
    out = g.transform(np.array([[0.0, 0.0], [1.0, 0.0]]))
    np.testing.assert_allclose(out, [[1, 1, np.exp(-1)], [1, np.exp(-0.5), np.exp(-0.5)]])


@pytest.mark.parametrize("make", [
    lambda: LinearRegression(solver="newton"),
    lambda: LinearRegression(loss="huber"),
    lambda: LinearRegression(solver="gd", learning_rate=-1),
    lambda: Ridge(alpha=-1),
    lambda: Lasso(alpha=-1),
    lambda: LogisticRegression(C=0),
    lambda: LogisticRegression(class_weight="auto"),
    lambda: Perceptron(loss="log"),
])
def test_bad_parameters_raise_value_error(make):
    X, y = CLS["cls5"]
    with pytest.raises(ValueError):
        make().fit(X, y)


@pytest.mark.parametrize("loss, margin", [("perceptron", 0.0), ("hinge", 1.0)])
def test_perceptron_block_pass_equals_the_plain_sample_loop(loss, margin):
    X, y = make_classification(300, 4, flip_y=0.2, random_state=4)
    t = 2.0 * y - 1
    w, b = np.zeros(4), 0.0
    for _ in range(3):  # three epochs of the textbook loop, no shuffling
        for i in range(len(t)):
            s = X[i] @ w + b
            if (t[i] * s < margin) if margin > 0 else (t[i] * s <= 0):
                w, b = w + 0.5 * t[i] * X[i], b + 0.5 * t[i]
    m = Perceptron(loss=loss, eta0=0.5, max_iter=3, tol=None, shuffle=False).fit(X, y)
    assert m.n_iter_ == 3
    np.testing.assert_allclose(m.coef_[0], w, atol=1e-10)
    assert m.intercept_[0] == pytest.approx(b, abs=1e-10)
