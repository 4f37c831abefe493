import numpy as np
import pytest


@pytest.mark.points(2)
def test_pogson(student, hidden_seed):
    """flux_from_magnitude follows Pogson's law: 5 magnitudes are a factor 100 in flux."""
    m = np.random.default_rng(hidden_seed).uniform(10, 25, size=20)
    f = student.stars.flux_from_magnitude(m, 25.0)
    assert np.allclose(f, 10 ** (-0.4 * (m - 25.0)), rtol=1e-10)


@pytest.mark.points(1)
def test_colour(student, hidden_seed):
    """colour() is the blue magnitude minus the red magnitude."""
    rng = np.random.default_rng(hidden_seed + 1)
    b, r = rng.uniform(15, 22, size=(2, 10))
    assert np.allclose(student.stars.colour(b, r), b - r)


def _stars_and_galaxies(seed, n=200):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)  # 1 = galaxy: redder and less concentrated
    colour = np.where(y == 1, 0.9, 0.4) + 0.15 * rng.normal(size=n)
    concentration = np.where(y == 1, 2.2, 3.2) + 0.3 * rng.normal(size=n)
    return np.column_stack([colour, concentration]), y


@pytest.mark.points(2)
def test_centroids(student, hidden_seed):
    """NearestCentroid.fit stores one mean per class in centroids_, classes sorted."""
    X, y = _stars_and_galaxies(hidden_seed + 2)
    model = student.stars.NearestCentroid().fit(X, y)
    assert np.allclose(model.centroids_, [X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)])


@pytest.mark.points(3)
def test_star_galaxy_accuracy(student, hidden_seed):
    """NearestCentroid separates stars from galaxies on new data (accuracy above 90 %)."""
    X, y = _stars_and_galaxies(hidden_seed + 3)
    X_new, y_new = _stars_and_galaxies(hidden_seed + 4)
    pred = student.stars.NearestCentroid().fit(X, y).predict(X_new)
    assert np.asarray(pred).shape == y_new.shape and np.mean(pred == y_new) > 0.9
