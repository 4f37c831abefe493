"""Image generators: galaxy morphology stamps and real/bogus difference-image stamps.

Everything is deterministic given ``random_state`` and returns numpy arrays
``X`` of shape (n_samples, size, size), dtype float32, and integer labels ``y``.
No file is read and nothing is downloaded.

Galaxy stamps
    Sersic profiles ``I(r) = I_e exp(-b_n [(r / r_e)^(1/n) - 1])`` (Sersic 1963) with
    ``b_n ~ 2n - 1/3 + 4/(405 n) + 46/(25515 n^2)`` (Ciotti & Bertin 1999), elliptical
    isophotes, optional two-armed logarithmic spiral arms or a bar, convolved with a
    circular Gaussian PSF, plus Gaussian sky noise.

Real/bogus stamps
    Difference images as produced by transient surveys (image minus template): *real*
    detections are PSF-shaped point sources; *bogus* ones are dipoles from a misaligned
    subtraction, cosmic-ray hits (sharper than the PSF) and bad detector columns.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

__all__ = [
    "sersic_bn", "sersic_image", "gaussian_psf", "make_galaxy_stamps",
    "make_real_bogus_stamps", "MORPHOLOGY_CLASSES", "BOGUS_KINDS",
]

MORPHOLOGY_CLASSES = ("disc", "spheroid", "spiral", "barred")
BOGUS_KINDS = ("real", "dipole", "cosmic_ray", "bad_column")
FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def _rng(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {random_state!r}")


def _check_positive_int(name, value, minimum=1):
    if not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


def sersic_bn(n):
    """Approximate ``b_n`` such that ``r_e`` encloses half the light (Ciotti & Bertin 1999)."""
    n = np.asarray(n, dtype=float)
    return 2.0 * n - 1.0 / 3.0 + 4.0 / (405.0 * n) + 46.0 / (25515.0 * n**2)


def _grid(size):
    c = (size - 1) / 2.0
    y, x = np.mgrid[0:size, 0:size].astype(float)
    return x - c, y - c


def _elliptical_coords(x, y, x0, y0, q, theta):
    """Coordinates along the major axis ``u``, minor axis ``v``, and elliptical radius."""
    dx, dy = x - x0, y - y0
    u = dx * np.cos(theta) + dy * np.sin(theta)
    v = -dx * np.sin(theta) + dy * np.cos(theta)
    return u, v, np.sqrt(u**2 + (v / q) ** 2)


def sersic_image(size, n, r_eff, q=1.0, theta=0.0, x0=0.0, y0=0.0, amplitude=1.0):
    """A Sersic profile on a ``size`` x ``size`` pixel grid (centre offset ``x0, y0``).

    Parameters
    ----------
    size : int
    n : float, Sersic index (1: exponential disc, 4: de Vaucouleurs spheroid)
    r_eff : float, half-light radius along the major axis, pixels
    q : float in (0, 1], axis ratio b/a
    theta : float, position angle of the major axis, radians
    amplitude : float, surface brightness at ``r_eff``
    """
    x, y = _grid(size)
    _, _, r = _elliptical_coords(x, y, x0, y0, q, theta)
    r = np.maximum(r, 0.25)  # the n = 4 cusp: evaluate no closer than a quarter pixel
    return amplitude * np.exp(-sersic_bn(n) * ((r / r_eff) ** (1.0 / n) - 1.0))


def gaussian_psf(fwhm, size=None):
    """A normalised circular Gaussian PSF kernel of full width at half maximum ``fwhm`` pixels."""
    sigma = fwhm * FWHM_TO_SIGMA
    if size is None:
        size = 2 * int(np.ceil(3 * sigma)) + 1
    x, y = _grid(size)
    k = np.exp(-0.5 * (x**2 + y**2) / sigma**2)
    return k / k.sum()


def _point_source(size, x0, y0, fwhm, flux):
    """A Gaussian PSF of total ``flux`` centred at ``(x0, y0)`` relative to the stamp centre."""
    x, y = _grid(size)
    sigma = fwhm * FWHM_TO_SIGMA
    return flux * np.exp(-0.5 * ((x - x0) ** 2 + (y - y0) ** 2) / sigma**2) / (2 * np.pi * sigma**2)


def make_galaxy_stamps(n_samples=1000, size=32, n_classes=2, psf_fwhm=2.5, noise=0.05,
                       random_state=None, return_params=False):
    """Galaxy stamps of ``n_classes`` morphologies with balanced labels.

    Class 0 ``disc``: exponential disc, Sersic ``n ~ U(0.7, 1.3)``, axis ratio
    ``q ~ U(0.25, 1)`` (random inclination).  Class 1 ``spheroid``: ``n ~ U(3, 5)``,
    ``q ~ U(0.6, 1)``.  Class 2 ``spiral``: a disc with two logarithmic spiral arms.
    Class 3 ``barred``: a disc with a central bar (a flat, elongated ``n = 0.5`` component).
    Half-light radius ``r_e ~ U(0.08, 0.2) * size`` pixels (``U(0.14, 0.22) * size`` for
    spirals and barred discs), centre offset up to 1 pixel,
    peak brightness log-uniform in [0.5, 2] (in units of the noise when ``noise = 1``),
    convolved with a Gaussian PSF and Gaussian noise of standard deviation ``noise`` added.

    Parameters
    ----------
    n_samples : int
    size : int, stamp side in pixels (>= 8)
    n_classes : {2, 3, 4}, the first ``n_classes`` of ``MORPHOLOGY_CLASSES``
    psf_fwhm : float, PSF FWHM in pixels (0: no convolution)
    noise : float >= 0, standard deviation of the sky noise
    random_state : None, int or numpy Generator
    return_params : bool, also return a dict of per-stamp parameters

    Returns
    -------
    X : ndarray of shape (n_samples, size, size), float32
    y : ndarray of shape (n_samples,), int64 labels indexing ``MORPHOLOGY_CLASSES``
    params : dict of ndarrays, only with ``return_params=True``
    """
    _check_positive_int("n_samples", n_samples)
    _check_positive_int("size", size, 8)
    if n_classes not in (2, 3, 4):
        raise ValueError(f"n_classes must be 2, 3 or 4, got {n_classes!r}")
    if psf_fwhm < 0 or noise < 0:
        raise ValueError(f"psf_fwhm and noise must be >= 0, got {psf_fwhm!r} and {noise!r}")
    rng = _rng(random_state)
    y = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int64)
    spheroid = y == 1
    n = np.where(spheroid, rng.uniform(3.0, 5.0, n_samples), rng.uniform(0.7, 1.3, n_samples))
    q = np.where(spheroid, rng.uniform(0.6, 1.0, n_samples), rng.uniform(0.25, 1.0, n_samples))
    # spiral arms and bars are seen best on moderately inclined discs
    q = np.where(y >= 2, rng.uniform(0.55, 1.0, n_samples), q)
    r_eff = rng.uniform(0.08, 0.2, n_samples) * size
    r_eff = np.where(y >= 2, rng.uniform(0.14, 0.22, n_samples) * size, r_eff)  # resolved structure
    theta = rng.uniform(0, np.pi, n_samples)
    x0, y0 = rng.uniform(-1, 1, (2, n_samples))
    peak = np.exp(rng.uniform(np.log(0.5), np.log(2.0), n_samples))
    pitch = rng.uniform(np.radians(12), np.radians(25), n_samples)
    arm_phase = rng.uniform(0, 2 * np.pi, n_samples)
    bar_theta = rng.uniform(0, np.pi, n_samples)

    x, yy = _grid(size)
    X = np.empty((n_samples, size, size))
    for i in range(n_samples):
        img = sersic_image(size, n[i], r_eff[i], q[i], theta[i], x0[i], y0[i])
        if y[i] == 2:  # two-armed logarithmic spiral: phi = ln(r) / tan(pitch) + phase
            u, v, r = _elliptical_coords(x, yy, x0[i], y0[i], q[i], theta[i])
            phi = np.arctan2(v / q[i], u)
            arms = np.cos(2.0 * (phi - np.log(np.maximum(r, 0.5)) / np.tan(pitch[i]) - arm_phase[i]))
            envelope = 1.0 - np.exp(-((r / (0.5 * r_eff[i])) ** 2))  # no arms in the centre
            img = img * np.maximum(1.0 + 1.5 * envelope * arms, 0.0)
        elif y[i] == 3:  # a bar as long as the disc's half-light radius
            img = img + 3.0 * sersic_image(size, 0.5, 0.8 * r_eff[i], 0.2, bar_theta[i], x0[i], y0[i])
        if psf_fwhm > 0:
            img = fftconvolve(img, gaussian_psf(psf_fwhm), mode="same")
        X[i] = img * (peak[i] / img.max())
    X += noise * rng.standard_normal(X.shape)
    X = X.astype(np.float32)
    if return_params:
        params = {"n": n, "q": q, "r_eff": r_eff, "theta": theta, "x0": x0, "y0": y0, "peak": peak}
        return X, y, params
    return X, y


def make_real_bogus_stamps(n_samples=1000, size=21, psf_fwhm=3.0, noise=1.0, snr=(8.0, 40.0),
                           real_fraction=0.5, random_state=None, return_kinds=False):
    """Difference-image stamps: real point sources (label 1) against artefacts (label 0).

    Real: a Gaussian PSF of FWHM ``psf_fwhm`` near the centre, peak signal-to-noise
    log-uniform in ``snr``.  Bogus, in equal shares: a *dipole* (a positive and a negative
    PSF 1-2.5 pixels apart, a misaligned subtraction), a *cosmic ray* (one to three
    adjacent hot pixels or a short streak much sharper than the PSF), a *bad column* (one
    detector column offset up or down along its whole length).

    Parameters
    ----------
    n_samples : int
    size : int, stamp side in pixels (>= 9)
    psf_fwhm : float > 0, PSF FWHM in pixels
    noise : float > 0, sky noise standard deviation
    snr : (low, high), range of peak signal-to-noise ratios
    real_fraction : float in (0, 1)
    random_state : None, int or numpy Generator
    return_kinds : bool, also return the kind of each stamp (an index into ``BOGUS_KINDS``)

    Returns
    -------
    X : ndarray of shape (n_samples, size, size), float32
    y : ndarray of shape (n_samples,), int64, 1 = real, 0 = bogus
    kinds : ndarray of int64, only with ``return_kinds=True``
    """
    _check_positive_int("n_samples", n_samples)
    _check_positive_int("size", size, 9)
    if psf_fwhm <= 0 or noise <= 0:
        raise ValueError(f"psf_fwhm and noise must be > 0, got {psf_fwhm!r} and {noise!r}")
    if not 0.0 < real_fraction < 1.0:
        raise ValueError(f"real_fraction must be in (0, 1), got {real_fraction!r}")
    lo, hi = snr
    if not 0 < lo <= hi:
        raise ValueError(f"snr must be (low, high) with 0 < low <= high, got {snr!r}")
    rng = _rng(random_state)
    n_real = int(round(real_fraction * n_samples))
    kinds = np.concatenate([np.zeros(n_real, dtype=np.int64),
                            1 + np.arange(n_samples - n_real, dtype=np.int64) % 3])
    kinds = rng.permutation(kinds)
    y = (kinds == 0).astype(np.int64)
    sigma = psf_fwhm * FWHM_TO_SIGMA
    peak = noise * np.exp(rng.uniform(np.log(lo), np.log(hi), n_samples))
    X = noise * rng.standard_normal((n_samples, size, size))
    x, yy = _grid(size)
    for i, kind in enumerate(kinds):
        flux = peak[i] * 2 * np.pi * sigma**2  # total flux that gives this peak
        cx, cy = rng.uniform(-1.5, 1.5, 2)
        if kind == 0:
            X[i] += _point_source(size, cx, cy, psf_fwhm, flux)
        elif kind == 1:
            sep = rng.uniform(1.0, 2.5)
            ang = rng.uniform(0, 2 * np.pi)
            dx, dy = 0.5 * sep * np.cos(ang), 0.5 * sep * np.sin(ang)
            ratio = rng.uniform(0.7, 1.0)  # the negative lobe is a bit weaker or as strong
            X[i] += _point_source(size, cx + dx, cy + dy, psf_fwhm, flux)
            X[i] -= _point_source(size, cx - dx, cy - dy, psf_fwhm, ratio * flux)
        elif kind == 2:
            px, py = int(round(size / 2 + cx)), int(round(size / 2 + cy))
            length = rng.integers(1, 6)
            step = [(0, 1), (1, 0), (1, 1), (1, -1)][rng.integers(4)]
            for k in range(length):
                xs, ys = px + k * step[0], py + k * step[1]
                if 0 <= xs < size and 0 <= ys < size:
                    X[i, ys, xs] += peak[i] * rng.uniform(1.0, 2.0)
        else:
            col = int(round(size / 2 + cx))
            sign = rng.choice([-1.0, 1.0])
            X[i, :, col] += sign * peak[i] * rng.uniform(0.3, 0.8)
    X = X.astype(np.float32)
    if return_kinds:
        return X, y, kinds
    return X, y
