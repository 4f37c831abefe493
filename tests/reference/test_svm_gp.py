"""reference.svm and reference.gaussian_process against scikit-learn."""
import numpy as np
import pytest
from sklearn import svm as sk_svm
from sklearn.datasets import load_iris, make_blobs, make_circles, make_classification
from sklearn.gaussian_process import GaussianProcessRegressor as SkGP
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

from reference.gaussian_process import GaussianProcessRegressor, rbf
from reference.svm import SVC, linear_kernel, polynomial_kernel, rbf_kernel, smo
from _helpers_b import single_blas_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with single_blas_thread():
        yield


# ------------------------------------------------------------------------------ SVC
def test_kernels_by_hand():
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(linear_kernel(X, X), [[1, 0], [0, 4]])
    np.testing.assert_allclose(polynomial_kernel(X, X, degree=2, gamma=1.0, coef0=1.0),
                               [[4, 1], [1, 25]])
    np.testing.assert_allclose(rbf_kernel(X, X, gamma=0.5), [[1, np.exp(-2.5)],
                                                             [np.exp(-2.5), 1]])


def test_smo_hard_margin_by_hand():
    # two points: the optimum puts both on the margin, w = (x1 - x0)/2... f(x) = x - 1 here
    K = linear_kernel(np.array([[0.0], [2.0]]), np.array([[0.0], [2.0]]))
    alpha, b, _ = smo(K, np.array([-1.0, 1.0]), C=100.0, tol=1e-10)
    np.testing.assert_allclose(alpha, [0.5, 0.5], atol=1e-8)
    assert b == pytest.approx(-1.0)


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly"])
@pytest.mark.parametrize("seed", [3, 7])
def test_svc_separable_support_vectors_match_sklearn(kernel, seed):
    X, y = make_blobs(80, centers=2, cluster_std=1.0, random_state=seed)
    ours = SVC(kernel=kernel, C=10.0, tol=1e-6).fit(X, y)
    ref = sk_svm.SVC(kernel=kernel, C=10.0, tol=1e-6).fit(X, y)
    np.testing.assert_array_equal(np.sort(ours.support_), np.sort(ref.support_))
    np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    assert ours.score(X, y) == ref.score(X, y)


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_svc_soft_margin_noisy_data(C):
    X, y = make_classification(200, 5, n_informative=3, flip_y=0.1, random_state=0)
    Xt, yt = X[150:], y[150:]
    ours = SVC(C=C).fit(X[:150], y[:150])
    ref = sk_svm.SVC(C=C).fit(X[:150], y[:150])
    # tol=1e-3 stops both solvers a little before the optimum: same solution within tol
    np.testing.assert_allclose(ours.decision_function(Xt), ref.decision_function(Xt),
                               atol=5e-3)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) <= 0.02
    assert abs(len(ours.support_) - len(ref.support_)) <= 3
    # multipliers stay in the box [0, C]
    assert np.all(np.abs(ours.dual_coef_) <= C + 1e-12)


def test_svc_nonlinear_rbf_beats_linear():
    X, y = make_circles(200, noise=0.1, factor=0.4, random_state=0)
    assert SVC(kernel="rbf").fit(X, y).score(X, y) > 0.95
    assert SVC(kernel="linear").fit(X, y).score(X, y) < 0.75


def test_svc_multiclass_one_vs_one_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    ours = SVC(tol=1e-6).fit(X, y)
    ref = sk_svm.SVC(tol=1e-6).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    ours.set_params(decision_function_shape="ovo")
    ref.set_params(decision_function_shape="ovo")
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)


def test_svc_gamma_and_errors():
    X, y = make_classification(60, 4, random_state=0)
    assert SVC(gamma="scale").fit(X, y)._gamma == pytest.approx(1 / (4 * X.var()))
    assert SVC(gamma="auto").fit(X, y)._gamma == pytest.approx(0.25)
    with pytest.raises(ValueError):
        SVC(kernel="sigmoid").fit(X, y)
    with pytest.raises(ValueError):
        SVC(C=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="class"):
        SVC().fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="features"):
        SVC().fit(X, y).predict(X[:, :2])


def test_svc_max_iter_limits_work():
    X, y = make_classification(100, 4, flip_y=0.2, random_state=0)
    capped = SVC(max_iter=5).fit(X, y)
    assert capped.n_iter_[0] == 5
    assert SVC().fit(X, y).n_iter_[0] > 5


