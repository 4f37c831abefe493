"""Hidden data of the ensembles assignment (trusted side only).

A photometric-redshift catalogue from ``reference.datasets.make_photoz`` with the secret
``hidden_seed``: features are four colours and the i magnitude, the target the true
redshift.  Test redshifts never leave this side.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from reference.datasets import make_photoz

FEATURES = ("u_g", "g_r", "r_i", "i_z", "mag_i")
N = 1500  # per half


@lru_cache(maxsize=4)
def _hidden(seed: int) -> dict:
    df = make_photoz(2 * N, seed=seed)
    X = df[list(FEATURES)].to_numpy(float)
    z = df["z"].to_numpy(float)
    return {"seed": seed, "X_train": X[:N], "z_train": z[:N], "X_test": X[N:], "z_test": z[N:]}


@pytest.fixture
def data(hidden_seed):
    return _hidden(int(hidden_seed))
