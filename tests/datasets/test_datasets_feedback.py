"""The feedback "simulation" used by the kernels-gp emulator assignment."""
import numpy as np
import pytest

from reference.datasets.feedback import (
    F_BARYON,
    feedback_lx_normalisation,
    gas_fraction,
    latin_hypercube,
    make_feedback_simulations,
)


def test_deterministic_and_seeded():
    a, b = make_feedback_simulations(30, seed=5), make_feedback_simulations(30, seed=5)
    assert a.equals(b)
    assert not a.equals(make_feedback_simulations(30, seed=6))
    assert list(a.columns) == ["log_agn", "log_sn", "log_lx"]
    # 256-bit seeds work (the course secret's size)
    assert len(make_feedback_simulations(3, seed=2**256 - 1)) == 3


def test_noise_is_the_stated_statistical_error():
    rng = np.random.default_rng(0)
    X = np.zeros((20000, 2))
    resid = feedback_lx_normalisation(X, noise=0.05, rng=rng) - feedback_lx_normalisation(X)
    assert abs(resid.std() - 0.05) < 0.001 and abs(resid.mean()) < 0.001
    with pytest.raises(ValueError, match="rng"):
        feedback_lx_normalisation(X, noise=0.1)


def test_physics_feedback_lowers_gas_fraction_and_luminosity():
    grid = np.linspace(-1, 1, 9)
    # stronger AGN feedback: less gas in a 1e14 Msun cluster, fainter in X-rays
    lx_agn = feedback_lx_normalisation(np.column_stack([grid, np.zeros(9)]))
    assert np.all(np.diff(lx_agn) < 0)
    assert np.all(np.diff(gas_fraction(1e14, grid, 0.0)) < 0)
    # gas fraction below the cosmic baryon fraction, approaching it in massive clusters
    assert np.all(gas_fraction(1e14, grid, grid) < F_BARYON)
    assert gas_fraction(1e16, 0.0, 0.0) > 0.9 * F_BARYON * (1 - 0.05)
    # a smooth function spanning about a dex: worth emulating, not trivial
    lx = feedback_lx_normalisation(latin_hypercube(200, np.random.default_rng(1)))
    assert 42.0 < lx.min() and lx.max() < 43.5 and lx.max() - lx.min() > 0.8


def test_latin_hypercube_fills_every_bin_once():
    X = latin_hypercube(25, np.random.default_rng(3))
    assert X.shape == (25, 2) and X.min() >= -1 and X.max() <= 1
    for col in X.T:
        assert sorted(np.floor((col + 1) / 2 * 25).astype(int)) == list(range(25))


def test_invalid_inputs():
    with pytest.raises(ValueError):
        feedback_lx_normalisation(np.array([[2.0, 0.0]]))
    with pytest.raises(ValueError):
        feedback_lx_normalisation(np.zeros((3, 3)))
    with pytest.raises(ValueError):
        make_feedback_simulations(5, design="grid")
