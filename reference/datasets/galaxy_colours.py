"""Colours of nearby galaxies: the red sequence and the blue cloud.

The optical colour-magnitude diagram of low-redshift galaxies is bimodal (Strateva et al.
2001, AJ 122, 1861; Baldry et al. 2004, ApJ 600, 681): a narrow **red sequence** of
passive, mostly early-type galaxies and a broad **blue cloud** of star-forming ones.
At fixed absolute magnitude each population's ``u - r`` colour is close to Gaussian, with
a mean that reddens toward brighter galaxies (the colour-magnitude relation) and a
width that is about twice as large for the blue cloud.

The generator follows that description in a volume-limited slice (z ≈ 0.05, absolute
magnitudes ``M_r`` in the AB system, K-corrected):

- ``M_r`` is Gaussian per population (the bright end of the luminosity function),
  ``N(-21.0, 0.7)`` on the red sequence, ``N(-20.4, 0.8)`` in the blue cloud;
- ``u - r = a + b (M_r + 20) + s * eps``: red ``a = 2.45, b = -0.08, s = 0.12``,
  blue ``a = 1.55, b = -0.15, s = 0.25`` mag;
- ``g - r`` and ``r - i`` follow ``u - r`` along the one-parameter sequence of galaxy
  spectral types (older populations are redder in every colour) with small
  intrinsic scatter: ``g - r = 0.08 + 0.29 (u - r) + 0.03 eps``,
  ``r - i = 0.14 + 0.09 (u - r) + 0.025 eps``;
- photometric noise of 0.03 mag in u and 0.015 mag in g, r and i (bright galaxies, so a
  constant error per band) is added to the magnitudes, so colours sharing a band have
  correlated errors.

Every relation is linear in Gaussian variables, so within one population the columns
``M_r, u_g, g_r, r_i`` are jointly Gaussian: a Gaussian mixture with one component per
population is the true model, and ``red_sequence`` is the truth to recover.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._physics import check_fraction, check_n

__all__ = ["make_galaxy_colours", "POPULATIONS", "PHOTOMETRIC_ERRORS"]

#: Per population: (mean M_r, sd M_r, u-r at M_r = -20, u-r slope per mag, u-r scatter).
POPULATIONS = {
    "blue_cloud": (-20.4, 0.8, 1.55, -0.15, 0.25),
    "red_sequence": (-21.0, 0.7, 2.45, -0.08, 0.12),
}
#: Photometric error (mag) of each band.
PHOTOMETRIC_ERRORS = {"u": 0.03, "g": 0.015, "r": 0.015, "i": 0.015}


def make_galaxy_colours(n=1000, seed=0, *, red_fraction=0.4):
    """A volume-limited sample of nearby galaxies: absolute magnitude and ugri colours.

    Parameters
    ----------
    n : int, default=1000
        Number of galaxies.
    seed : int, default=0
        Seed of ``np.random.default_rng`` (any non-negative int).
    red_fraction : float, default=0.4
        Expected fraction of red-sequence galaxies, strictly between 0 and 1.

    Returns
    -------
    DataFrame with float64 columns ``M_r`` (absolute r magnitude), ``u_g``, ``g_r``,
    ``r_i`` and ``u_r`` (observed colours, mag; ``u_r = u_g + g_r``), and int64
    ``red_sequence`` (1 red sequence, 0 blue cloud).
    """
    n = check_n(n)
    red_fraction = check_fraction(red_fraction, "red_fraction")
    rng = np.random.default_rng(seed)
    red = (rng.uniform(size=n) < red_fraction).astype(np.int64)
    params = np.array([POPULATIONS["blue_cloud"], POPULATIONS["red_sequence"]])[red]
    m_mean, m_sd, a, b, s = params.T
    abs_r = m_mean + m_sd * rng.standard_normal(n)
    u_r = a + b * (abs_r + 20.0) + s * rng.standard_normal(n)
    g_r = 0.08 + 0.29 * u_r + 0.03 * rng.standard_normal(n)
    r_i = 0.14 + 0.09 * u_r + 0.025 * rng.standard_normal(n)
    # intrinsic magnitudes relative to r, then photometric noise per band
    mags = np.column_stack([u_r, g_r, np.zeros(n), -r_i])
    errors = np.array([PHOTOMETRIC_ERRORS[band] for band in "ugri"])
    mags = mags + errors * rng.standard_normal(mags.shape)
    frame = pd.DataFrame({
        "M_r": abs_r + mags[:, 2],          # the r-band error enters M_r as well
        "u_g": mags[:, 0] - mags[:, 1],
        "g_r": mags[:, 1] - mags[:, 2],
        "r_i": mags[:, 2] - mags[:, 3],
    })
    frame["u_r"] = frame["u_g"] + frame["g_r"]
    frame["red_sequence"] = red
    return frame
