"""Hidden data of the trees assignment (trusted side only).

The catalogue comes from ``reference.datasets.make_galaxy_clusters`` with the secret
``hidden_seed``: a submission cannot know it, so no answer can be hard-coded.  The target
is the hydrostatic mass ``log10 M_HSE`` that an X-ray analysis would measure; the
features are the true mass ``M500`` and the observables (log10 of the positive ones).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from reference.datasets import make_galaxy_clusters

FEATURES = ("M500", "z", "T_X", "M_gas", "Y_X", "Y_SZ", "L_X", "richness", "sigma_v",
            "concentration", "relaxation")
N_TRAIN, N_TEST = 800, 800


def features(df, drop=()):
    """Feature matrix (log10 of everything but the redshift) and the column names."""
    names = [c for c in FEATURES if c not in drop]
    X = np.column_stack([df[c].to_numpy(float) if c == "z" else np.log10(df[c].to_numpy(float))
                         for c in names])
    # float32-representable values: scikit-learn's trees work in float32, so exact
    # comparisons with them need inputs that survive that cast unchanged
    return X.astype(np.float32).astype(np.float64), names


@lru_cache(maxsize=4)
def catalogue(seed: int):
    """Train and test split of one hidden catalogue: dict of arrays and names."""
    df = make_galaxy_clusters(N_TRAIN + N_TEST, seed=seed)
    X, names = features(df)
    X_drop, names_drop = features(df, drop=("M500",))
    y = np.log10(df["M_HSE"].to_numpy(float))
    tr, te = slice(0, N_TRAIN), slice(N_TRAIN, None)
    return {"X_train": X[tr], "X_test": X[te], "y_train": y[tr], "y_test": y[te],
            "Xd_train": X_drop[tr], "Xd_test": X_drop[te], "names": names, "names_drop": names_drop,
            "seed": seed}


@lru_cache(maxsize=4)
def three_classes(seed: int):
    """A 3-class problem with independent continuous features (no tied partitions), for
    the exact classifier checks; float32-representable like scikit-learn's inputs."""
    rng = np.random.default_rng(seed + 2)
    X = rng.normal(size=(800, 5)).astype(np.float32).astype(np.float64)
    score = X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + 0.3 * rng.normal(size=800)
    return X, np.digitize(score, np.quantile(score, [0.3, 0.7]))


@lru_cache(maxsize=4)
def depth_problems(seed: int):
    """Two synthetic problems for depth selection, besides the catalogue (whose best depth
    is 4-6): a fine staircase that wants deep trees (validated 9-12) and one step buried in
    noise that wants a stump (1-2), so no fixed depth is near the optimum of all three.
    Each is (X_train, y_train, X_test, y_test); only the training halves reach student code."""
    rng = np.random.default_rng([seed, 3])
    n = 1200
    X = rng.uniform(0, 1, (n, 3)).astype(np.float32).astype(np.float64)
    shift = rng.uniform(0, 1, 2)
    y = (np.floor(48 * ((X[:, 0] + shift[0]) % 1)) / 48 + 0.5 * np.floor(8 * ((X[:, 1] + shift[1]) % 1)) / 8
         + 0.01 * rng.normal(size=n))
    deep = (X[:600], y[:600], X[600:], y[600:])
    X = rng.normal(size=(n, 3)).astype(np.float32).astype(np.float64)
    y = (X[:, 0] > rng.uniform(-0.5, 0.5)) * 1.0 + rng.normal(size=n)
    shallow = (X[:300], y[:300], X[300:], y[300:])
    return deep, shallow


@lru_cache(maxsize=4)
def tied_problem(seed: int):
    """A regression problem whose features take few distinct values (many ties), with
    new points between those values: where a split's threshold lies, and whether equal
    values are ever separated, decides their predictions.  Independent features and
    leaves of >= 5 samples keep CART's tree unique; grid values and offsets are exact in
    float32.  Returns (X, y, X_between)."""
    rng = np.random.default_rng([seed, 5])
    n = 400
    grid = rng.integers(0, 12, size=(n, 4)) * 0.5               # values 0, 0.5, ..., 5.5
    X = grid + rng.integers(-4, 5, size=4) * 0.5                   # a drawn offset per feature
    y = np.sin(X[:, 0]) + 0.3 * X[:, 1] + (X[:, 2] > X[:, 3]) + 0.2 * rng.normal(size=n)
    X_between = X + rng.choice([0.125, 0.375], size=X.shape)      # either side of a midpoint
    return X, y, X_between


@pytest.fixture
def tied(hidden_seed):
    return tied_problem(int(hidden_seed))


@pytest.fixture
def classes(hidden_seed):
    return three_classes(int(hidden_seed))


@pytest.fixture
def data(hidden_seed):
    return catalogue(int(hidden_seed))


@pytest.fixture
def depth_data(hidden_seed):
    return depth_problems(int(hidden_seed))
