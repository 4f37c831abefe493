"""A toy "hydrodynamical simulation" of cluster gas physics, for emulators.

Cosmological simulations with baryons (BAHAMAS, FLAMINGO, The Three Hundred, ...) have
sub-grid parameters for feedback that must be calibrated against observations such as
the gas fractions and X-ray luminosities of groups and clusters.  Each run costs
millions of CPU hours, so one runs a few dozen parameter combinations and *emulates* the
rest.  This module stands in for such a simulation suite with a cheap, deterministic
function of two feedback parameters:

- ``log_agn``: log10 of the AGN heating efficiency relative to a fiducial value, in [-1, 1];
- ``log_sn``: log10 of the supernova wind energy relative to a fiducial value, in [-1, 1].

Its output is the normalisation of the luminosity-mass relation, ``log10 L_X`` (erg/s)
of a cluster with ``M500 = 1e14 Msun`` at ``z = 0``.  The physics is a simplified version
of the standard picture:

* feedback expels gas from haloes below a characteristic mass ``M_c``; stronger feedback
  raises it: ``log10 M_c = 13.3 + 0.6 a + 0.25 s + 0.15 a s``;
* the hot-gas fraction is ``f_gas(M) = f_b (1 - f_star) / (1 + (M_c / M)^beta)`` with the
  cosmic baryon fraction ``f_b = 0.157``, ``beta = 1 + 0.2 tanh(s)``, and a stellar
  fraction ``f_star = 0.05 * 10^(-0.25 s - 0.15 a)`` that feedback suppresses;
* bremsstrahlung gives ``L_X ∝ f_gas^2 M^(4/3)`` (self-similar at fixed ``z``), and AGN
  entropy injection flattens the core, lowering ``L_X`` by ``0.1 (1 + tanh 2a)`` dex.

A finite simulation box measures the normalisation from a limited number of clusters, so
each "run" carries a Gaussian statistical error (``noise`` dex, default 0.02).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._physics import check_n

#: Parameter names and their ranges (log10 relative to the fiducial model).
PARAMETERS = ("log_agn", "log_sn")
PARAMETER_RANGE = (-1.0, 1.0)
#: Cosmic baryon fraction Omega_b / Omega_m.
F_BARYON = 0.157
#: log10 L_X (erg/s) of a self-similar cluster of 1e14 Msun with f_gas = 0.1.
LOG_LX_PIVOT = 43.0


def gas_fraction(m500, log_agn, log_sn):
    """Hot-gas fraction of a halo of mass ``m500`` (Msun) for the feedback parameters."""
    a, s = np.asarray(log_agn, dtype=float), np.asarray(log_sn, dtype=float)
    log_mc = 13.3 + 0.6 * a + 0.25 * s + 0.15 * a * s
    beta = 1.0 + 0.2 * np.tanh(s)
    f_star = 0.05 * 10 ** (-0.25 * s - 0.15 * a)
    return F_BARYON * (1 - f_star) / (1 + 10 ** (beta * (log_mc - np.log10(m500))))


def feedback_lx_normalisation(params, *, noise=0.0, rng=None):
    """``log10 L_X`` (erg/s) at ``M500 = 1e14 Msun``, ``z = 0``, of simulation runs.

    Parameters
    ----------
    params : array-like of shape (n_runs, 2)
        ``(log_agn, log_sn)`` of each run, each in [-1, 1].
    noise : float, default=0.0
        Statistical error of one run (dex); needs ``rng`` when positive.
    rng : numpy.random.Generator, optional

    Returns
    -------
    log_lx : ndarray of shape (n_runs,)
    """
    params = np.asarray(params, dtype=float)
    if params.ndim != 2 or params.shape[1] != 2:
        raise ValueError(f"params must have shape (n_runs, 2), got {params.shape}")
    lo, hi = PARAMETER_RANGE
    if np.any(params < lo) or np.any(params > hi):
        raise ValueError(f"feedback parameters must lie in [{lo}, {hi}]")
    a, s = params[:, 0], params[:, 1]
    f_gas = gas_fraction(1e14, a, s)
    log_lx = LOG_LX_PIVOT + 2 * np.log10(f_gas / 0.1) - 0.1 * (1 + np.tanh(2 * a))
    if noise > 0:
        if rng is None:
            raise ValueError("a positive noise needs a random generator (rng)")
        log_lx = log_lx + noise * rng.standard_normal(len(log_lx))
    return log_lx


def latin_hypercube(n, rng, *, dim=2, low=PARAMETER_RANGE[0], high=PARAMETER_RANGE[1]):
    """``n`` points of a Latin-hypercube design in ``[low, high]^dim``: in every dimension,
    each of ``n`` equal bins holds exactly one point (a space-filling simulation plan)."""
    n = check_n(n)
    u = (np.column_stack([rng.permutation(n) for _ in range(dim)]) + rng.uniform(size=(n, dim))) / n
    return low + (high - low) * u


def make_feedback_simulations(n=40, seed=0, *, noise=0.02, design="latin"):
    """A suite of simulation runs: feedback parameters and the measured ``log10 L_X``.

    Parameters
    ----------
    n : int, default=40
        Number of runs.
    seed : int, default=0
    noise : float, default=0.02
        Statistical error of one run (dex).
    design : {"latin", "uniform"}, default="latin"
        Latin hypercube (space filling) or independent uniform draws.

    Returns
    -------
    DataFrame with float64 columns ``log_agn``, ``log_sn`` and ``log_lx``.
    """
    n = check_n(n)
    rng = np.random.default_rng(seed)
    if design == "latin":
        params = latin_hypercube(n, rng)
    elif design == "uniform":
        params = rng.uniform(*PARAMETER_RANGE, size=(n, 2))
    else:
        raise ValueError(f"design must be 'latin' or 'uniform', got {design!r}")
    log_lx = feedback_lx_normalisation(params, noise=noise, rng=rng)
    return pd.DataFrame({"log_agn": params[:, 0], "log_sn": params[:, 1], "log_lx": log_lx})
