"""reference PCA, LLE, t-SNE, KMeans and GaussianMixture against scikit-learn."""
import numpy as np
import pytest
from sklearn import cluster as sk_cluster
from sklearn import decomposition as sk_decomposition
from sklearn import manifold as sk_manifold
from sklearn import mixture as sk_mixture
from sklearn.datasets import load_digits, load_iris, make_blobs, make_swiss_roll

from reference.cluster import KMeans, kmeans_plusplus
from reference.decomposition import PCA
from reference.manifold import TSNE, LocallyLinearEmbedding, conditional_probabilities
from reference.mixture import GaussianMixture
from _helpers_b import single_blas_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with single_blas_thread():
        yield


def pca_sets():
    X1, _ = load_digits(return_X_y=True)
    X2, _ = load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    X3 = rng.randn(60, 5) @ rng.randn(5, 12) + rng.randn(60, 12) * 0.1   # rank ~5, wide
    return [X1[:300], X2, X3]


# ------------------------------------------------------------------------------ PCA
@pytest.mark.parametrize("n_components", [None, 2, 0.9])
@pytest.mark.parametrize("case", range(3))
def test_pca_matches_sklearn(n_components, case):
    X = pca_sets()[case]
    ours = PCA(n_components).fit(X)
    ref = sk_decomposition.PCA(n_components, svd_solver="full").fit(X)
    assert ours.n_components_ == ref.n_components_
    k = ref.n_components_
    # the leading directions have distinct variances: compare them including sign
    np.testing.assert_allclose(ours.components_[:k][:4], ref.components_[:4], atol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_ratio_,
                               ref.explained_variance_ratio_, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-6)
    assert ours.noise_variance_ == pytest.approx(ref.noise_variance_, rel=1e-6, abs=1e-10)
    np.testing.assert_allclose(ours.transform(X)[:, :4], ref.transform(X)[:, :4], atol=1e-6)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)),
                               ref.inverse_transform(ref.transform(X)), atol=1e-6)


def test_pca_whiten_and_round_trip():
    X = pca_sets()[1]
    ours = PCA(3, whiten=True).fit(X)
    ref = sk_decomposition.PCA(3, whiten=True, svd_solver="full").fit(X)
    Z = ours.transform(X)
    np.testing.assert_allclose(Z, ref.transform(X), atol=1e-6)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-6)
    full = PCA().fit(X)
    np.testing.assert_allclose(full.inverse_transform(full.transform(X)), X, atol=1e-10)
    two = PCA(2).fit(X)
    np.testing.assert_allclose(two.get_covariance(), sk_decomposition.PCA(
        2, svd_solver="full").fit(X).get_covariance(), atol=1e-6)


def test_pca_sign_convention_and_errors():
    X = pca_sets()[0]
    comps = PCA(5).fit(X).components_
    assert np.all(comps[np.arange(5), np.argmax(np.abs(comps), axis=1)] > 0)
    with pytest.raises(ValueError):
        PCA(n_components=1000).fit(X)
    with pytest.raises(ValueError):
        PCA(n_components=1.5).fit(X)
    with pytest.raises(ValueError, match="features"):
        PCA(2).fit(X).transform(X[:, :5])


# ------------------------------------------------------------------------------ LLE
@pytest.mark.parametrize("n_neighbors,n_components", [(10, 2), (8, 3)])
def test_lle_matches_sklearn_up_to_sign(n_neighbors, n_components):
    X, _ = make_swiss_roll(250, noise=0.05, random_state=0)
    ours = LocallyLinearEmbedding(n_neighbors=n_neighbors, n_components=n_components).fit(X)
    ref = sk_manifold.LocallyLinearEmbedding(n_neighbors=n_neighbors,
                                             n_components=n_components,
                                             eigen_solver="dense").fit(X)
    signs = np.sign(np.sum(ours.embedding_ * ref.embedding_, axis=0))
    np.testing.assert_allclose(ours.embedding_ * signs, ref.embedding_, atol=1e-6)
    assert ours.reconstruction_error_ == pytest.approx(ref.reconstruction_error_, rel=1e-4)
    X_new = X[:10] + 0.01
    np.testing.assert_allclose(ours.transform(X_new) * signs, ref.transform(X_new), atol=1e-6)


def test_lle_errors():
    X, _ = make_swiss_roll(30, random_state=0)
    with pytest.raises(ValueError):
        LocallyLinearEmbedding(n_neighbors=30).fit(X)


