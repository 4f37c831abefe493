"""Hidden data of the classification assignment (trusted side only).

Star-galaxy catalogues (balanced and with 10 % galaxies) and galaxy morphologies from
``reference.datasets`` with the secret ``hidden_seed``.  Labels of the test halves never
leave this side; student code only sees feature matrices (and training labels).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from reference.datasets import make_galaxy_morphology, make_star_galaxy

N = 1500  # per half


@lru_cache(maxsize=4)
def _hidden(seed: int) -> dict:
    sg = make_star_galaxy(2 * N, seed=seed)
    # concentration, two colours and the r-band flux in microjansky: the flux is
    # thousands of times larger than the rest, so distances need standardising
    flux = 3631e6 * 10 ** (-0.4 * sg["mag_r"].to_numpy(float))
    X_knn = np.column_stack([sg["psf_minus_model"], sg["g_r"], sg["r_i"], flux])
    y = sg["is_galaxy"].to_numpy(int)
    rare = make_star_galaxy(2 * N, seed=seed + 1, galaxy_fraction=0.1)
    X_rare = rare[["mag_r", "u_g", "g_r", "r_i", "i_z"]].to_numpy(float)  # colours only: classes overlap
    y_rare = rare["is_galaxy"].to_numpy(int)
    morph = make_galaxy_morphology(2 * N, seed=seed)
    X_m = morph.drop(columns=["is_spiral"]).to_numpy(float)
    y_m = morph["is_spiral"].to_numpy(int)
    mu, sd = X_knn[:N].mean(axis=0), X_knn[:N].std(axis=0)
    return {
        "seed": seed,
        "X_train": X_knn[:N], "y_train": y[:N], "X_test": X_knn[N:], "y_test": y[N:],
        "Z_train": (X_knn[:N] - mu) / sd, "Z_test": (X_knn[N:] - mu) / sd,
        "Xr_train": X_rare[:N], "yr_train": y_rare[:N], "Xr_test": X_rare[N:], "yr_test": y_rare[N:],
        "Xm_train": X_m[:N], "ym_train": y_m[:N], "Xm_test": X_m[N:], "ym_test": y_m[N:],
    }


@pytest.fixture
def data(hidden_seed):
    return _hidden(int(hidden_seed))
