"""Hidden data of the unsupervised assignment (trusted side only).

Every data set comes from a generator of ``reference.datasets`` seeded from the secret
``hidden_seed`` (any non-negative int, 256-bit included): a submission cannot know it,
so no answer can be hard-coded.  Each data set gets its own 63-bit seed, drawn from
``np.random.default_rng(hidden_seed)``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from reference.datasets import make_galaxy_colours, make_stellar_spectra

N_TRAIN, N_TEST = 400, 300      # PCA spectra
N_EMBED = 200                   # spectra for LLE / t-SNE: keeps the exact O(n^2) t-SNE fast
N_GALAXIES = 800
COLOUR_FEATURES = ("M_r", "u_g", "g_r", "r_i")


@lru_cache(maxsize=4)
def _seeds(seed: int):
    return [int(s) for s in np.random.default_rng(seed).integers(2**63, size=3)]


@lru_cache(maxsize=4)
def spectra(seed: int):
    """Training and test spectra with their effective temperatures."""
    _, flux, params = make_stellar_spectra(N_TRAIN + N_TEST, seed=_seeds(seed)[0])
    t_eff = params["T_eff"].to_numpy(float)
    return {"F_train": flux[:N_TRAIN], "F_test": flux[N_TRAIN:],
            "T_train": t_eff[:N_TRAIN], "T_test": t_eff[N_TRAIN:]}


@lru_cache(maxsize=4)
def embedding_spectra(seed: int):
    """A separate, smaller set of spectra for the embeddings."""
    _, flux, params = make_stellar_spectra(N_EMBED, seed=_seeds(seed)[1])
    return flux


@lru_cache(maxsize=4)
def galaxies(seed: int):
    """Galaxy features (M_r, u-g, g-r, r-i) and the red-sequence truth."""
    frame = make_galaxy_colours(N_GALAXIES, seed=_seeds(seed)[2])
    X = frame[list(COLOUR_FEATURES)].to_numpy(float)
    return X, frame["red_sequence"].to_numpy(int)


@pytest.fixture(autouse=True)
def _one_thread():
    """scikit-learn's references (t-SNE, k-means, BLAS) on one thread: on a loaded grading
    machine OpenMP threads spin for seconds on these small problems, and one thread gives
    the same result on every machine."""
    with threadpool_limits(1):
        yield


@pytest.fixture
def spec(hidden_seed):
    return spectra(int(hidden_seed))


@pytest.fixture
def embed_X(hidden_seed):
    return embedding_spectra(int(hidden_seed))


@pytest.fixture
def colours_data(hidden_seed):
    return galaxies(int(hidden_seed))
