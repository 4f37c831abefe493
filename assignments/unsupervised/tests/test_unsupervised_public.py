"""Public checks of the unsupervised assignment: run them with ``course check``.

Small, fixed examples; the hidden checks use spectra and galaxies you have not seen and
compare your code with scikit-learn.
"""
import numpy as np
import pytest


def _plane(n=60, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 2)) * [3.0, 1.0]
    return Z @ np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]) + 5.0


@pytest.mark.points(1)
def test_pca_on_a_plane(student):
    """Points on a plane in 3-d: two components carry all the variance and reconstruct
    the points exactly."""
    X = _plane()
    pca = student.spectra_pca.PCA(2).fit(X)
    assert abs(float(np.sum(pca.explained_variance_ratio_)) - 1.0) < 1e-10
    assert np.allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-8)
    assert int(student.spectra_pca.components_for_variance(X, 0.999)) == 2
    assert np.allclose(student.spectra_pca.reconstruction_rms(X, X, 2), 0.0, atol=1e-8)


@pytest.mark.points(1)
def test_teff_of_a_power_law(student):
    """When log10 T_eff is linear in the data, TeffFromPCA recovers it exactly."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4))
    t_eff = 10 ** (3.8 + 0.1 * X[:, 0] - 0.05 * X[:, 2])
    model = student.spectra_pca.TeffFromPCA(4).fit(X, t_eff)
    assert np.allclose(model.predict(X), t_eff, rtol=1e-8)


@pytest.mark.points(1)
def test_trustworthiness_extremes(student):
    """An embedding that keeps the data as they are is perfectly trustworthy; a shuffled
    one is not."""
    X = _plane(80)
    assert abs(float(student.embeddings.trustworthiness(X, X, 5)) - 1.0) < 1e-12
    shuffled = X[np.random.default_rng(2).permutation(len(X))]
    assert float(student.embeddings.trustworthiness(X, shuffled, 5)) < 0.8


@pytest.mark.points(1)
def test_perplexity_is_met(student):
    """Each row of conditional_probabilities has the requested perplexity, exp(entropy)."""
    X = _plane(40)
    d2 = ((X[:, None] - X[None]) ** 2).sum(-1)
    P = np.asarray(student.embeddings.conditional_probabilities(d2, 10.0))
    p = P[~np.eye(40, dtype=bool)].reshape(40, 39)
    entropy = -np.sum(p * np.log(np.maximum(p, 1e-300)), axis=1)
    assert np.allclose(np.exp(entropy), 10.0, rtol=1e-2)


@pytest.mark.points(1)
def test_lle_and_tsne_run(student):
    """LocallyLinearEmbedding and TSNE return one 2-d point per sample."""
    X = _plane(60)
    Y = np.asarray(student.embeddings.LocallyLinearEmbedding(n_neighbors=8).fit_transform(X))
    assert Y.shape == (60, 2) and np.all(np.isfinite(Y))
    Y = np.asarray(student.embeddings.TSNE(10.0, max_iter=300).fit_transform(X))
    assert Y.shape == (60, 2) and np.all(np.isfinite(Y))


def _two_groups(seed=3):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(50, 2)) * 0.3, rng.normal(size=(50, 2)) * 0.3 + [4.0, 0.0]])
    return X, np.repeat([0, 1], 50)


@pytest.mark.points(1)
def test_kmeans_finds_two_groups(student):
    """Lloyd from one point of each group separates the groups; k-means++ returns distinct rows."""
    X, y = _two_groups()
    centers, labels, inertia = student.colours.lloyd(X, X[[0, 99]])
    assert np.array_equal(np.asarray(labels), y)
    assert np.allclose(centers, [X[:50].mean(0), X[50:].mean(0)])
    idx = np.asarray(student.colours.kmeans_plusplus(X, 2, 0))
    assert idx.shape == (2,) and idx[0] != idx[1]


@pytest.mark.points(1)
def test_silhouette_and_bic_pick_two(student):
    """Two well-separated groups: silhouette near 1 for the right labels, and both
    criteria choose k = 2."""
    X, y = _two_groups()
    assert float(student.colours.silhouette(X, y)) > 0.8
    assert int(student.colours.choose_k_silhouette(X, [2, 3, 4])[0]) == 2
    assert int(student.colours.choose_k_bic(X, [1, 2, 3, 4])[0]) == 2


@pytest.mark.points(1)
def test_red_sequence_labels(student):
    """red_sequence_members labels the redder group 1."""
    X, y = _two_groups()
    X = np.column_stack([X[:, 1], X[:, 1] * 0.1, X[:, 0] * 0.2 + 0.4])   # column 2 is "g - r"
    red = np.asarray(student.colours.red_sequence_members(X, 2))
    assert np.array_equal(red, y)


@pytest.mark.points(1)
def test_pca_variances_and_signs(student):
    """explained_variance_ uses n - 1 (the sample variance), and each principal axis has
    its largest-|value| entry positive."""
    X = _plane()
    pca = student.spectra_pca.PCA(2).fit(X)
    # all the variance lies in the plane: the two variances add up to the total
    total = float(np.sum(np.var(X, axis=0, ddof=1)))
    assert abs(float(np.sum(pca.explained_variance_)) - total) < 1e-8 * total
    components = np.asarray(pca.components_)
    assert np.all(components[np.arange(2), np.argmax(np.abs(components), axis=1)] > 0)


@pytest.mark.points(1)
def test_trustworthiness_of_a_swap(student):
    """Points on a line with the two ends swapped in the embedding: with k = 3, the
    false neighbours add up to a penalty of 60 rank steps, so T = 1 - 2 * 60 / (12 * 3 * 14)."""
    X = (np.arange(12.0) ** 1.3)[:, None]      # unequal gaps: no ties between distances
    Y = X.copy()
    Y[[0, 11]] = Y[[11, 0]]
    t = float(student.embeddings.trustworthiness(X, Y, 3))
    assert abs(t - (1 - 2 * 60 / (12 * 3 * 14))) < 1e-10


@pytest.mark.points(1)
def test_lle_drops_the_constant_eigenvector(student):
    """The LLE coordinates are eigenvectors of M orthogonal to the constant one (which
    has eigenvalue 0 and carries no information): each column sums to about zero."""
    Y = np.asarray(student.embeddings.LocallyLinearEmbedding(n_neighbors=8).fit_transform(_plane(60)))
    assert Y.shape == (60, 2)
    assert np.all(np.abs(Y.sum(axis=0)) < 1e-3)


@pytest.mark.points(1)
def test_kl_gradient_is_the_derivative(student):
    """kl_and_gradient's gradient is the derivative of its KL (central differences)."""
    rng = np.random.default_rng(4)
    Y = rng.normal(size=(6, 2))
    A = rng.uniform(size=(6, 6))
    P = A + A.T
    np.fill_diagonal(P, 0.0)
    P /= P.sum()
    kl, grad = student.embeddings.kl_and_gradient(Y, P)
    h, numeric = 1e-6, np.zeros_like(Y)
    for i in range(6):
        for j in range(2):
            E = np.zeros_like(Y)
            E[i, j] = h
            numeric[i, j] = (float(student.embeddings.kl_and_gradient(Y + E, P)[0])
                             - float(student.embeddings.kl_and_gradient(Y - E, P)[0])) / (2 * h)
    assert float(kl) > 0
    assert np.allclose(np.asarray(grad), numeric, atol=1e-5)