# ------------------------------------------------------------------------------ GP
def gp_data(seed=0, n=40):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 10, (n, 2))
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] + 0.1 * rng.randn(n)
    return X, y, rng.uniform(0, 10, (15, 2))


def sk_kernel(s2, ell, noise):
    return ConstantKernel(s2) * RBF(ell) + WhiteKernel(noise)


@pytest.mark.parametrize("params", [(1.0, 1.0, 0.1), (2.0, 1.5, 0.05), (0.5, 3.0, 1e-3)])
def test_gp_fixed_kernel_posterior_matches_sklearn(params):
    s2, ell, noise = params
    X, y, Xt = gp_data()
    ours = GaussianProcessRegressor(length_scale=ell, signal_variance=s2, noise_level=noise,
                                    optimizer=None).fit(X, y)
    ref = SkGP(sk_kernel(s2, ell, noise), optimizer=None).fit(X, y)
    mean, std = ours.predict(Xt, return_std=True)
    ref_mean, ref_std = ref.predict(Xt, return_std=True)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(std, ref_std, rtol=1e-6, atol=1e-8)
    _, cov = ours.predict(Xt, return_cov=True)
    np.testing.assert_allclose(cov, ref.predict(Xt, return_cov=True)[1], atol=1e-8)
    assert ours.log_marginal_likelihood_value_ == pytest.approx(
        ref.log_marginal_likelihood_value_, rel=1e-9)


def test_gp_log_marginal_likelihood_and_gradient_match_sklearn():
    X, y, _ = gp_data(1)
    ours = GaussianProcessRegressor(optimizer=None).fit(X, y)
    ref = SkGP(sk_kernel(1.0, 1.0, 1.0), optimizer=None).fit(X, y)
    for theta in [np.log([1.3, 0.7, 0.2]), np.log([0.2, 4.0, 0.01])]:
        lml, grad = ours.log_marginal_likelihood(theta, eval_gradient=True)
        ref_lml, ref_grad = ref.log_marginal_likelihood(theta, eval_gradient=True)
        assert lml == pytest.approx(ref_lml, rel=1e-9)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-6)
        # and the gradient is the derivative (central differences)
        h = 1e-5
        numeric = [(ours.log_marginal_likelihood(theta + h * e)
                    - ours.log_marginal_likelihood(theta - h * e)) / (2 * h) for e in np.eye(3)]
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("normalize_y", [False, True])
def test_gp_hyperparameter_fit_matches_sklearn(normalize_y):
    X, y, Xt = gp_data(2)
    ours = GaussianProcessRegressor(normalize_y=normalize_y, n_restarts_optimizer=2,
                                    random_state=0).fit(X, y)
    ref = SkGP(sk_kernel(1.0, 1.0, 1.0), normalize_y=normalize_y, n_restarts_optimizer=2,
               random_state=0).fit(X, y)
    assert ours.log_marginal_likelihood_value_ == pytest.approx(
        ref.log_marginal_likelihood_value_, abs=1e-3)
    np.testing.assert_allclose(ours.theta_, ref.kernel_.theta, atol=1e-2)
    np.testing.assert_allclose(ours.predict(Xt), ref.predict(Xt), atol=1e-3)
    assert ours.log_marginal_likelihood_value_ > GaussianProcessRegressor(
        optimizer=None, normalize_y=normalize_y).fit(X, y).log_marginal_likelihood_value_


def test_gp_interpolates_and_is_uncertain_far_away():
    X = np.linspace(0, 5, 12)[:, None]
    y = np.cos(X[:, 0])
    gp = GaussianProcessRegressor(length_scale=1.0, noise_level=1e-6, optimizer=None).fit(X, y)
    mean, std = gp.predict(X, return_std=True)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert std.max() < 0.01
    far_mean, far_std = gp.predict(np.array([[50.0]]), return_std=True)
    assert far_std[0] == pytest.approx(1.0, abs=1e-3) and abs(far_mean[0]) < 1e-6
    assert rbf(X[:1], X[:1], 2.0, 3.0)[0, 0] == pytest.approx(3.0)


def test_gp_errors():
    X, y, _ = gp_data()
    with pytest.raises(ValueError):
        GaussianProcessRegressor(length_scale=-1.0).fit(X, y)
    with pytest.raises(ValueError):
        GaussianProcessRegressor(optimizer="adam").fit(X, y)
    gp = GaussianProcessRegressor(optimizer=None).fit(X, y)
    with pytest.raises(ValueError):
        gp.predict(X, return_std=True, return_cov=True)
    with pytest.raises(ValueError, match="features"):
        gp.predict(X[:, :1])
