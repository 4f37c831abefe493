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
