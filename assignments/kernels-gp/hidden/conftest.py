"""Hidden data of the kernels-gp assignment (trusted side only).

Every check draws its own data from ``hidden_rng`` (the secret hidden seed and the
check's name), so no answer can be hard-coded.  Student code only ever receives feature
matrices, training targets and parameter sets; held-out targets stay here.

- star-galaxy catalogues from ``reference.datasets.make_star_galaxy`` (a seed drawn from
  the hidden generator), standardised with training statistics;
- runs of the feedback "simulation" ``reference.datasets.feedback``: cheap
  low-resolution runs (0.05 dex of noise, uniform design) for the kernel smoothers,
  expensive runs (0.02 dex, Latin hypercube) for the Gaussian-process emulator.

The ``*_reference`` functions are the trusted side's own few-line implementations of
the formulas, used where scikit-learn has no estimator (kernel smoothers).
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

from reference.datasets import make_star_galaxy
from reference.datasets.feedback import feedback_lx_normalisation, latin_hypercube

SG_FEATURES = ("psf_minus_model", "g_r", "r_i", "u_g", "i_z")


def star_galaxy(rng, n):
    """Features, labels (1 = galaxy) and r magnitudes of a hidden star-galaxy catalogue."""
    df = make_star_galaxy(n, seed=int(rng.integers(2**63)))
    X = df[list(SG_FEATURES)].to_numpy(float)
    return X, df["is_galaxy"].to_numpy(int), df["mag_r"].to_numpy(float)


def standardise(X_train, *others):
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    return [(X_train - mu) / sd] + [(X - mu) / sd for X in others]


def separable_problem(rng, n=80):
    """Bright objects (r < 20.5), concentration and g - r: stars and galaxies nearly
    separable, so the SVM solution is well conditioned."""
    X, y, r = star_galaxy(rng, 8 * n)
    bright = np.flatnonzero(r < 20.5)[:n]
    (X2,) = standardise(X[bright][:, :2])
    return X2, y[bright]


def overlapping_problem(rng, n=200):
    """All magnitudes, five features: faint galaxies look like stars, the classes overlap."""
    X, y, _ = star_galaxy(rng, n)
    (X,) = standardise(X)
    return X, y


def cheap_runs(rng, n, noise=0.05):
    """Low-resolution runs of the feedback simulation at uniformly drawn parameters."""
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    return X, feedback_lx_normalisation(X, noise=noise, rng=rng)


def expensive_runs(rng, n=40, noise=0.02):
    """A Latin-hypercube design of full-physics runs."""
    X = latin_hypercube(n, rng)
    return X, feedback_lx_normalisation(X, noise=noise, rng=rng)


def _sq(X, Z):
    return ((X[:, None, :] - Z[None, :, :]) ** 2).sum(-1)


def nw_reference(X_train, y_train, X_query, h):
    """Nadaraya-Watson with a Gaussian kernel (log-sum-exp stable)."""
    logw = -_sq(X_query, X_train) / (2 * h**2)
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    return w @ y_train / w.sum(axis=1)


def ll_reference(X_train, y_train, X_query, h):
    """Locally linear regression: a weighted least-squares line at every query."""
    logw = -_sq(X_query, X_train) / (2 * h**2)
    w = np.exp(logw - logw.max(axis=1, keepdims=True))
    out = np.empty(len(X_query))
    for q, x0 in enumerate(X_query):
        Z = np.column_stack([np.ones(len(X_train)), X_train - x0])
        sw = np.sqrt(w[q])
        out[q] = np.linalg.lstsq(Z * sw[:, None], y_train * sw, rcond=None)[0][0]
    return out


def mse(a, b):
    return float(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


@pytest.fixture
def helpers():
    """This module's data generators and reference formulas, for the checks."""
    return sys.modules[__name__]
