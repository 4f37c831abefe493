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


# --- broad-band photometry ------------------------------------------------------------

#: SDSS-like ugriz filters approximated as Gaussians: (effective wavelength, FWHM) in nm.
#: Effective wavelengths after Fukugita et al. 1996, AJ 111, 1748.
FILTERS = {
    "u": (355.1, 60.0),
    "g": (468.6, 140.0),
    "r": (616.5, 140.0),
    "i": (748.1, 150.0),
    "z": (893.1, 120.0),
}
BANDS = tuple(FILTERS)

# numpy >= 2 renamed trapz to trapezoid
_trapezoid = getattr(np, "trapezoid", None) or getattr(np, "trapz")

#: Hubble constant (km/s/Mpc) used for distances.
H0 = 70.0


def filter_curves(wavelength_nm):
    """Transmission of each band on ``wavelength_nm``: array of shape (5, n_wavelengths)."""
    lam = np.asarray(wavelength_nm, dtype=float)
    curves = []
    for centre, fwhm in FILTERS.values():
        sigma = fwhm / (2.0 * np.sqrt(2.0 * np.log(2.0)))
        curves.append(np.exp(-0.5 * ((lam - centre) / sigma) ** 2))
    return np.array(curves)


def ab_magnitudes(wavelength_nm, f_lambda):
    """AB-like magnitudes (up to one common zero point) of spectra through the ugriz filters.

    The photon-weighted mean of f_nu ∝ f_lambda lambda^2 is taken with weight T(lambda)/lambda,
    ``m = -2.5 log10( ∫ f_nu T dlambda/lambda / ∫ T dlambda/lambda )`` (Oke & Gunn 1983,
    ApJ 266, 713).

    Parameters
    ----------
    wavelength_nm : ndarray of shape (n_wavelengths,)
    f_lambda : ndarray of shape (..., n_wavelengths)

    Returns
    -------
    mags : ndarray of shape (..., 5)
    """
    lam = np.asarray(wavelength_nm, dtype=float)
    weights = filter_curves(lam) / lam  # (5, n_wl)
    f_nu = np.asarray(f_lambda, dtype=float) * lam**2
    flux = _trapezoid(f_nu[..., None, :] * weights, lam, axis=-1)
    norm = _trapezoid(weights, lam, axis=-1)
    return -2.5 * np.log10(np.maximum(flux / norm, 1e-300))


def distance_modulus(z, omega_m=OMEGA_M, h0=H0):
    """Distance modulus 5 log10(D_L / 10 pc) in flat Lambda-CDM (Hogg 1999, astro-ph/9905116).

    D_L = (1+z) (c/H0) ∫_0^z dz'/E(z'), integrated on a fine grid.
    """
    z = np.asarray(z, dtype=float)
    grid = np.linspace(0.0, max(float(np.max(z)), 1e-3) * 1.001, 2001)
    inv_e = 1.0 / efunc(grid, omega_m)
    comoving = np.concatenate([[0.0], np.cumsum(0.5 * (inv_e[1:] + inv_e[:-1]) * np.diff(grid))])
    d_c = (C_LIGHT / 1e3 / h0) * np.interp(z, grid, comoving)  # Mpc
    d_l = np.maximum((1.0 + z) * d_c, 1e-6)
    return 5.0 * np.log10(d_l * 1e6 / 10.0)


def magnitude_errors(mags, limits, floor=0.01):
    """Photometric errors that grow toward faint magnitudes.

    A source at the 5-sigma limiting magnitude ``m_lim`` has S/N = 5, and the noise is
    sky-dominated, so ``S/N = 5 * 10^(-0.4 (m - m_lim))`` and
    ``sigma_m = 1.0857 / (S/N)`` added in quadrature to a calibration ``floor``.
    """
    snr = 5.0 * 10.0 ** (-0.4 * (np.asarray(mags) - np.asarray(limits)))
    return np.sqrt(floor**2 + (1.0857 / snr) ** 2)