# ------------------------------------------------------------------------------ t-SNE
def test_perplexity_calibration():
    X, _ = load_digits(return_X_y=True)
    X = X[:100]
    d2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    P = conditional_probabilities(d2, perplexity=20.0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.all(np.diag(P) == 0)
    entropy = -np.sum(np.where(P > 0, P * np.log(np.where(P > 0, P, 1)), 0), axis=1)
    np.testing.assert_allclose(np.exp(entropy), 20.0, rtol=1e-3)


def test_tsne_quality_matches_sklearn():
    # tolerance: trustworthiness within 0.02 of scikit-learn's exact t-SNE, KL within 50 %
    # (t-SNE is non-convex and chaotic; both runs find comparable, different minima)
    X, y = load_digits(return_X_y=True)
    X, y = X[:150], y[:150]
    ours = TSNE(random_state=0, max_iter=500)
    Y = ours.fit_transform(X)
    ref = sk_manifold.TSNE(random_state=0, method="exact", max_iter=500)
    Y_ref = ref.fit_transform(X)
    t_ours = sk_manifold.trustworthiness(X, Y, n_neighbors=5)
    t_ref = sk_manifold.trustworthiness(X, Y_ref, n_neighbors=5)
    assert t_ours > 0.95 and abs(t_ours - t_ref) < 0.02
    assert ours.kl_divergence_ < 1.5 * ref.kl_divergence_
    assert Y.shape == (150, 2) and ours.n_iter_ <= 499
    # digits of the same class end up close: 5-NN accuracy in the embedding
    d = ((Y[:, None] - Y[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :5]
    assert np.mean([np.bincount(y[r]).argmax() == c for r, c in zip(nn, y)]) > 0.9


def test_tsne_is_reproducible_and_validates():
    X, _ = make_blobs(40, centers=3, random_state=0)
    a = TSNE(perplexity=10, max_iter=250, init="random", random_state=3).fit_transform(X)
    b = TSNE(perplexity=10, max_iter=250, init="random", random_state=3).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="perplexity"):
        TSNE(perplexity=50).fit(X)


# ------------------------------------------------------------------------------ KMeans
@pytest.mark.parametrize("case", ["blobs", "iris", "digits"])
def test_kmeans_inertia_close_to_sklearn(case):
    # tolerance: best-of-5 inertia within 1 % of scikit-learn's best-of-5
    if case == "blobs":
        X, _ = make_blobs(400, centers=5, n_features=3, random_state=2)
        k = 5
    elif case == "iris":
        X, _ = load_iris(return_X_y=True)
        k = 3
    else:
        X, _ = load_digits(return_X_y=True)
        X, k = X[:400], 10
    ours = KMeans(k, n_init=5, random_state=0).fit(X)
    ref = sk_cluster.KMeans(k, n_init=5, random_state=0).fit(X)
    assert ours.inertia_ <= 1.01 * ref.inertia_
    d2 = ((X[:, None] - ours.cluster_centers_[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(ours.labels_, d2.argmin(1))
    assert ours.inertia_ == pytest.approx(d2.min(1).sum())
    np.testing.assert_array_equal(ours.predict(X), ours.labels_)
    assert ours.score(X) == pytest.approx(-ours.inertia_)


def test_kmeans_from_given_centres_matches_sklearn():
    X, _ = load_iris(return_X_y=True)
    init = X[[0, 50, 100]]
    ours = KMeans(3, init=init).fit(X)
    ref = sk_cluster.KMeans(3, init=init, n_init=1).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-8)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-8)


def test_kmeans_plusplus_spreads_centres():
    X, _ = make_blobs(300, centers=4, cluster_std=0.3, random_state=1)
    centers, idx = kmeans_plusplus(X, 4, random_state=0)
    np.testing.assert_array_equal(centers, X[idx])
    _, blob = make_blobs(300, centers=4, cluster_std=0.3, random_state=1)
    assert len(set(blob[idx])) == 4     # one seed per well-separated blob
    with pytest.raises(ValueError):
        KMeans(500).fit(X)


# ------------------------------------------------------------------------------ GMM
@pytest.mark.parametrize("covariance_type", ["full", "diag"])
@pytest.mark.parametrize("case", ["blobs", "iris"])
def test_gmm_likelihood_close_to_sklearn(covariance_type, case):
    # tolerance: mean log-likelihood within 0.01 nats per sample of scikit-learn's
    if case == "blobs":
        X, _ = make_blobs(400, centers=3, n_features=2, random_state=5)
        X = X @ np.array([[1.0, 0.4], [0.0, 0.6]])   # correlated clusters
    else:
        X, _ = load_iris(return_X_y=True)
    ours = GaussianMixture(3, covariance_type=covariance_type, n_init=3, random_state=0).fit(X)
    ref = sk_mixture.GaussianMixture(3, covariance_type=covariance_type, n_init=3,
                                     random_state=0).fit(X)
    assert ours.converged_
    assert ours.score(X) == pytest.approx(ref.score(X), abs=0.01)
    assert ours.bic(X) == pytest.approx(ref.bic(X), abs=0.02 * len(X))
    assert ours._n_parameters() == ref._n_parameters()
    np.testing.assert_allclose(ours.weights_.sum(), 1.0)
    np.testing.assert_allclose(ours.predict_proba(X).sum(1), 1.0)
    order = np.argsort(ours.means_[:, 0])
    ref_order = np.argsort(ref.means_[:, 0])
    np.testing.assert_allclose(ours.means_[order], ref.means_[ref_order], atol=0.1)


def test_gmm_em_step_from_the_same_start_matches_sklearn():
    X, _ = make_blobs(200, centers=2, random_state=0)
    means = np.array([[0.0, 0.0], [2.0, 4.0]])
    ref = sk_mixture.GaussianMixture(2, means_init=means, max_iter=100, tol=1e-8).fit(X)
    ours = GaussianMixture(2, tol=1e-8)
    ours.n_features_in_ = 2
    resp = np.eye(2)[np.argmin(((X[:, None] - means[None]) ** 2).sum(-1), axis=1)]
    ours._m_step(X, resp)
    for _ in range(100):
        _, log_resp = ours._e_step(X)
        ours._m_step(X, np.exp(log_resp))
    np.testing.assert_allclose(ours.score(X), ref.score(X), atol=1e-6)


def test_gmm_aic_bic_prefer_the_right_number_of_components():
    X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    bic = [GaussianMixture(k, random_state=0).fit(X).bic(X) for k in (1, 2, 3, 4, 5)]
    aic = [GaussianMixture(k, random_state=0).fit(X).aic(X) for k in (1, 2, 3)]
    assert int(np.argmin(bic)) + 1 == 3
    assert aic[2] < aic[1] < aic[0]
    sample, labels = GaussianMixture(3, random_state=0).fit(X).sample(50, random_state=0)
    assert sample.shape == (50, 2) and len(labels) == 50
    with pytest.raises(ValueError):
        GaussianMixture(2, covariance_type="tied").fit(X)