@pytest.mark.points(1)
def test_tsne_keeps_two_groups_apart(student):
    """t-SNE of two well-separated groups: each point's nearest neighbour in the map is
    in its own group."""
    X, y = _two_groups()
    Y = np.asarray(student.embeddings.TSNE(10.0, max_iter=300, random_state=0).fit_transform(X))
    d2 = ((Y[:, None] - Y[None]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    assert np.mean(y[np.argmin(d2, axis=1)] == y) > 0.95


@pytest.mark.points(1)
def test_kmeans_plusplus_seeds_every_blob(student):
    """Five tight, well-separated blobs: D(x)^2 seeding puts one seed in each blob in
    nearly every run (uniform seeding: 4 % of the runs)."""
    rng = np.random.default_rng(5)
    angle = 2 * np.pi * np.arange(5) / 5
    centres = 30.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = np.vstack([c + rng.normal(size=(40, 2)) for c in centres])
    blob = np.repeat(np.arange(5), 40)
    hits = sum(len(set(blob[np.asarray(student.colours.kmeans_plusplus(X, 5, seed))].tolist())) == 5
               for seed in range(20))
    assert hits >= 15


@pytest.mark.points(1)
def test_m_step_with_hard_assignments(student):
    """With 0/1 responsibilities the M-step gives each group's fraction, mean and
    covariance (divided by the group's size, plus reg_covar on the diagonal)."""
    X, y = _two_groups()
    weights, means, covs = student.colours.m_step(X, np.eye(2)[y], 1e-6)
    for j in range(2):
        group = X[y == j]
        assert abs(float(weights[j]) - 0.5) < 1e-9
        assert np.allclose(means[j], group.mean(axis=0), rtol=1e-6)
        assert np.allclose(covs[j], np.cov(group.T, bias=True) + 1e-6 * np.eye(2), rtol=1e-6, atol=1e-9)


@pytest.mark.points(1)
def test_bic_of_one_gaussian(student):
    """A one-component mixture is a single Gaussian (mean and biased covariance):
    BIC = -2 log L + (d + d (d + 1) / 2) log n."""
    from scipy.stats import multivariate_normal

    X, _ = _two_groups()
    n, d = X.shape
    log_l = multivariate_normal(X.mean(axis=0), np.cov(X.T, bias=True) + 1e-6 * np.eye(d)).logpdf(X).sum()
    expected = -2 * log_l + (d + d * (d + 1) / 2) * np.log(n)
    bic = float(student.colours.GaussianMixture(1).fit(X).bic(X))
    assert abs(bic - expected) < 0.5


@pytest.mark.points(1)
def test_silhouette_by_hand(student):
    """Points 0, 1 | 5, 6 on a line: a = 1 for every point (the other member of its
    pair); b = 5.5 for the outer points and 4.5 for the inner ones, so the score is the
    mean of 4.5 / 5.5 and 3.5 / 4.5."""
    X = np.array([[0.0], [1.0], [5.0], [6.0]])
    expected = (4.5 / 5.5 + 3.5 / 4.5) / 2
    assert abs(float(student.colours.silhouette(X, np.array([0, 0, 1, 1]))) - expected) < 1e-10
