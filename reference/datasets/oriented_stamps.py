"""Galaxy stamps with a controlled position angle: discs against spheroids.

:func:`reference.datasets.images.make_galaxy_stamps` draws position angles uniformly, so
its stamps look the same rotated.  Here the position angle is a parameter: a training set
whose galaxies all lie near one orientation (as in a catalogue of stamps cut and rotated
along the scan direction of one instrument, or a small field) against test stamps at any
angle.  A network trained on the aligned set alone learns "elongated along x" as part of
"disc"; augmentation by the symmetries of the square teaches it that orientation carries no
information.

Class 0 ``disc``: exponential disc, Sersic ``n ~ U(0.7, 1.3)``, axis ratio ``q ~ U(0.2, 0.5)``
(inclined).  Class 1 ``spheroid``: ``n ~ U(3, 5)``, ``q ~ U(0.45, 0.75)`` (flattened
ellipticals overlap the discs in ellipticity, so the profile has to be used).  Half-light
radius ``r_e ~ U(0.12, 0.22) * size`` pixels, centre offset up to 1 pixel, peak brightness
log-uniform in [10, 30] times the sky noise, a circular Gaussian PSF.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from .images import gaussian_psf, sersic_image

__all__ = ["make_oriented_galaxy_stamps"]


def make_oriented_galaxy_stamps(n_samples, size=20, position_angle=None, angle_scatter=0.15,
                                psf_fwhm=2.0, noise=0.1, random_state=None):
    """Disc (label 0) and spheroid (label 1) stamps, balanced, float32 ``(n, size, size)``.

    Parameters
    ----------
    n_samples : int
    size : int >= 8, stamp side in pixels
    position_angle : float or None
        Radians from the x axis of every major axis (plus Gaussian scatter of
        ``angle_scatter`` radians); ``None`` draws angles uniformly in [0, pi).
    angle_scatter : float >= 0
    psf_fwhm : float > 0, PSF FWHM in pixels
    noise : float >= 0, sky noise standard deviation
    random_state : int or numpy Generator

    Returns
    -------
    X : ndarray (n_samples, size, size) float32
    y : ndarray (n_samples,) int64
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}")
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"size must be an int >= 8, got {size!r}")
    if psf_fwhm <= 0 or noise < 0 or angle_scatter < 0:
        raise ValueError("psf_fwhm must be > 0, noise and angle_scatter >= 0")
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    y = rng.permutation(np.arange(n_samples) % 2).astype(np.int64)
    sph = y == 1
    n = np.where(sph, rng.uniform(3.0, 5.0, n_samples), rng.uniform(0.7, 1.3, n_samples))
    q = np.where(sph, rng.uniform(0.45, 0.75, n_samples), rng.uniform(0.2, 0.5, n_samples))
    r_eff = rng.uniform(0.12, 0.22, n_samples) * size
    if position_angle is None:
        theta = rng.uniform(0.0, np.pi, n_samples)
    else:
        theta = position_angle + angle_scatter * rng.standard_normal(n_samples)
    x0, y0 = rng.uniform(-1.0, 1.0, (2, n_samples))
    peak = noise * np.exp(rng.uniform(np.log(10.0), np.log(30.0), n_samples)) if noise > 0 else np.ones(n_samples)
    psf = gaussian_psf(psf_fwhm)
    X = np.empty((n_samples, size, size))
    for i in range(n_samples):
        img = fftconvolve(sersic_image(size, n[i], r_eff[i], q[i], theta[i], x0[i], y0[i]), psf, mode="same")
        X[i] = img * (peak[i] / img.max())
    X += noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), y
