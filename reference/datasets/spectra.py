"""Low-resolution optical stellar spectra: a Planck continuum with absorption lines.

Each spectrum is ``F(lambda) = B_lambda(T_eff) / <B_lambda> * prod_k (1 - d_k G_k(lambda))``
plus Gaussian noise, where ``G_k`` is a unit-height Gaussian line profile and the depth
``d_k`` of each line depends on T_eff (ionisation and excitation, the Saha-Boltzmann
physics behind the MK spectral sequence; Gray & Corbally 2009, "Stellar Spectral
Classification", Princeton), on metallicity and on surface gravity:

- Balmer lines (H-alpha 656.3, H-beta 486.1, H-gamma 434.0, H-delta 410.2 nm) peak in A
  stars near 9500 K: a Gaussian in log T_eff.
- Ca II H and K (393.4, 396.8 nm), Mg b (517.3 nm), Na D (589.3 nm) and the Ca II
  triplet (849.8, 854.2, 866.2 nm) are metal lines of cool stars: their depth rises as
  T_eff drops below about 6500 K and scales with 10^(0.5 [Fe/H]). Na D is pressure
  broadened (wider in dwarfs, high log g); the Ca II triplet is stronger in giants
  (low log g) (Cenarro et al. 2001, MNRAS 326, 959).
- TiO molecular bands (705-725 and 760-780 nm) appear in M stars below about 4000 K.

Line widths are the instrumental resolution (``resolution`` pixels) broadened by gravity
for Na D; flux is normalised to mean 1 before noise. Signal-to-noise per pixel is uniform
on 20-100.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._physics import check_n, planck_lambda

__all__ = ["make_stellar_spectra", "LINES", "WAVELENGTH_RANGE", "spectral_type"]

#: Wavelength range (nm) of the spectra.
WAVELENGTH_RANGE = (380.0, 900.0)
#: Absorption features: name -> (centre nm, kind).
LINES = {
    "H_delta": (410.2, "balmer"), "H_gamma": (434.0, "balmer"),
    "H_beta": (486.1, "balmer"), "H_alpha": (656.3, "balmer"),
    "Ca_K": (393.4, "metal"), "Ca_H": (396.8, "metal"), "Mg_b": (517.3, "metal"),
    "Na_D": (589.3, "sodium"),
    "Ca_T1": (849.8, "triplet"), "Ca_T2": (854.2, "triplet"), "Ca_T3": (866.2, "triplet"),
}
_TIO_BANDS = ((705.0, 725.0), (760.0, 780.0))
_MK = (("O", 30000.0), ("B", 10000.0), ("A", 7500.0), ("F", 6000.0), ("G", 5200.0),
       ("K", 3700.0), ("M", 0.0))


def spectral_type(t_eff):
    """MK spectral class letter (O B A F G K M) from the effective temperature in K."""
    t_eff = np.atleast_1d(np.asarray(t_eff, dtype=float))
    out = np.full(t_eff.shape, "M", dtype=object)
    for letter, lower in reversed(_MK):
        out[t_eff >= lower] = letter
    return out


def _line_depths(t_eff, logg, feh):
    """Depth of each line in LINES for each star: dict name -> array (n,)."""
    log_t = np.log10(t_eff)
    balmer = 0.65 * np.exp(-0.5 * ((log_t - np.log10(9500.0)) / 0.1) ** 2)
    cool = 1.0 / (1.0 + np.exp((t_eff - 6000.0) / 500.0))  # rises below ~6500 K
    metals = np.clip(10.0 ** (0.5 * feh), 0.1, 2.0)
    giant = np.clip((4.5 - logg) / 3.0, 0.0, 1.0)
    depths = {}
    for name, (_, kind) in LINES.items():
        if kind == "balmer":
            depths[name] = balmer
        elif kind == "metal":
            depths[name] = np.minimum(0.7 * cool * metals, 0.9)
        elif kind == "sodium":
            depths[name] = np.minimum(0.5 * cool * metals, 0.9)
        else:  # Ca II triplet: luminosity-sensitive
            depths[name] = np.minimum((0.25 + 0.35 * giant) * cool * metals, 0.9)
    return depths


def make_stellar_spectra(n=500, seed=0, *, n_wavelengths=200, resolution=1.5):
    """Noisy low-resolution spectra of stars with known T_eff, log g and [Fe/H].

    Parameters
    ----------
    n : int, default=500
        Number of stars.
    seed : int, default=0
    n_wavelengths : int, default=200
        Number of pixels, evenly spaced on ``WAVELENGTH_RANGE`` (380-900 nm).
    resolution : float, default=1.5
        Gaussian sigma of unresolved lines, in pixels.

    Returns
    -------
    wavelength : ndarray of shape (n_wavelengths,), nm
    flux : ndarray of shape (n, n_wavelengths), float64; the continuum is normalised to
        mean 1, absorption lines lower the mean by up to ~20 %
    params : DataFrame with float64 columns ``T_eff`` (K, log-uniform 3200-20000),
        ``logg`` (cgs; 80 % dwarfs 4.0-4.8, 20 % giants 1.5-3.5 among stars cooler
        than 6000 K), ``feh`` ([Fe/H], dex, normal -0.2 ± 0.3), ``snr`` (per pixel), and
        ``spectral_type`` (str, MK letter).
    """
    n = check_n(n)
    n_wavelengths = check_n(n_wavelengths, "n_wavelengths", minimum=20)
    rng = np.random.default_rng(seed)
    wavelength = np.linspace(*WAVELENGTH_RANGE, n_wavelengths)
    pixel = wavelength[1] - wavelength[0]

    t_eff = 10.0 ** rng.uniform(np.log10(3200.0), np.log10(20000.0), size=n)
    giant = (rng.uniform(size=n) < 0.2) & (t_eff < 6000.0)
    logg = np.where(giant, rng.uniform(1.5, 3.5, size=n), rng.uniform(4.0, 4.8, size=n))
    feh = np.clip(-0.2 + 0.3 * rng.standard_normal(n), -2.0, 0.5)
    snr = rng.uniform(20.0, 100.0, size=n)

    continuum = planck_lambda(wavelength[None, :], t_eff[:, None])
    continuum /= continuum.mean(axis=1, keepdims=True)

    transmission = np.ones((n, n_wavelengths))
    depths = _line_depths(t_eff, logg, feh)
    sigma_inst = resolution * pixel
    for name, (centre, kind) in LINES.items():
        sigma = np.full(n, sigma_inst)
        if kind == "sodium":  # pressure (collisional) broadening grows with gravity
            sigma = np.hypot(sigma_inst, 0.4 * np.clip(logg - 2.0, 0.0, None))
        profile = np.exp(-0.5 * ((wavelength[None, :] - centre) / sigma[:, None]) ** 2)
        transmission *= 1.0 - depths[name][:, None] * profile

    tio = np.clip((4000.0 - t_eff) / 800.0, 0.0, 0.6)
    for lo, hi in _TIO_BANDS:
        band = (wavelength >= lo) & (wavelength <= hi)
        # a sharp bandhead at lo, fading toward hi
        shape = np.where(band, 1.0 - (wavelength - lo) / (hi - lo) * 0.5, 0.0)
        transmission *= 1.0 - tio[:, None] * shape[None, :]

    clean = continuum * transmission
    flux = clean + clean / snr[:, None] * rng.standard_normal(clean.shape)

    params = pd.DataFrame({"T_eff": t_eff, "logg": logg, "feh": feh, "snr": snr})
    params["spectral_type"] = spectral_type(t_eff)
    return wavelength, flux, params
