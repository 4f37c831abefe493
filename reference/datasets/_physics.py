"""Small physics helpers shared by the data generators.

Everything here is plain numpy: a flat Lambda-CDM expansion rate, the Planck function,
log-normal scatter and a few validation helpers.
"""
from __future__ import annotations

import numbers

import numpy as np

#: Matter density parameter of the flat Lambda-CDM cosmology used throughout.
OMEGA_M = 0.3
#: Dark-energy density parameter (flat universe: ``1 - OMEGA_M``).
OMEGA_L = 1.0 - OMEGA_M

# Physical constants (SI).
H_PLANCK = 6.62607015e-34  # J s
C_LIGHT = 2.99792458e8  # m / s
K_BOLTZMANN = 1.380649e-23  # J / K


def efunc(z, omega_m=OMEGA_M):
    """Dimensionless Hubble rate of a flat Lambda-CDM universe.

    .. math:: E(z) = H(z) / H_0 = \\sqrt{\\Omega_m (1+z)^3 + 1 - \\Omega_m}

    Parameters
    ----------
    z : float or array_like
        Redshift.
    omega_m : float, default=0.3
        Matter density parameter today.

    Returns
    -------
    E : float or ndarray
    """
    z = np.asarray(z, dtype=float)
    return np.sqrt(omega_m * (1.0 + z) ** 3 + (1.0 - omega_m))


def planck_lambda(wavelength_nm, temperature):
    """Planck spectral radiance per unit wavelength, B_lambda(T), in W sr^-1 m^-3.

    .. math:: B_\\lambda(T) = \\frac{2 h c^2}{\\lambda^5}
              \\frac{1}{\\exp(h c / \\lambda k T) - 1}

    Parameters
    ----------
    wavelength_nm : array_like
        Wavelength in nanometres.
    temperature : float or array_like
        Temperature in kelvin (broadcast against ``wavelength_nm``).
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    t = np.asarray(temperature, dtype=float)
    x = H_PLANCK * C_LIGHT / (lam * K_BOLTZMANN * t)
    return 2.0 * H_PLANCK * C_LIGHT**2 / lam**5 / np.expm1(np.minimum(x, 700.0))


def check_n(n, name="n", minimum=1):
    """Validate a sample size: an integer >= ``minimum``; return it as ``int``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return int(n)


def check_fraction(value, name):
    """Validate a fraction strictly between 0 and 1; return it as ``float``."""
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")
    return value


def sample_from_density(rng, grid, density, size):
    """Draw ``size`` values from a 1-d density tabulated on an increasing ``grid``.

    Inverse-transform sampling on the trapezoid cumulative integral, with linear
    interpolation between grid points.
    """
    density = np.clip(np.asarray(density, dtype=float), 0.0, None)
    steps = 0.5 * (density[1:] + density[:-1]) * np.diff(grid)
    cdf = np.concatenate([[0.0], np.cumsum(steps)])
    cdf /= cdf[-1]
    return np.interp(rng.uniform(size=size), cdf, grid)
