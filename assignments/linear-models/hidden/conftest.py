"""Hidden data of the linear-models assignment (trusted side only).

Cluster catalogues come from ``reference.datasets.make_galaxy_clusters`` with the secret
``hidden_seed``; the toy curves for the polynomial and Huber checks are drawn from the
same seed, so no answer can be hard-coded.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from reference.datasets import make_galaxy_clusters


@lru_cache(maxsize=4)
def _hidden(seed: int) -> dict:
    df = make_galaxy_clusters(600, seed=seed)
    rng = np.random.default_rng(seed)
    X = np.log10(df[["T_X", "Y_SZ", "L_X", "richness"]].to_numpy(float))
    y = np.log10(df["M500"].to_numpy(float))
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)            # standardised for gradient descent
    # a smooth curve with noise for model complexity: few training points, many test ones
    curve = lambda x: 0.6 * np.sin(2.5 * x) + 0.3 * x**2  # noqa: E731
    x_tr = rng.uniform(-1, 1, 30)
    x_va = rng.uniform(-1, 1, 30)
    x_te = rng.uniform(-1, 1, 2000)
    noise = 0.15
    # a straight line with 10 % gross outliers for the Huber check
    x_h = rng.uniform(-2, 2, 200)
    y_h = 1.0 + 2.0 * x_h + 0.2 * rng.normal(size=200)
    bad = rng.choice(np.flatnonzero(x_h > 0.5), 20, replace=False)  # outliers on one side
    y_h[bad] += rng.uniform(5, 10, 20)
    return {
        "seed": seed, "df": df, "X": X, "Xs": Xs, "y": y,
        "x_tr": x_tr, "y_tr": curve(x_tr) + noise * rng.normal(size=30),
        "x_va": x_va, "y_va": curve(x_va) + noise * rng.normal(size=30),
        "x_te": x_te, "y_te": curve(x_te) + noise * rng.normal(size=2000),
        "x_h": x_h, "y_h": y_h, "true_slope": 2.0,
    }


@pytest.fixture
def data(hidden_seed):
    return _hidden(int(hidden_seed))
