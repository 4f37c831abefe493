"""make_galaxy_colours: the red sequence and the blue cloud."""
import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from reference.datasets import make_galaxy_colours


@pytest.fixture(scope="module")
def galaxies():
    return make_galaxy_colours(4000, seed=5)


def test_columns_dtypes_and_determinism(galaxies):
    assert list(galaxies.columns) == ["M_r", "u_g", "g_r", "r_i", "u_r", "red_sequence"]
    assert galaxies.red_sequence.dtype == np.int64 and galaxies.drop(columns="red_sequence").dtypes.eq(float).all()
    assert not galaxies.isna().any().any()
    assert galaxies.equals(make_galaxy_colours(4000, seed=5))
    assert not galaxies.equals(make_galaxy_colours(4000, seed=6))
    big = make_galaxy_colours(10, seed=2**255 + 17)          # any non-negative int seed
    assert big.shape == (10, 6)
    assert np.allclose(galaxies.u_r, galaxies.u_g + galaxies.g_r)


def test_red_fraction_and_validation(galaxies):
    assert abs(galaxies.red_sequence.mean() - 0.4) < 0.03
    assert abs(make_galaxy_colours(4000, seed=1, red_fraction=0.7).red_sequence.mean() - 0.7) < 0.03
    with pytest.raises(ValueError):
        make_galaxy_colours(100, red_fraction=1.0)
    with pytest.raises(ValueError):
        make_galaxy_colours(0)


def test_red_sequence_is_redder_narrower_and_has_a_colour_magnitude_slope(galaxies):
    red, blue = galaxies[galaxies.red_sequence == 1], galaxies[galaxies.red_sequence == 0]
    assert 2.3 < red.u_r.median() < 2.7 and 1.4 < blue.u_r.median() < 1.9   # Baldry et al. 2004
    assert red.u_r.std() < 0.6 * blue.u_r.std()
    assert red.g_r.mean() > blue.g_r.mean() + 0.2 and red.r_i.mean() > blue.r_i.mean()
    assert red.M_r.mean() < blue.M_r.mean()                                  # red galaxies are brighter
    slope = np.polyfit(red.M_r, red.u_r, 1)[0]
    assert -0.12 < slope < -0.04                                             # brighter is redder


def test_colour_distribution_is_bimodal_and_two_gaussians_fit(galaxies):
    hist, edges = np.histogram(galaxies.u_r, bins=np.linspace(0.5, 3.2, 28))
    centres = 0.5 * (edges[1:] + edges[:-1])
    valley = hist[(centres > 2.0) & (centres < 2.2)].min()
    assert valley < 0.6 * hist[centres < 2.0].max() and valley < 0.6 * hist[centres > 2.2].max()
    X = galaxies[["M_r", "u_g", "g_r", "r_i"]].to_numpy()
    bics = [GaussianMixture(k, n_init=2, random_state=0).fit(X).bic(X) for k in (1, 2, 3)]
    assert int(np.argmin(bics)) + 1 == 2
