"""Variable-star light curves with survey-like sampling, and period/shape features.

Four classes:

- ``rr_lyrae`` (RRab): periods 0.45-0.8 d, V amplitudes 0.5-1.2 mag, a sawtooth with a
  fast rise and slow decline (Smith 1995, "RR Lyrae Stars", Cambridge).
- ``cepheid`` (classical): periods 3-40 d (log-uniform), amplitudes 0.3-1.0 mag, a
  milder sawtooth (Leavitt & Pickering 1912, Harvard Circ. 173 for the P-L law; shapes
  after Simon & Lee 1981, ApJ 248, 291: Fourier series with decreasing harmonics).
- ``eclipsing_binary`` (detached / Algol-like): periods 0.5-10 d, a flat light curve
  with a primary eclipse (0.3-1.0 mag) and a shallower secondary at phase 0.5.
- ``constant``: no intrinsic variability, only noise.

Pulsators are Fourier series ``m(phi) = m0 + sum_k a_k cos(2 pi k phi + phi_k)`` with
``a_k ∝ a_1 / k^1.3`` and phases that produce the skewed rise (Fourier decomposition of
Simon & Lee 1981).

Sampling: ``n_obs`` epochs over ``n_seasons`` observing seasons of 180 days per year
(the target is behind the Sun for the rest), at night (integer days plus a small scatter),
irregular within the season. Errors: ``sigma = 0.01 + 0.03 * 10^(0.4 (m0 - 18))``, mean
magnitudes m0 uniform on 14-19.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kurtosis, skew

from ._physics import check_n

__all__ = ["make_light_curves", "light_curve_features", "lomb_scargle", "CLASSES", "FEATURE_COLUMNS"]

CLASSES = ("rr_lyrae", "cepheid", "eclipsing_binary", "constant")
FEATURE_COLUMNS = ("period", "log_period", "power", "amplitude", "std", "skew", "kurtosis",
                   "beyond_1std", "eta", "mean_mag")


def _pulsation(phase, amplitude, rng, harmonics=4, skewness=1.0):
    """Fourier-series pulsation: peak-to-peak ~ ``amplitude``, brightening is fast."""
    mags = np.zeros_like(phase)
    for k in range(1, harmonics + 1):
        a_k = k ** -1.3 * (skewness if k > 1 else 1.0)
        # phases phi_k = k phi_1 + pi/2-ish give a sawtooth (fast rise, slow decline)
        mags += a_k * np.sin(2 * np.pi * k * phase + k * 0.1 * rng.standard_normal())
    mags = mags / (mags.max() - mags.min()) * amplitude
    return -mags  # magnitudes: smaller is brighter


def _eclipses(phase, depth, width, secondary):
    """Gaussian-shaped eclipses at phases 0 and 0.5 (magnitudes, fainter = larger)."""
    d0 = np.minimum(phase, 1.0 - phase)
    d1 = np.abs(phase - 0.5)
    return depth * np.exp(-0.5 * (d0 / width) ** 2) + secondary * depth * np.exp(-0.5 * (d1 / width) ** 2)


def _sample_times(rng, n_obs, n_seasons):
    """Irregular nightly epochs inside ``n_seasons`` seasons of 180 days, sorted."""
    season = rng.integers(0, n_seasons, size=n_obs)
    night = rng.integers(0, 180, size=n_obs)
    return np.sort(365.25 * season + night + rng.uniform(-0.15, 0.15, size=n_obs))


def make_light_curves(n=300, seed=0, *, n_obs=100, n_seasons=3, class_weights=None):
    """Light curves of periodic variables and constant stars.

    Parameters
    ----------
    n : int, default=300
        Number of stars.
    seed : int, default=0
    n_obs : int, default=100
        Epochs per star.
    n_seasons : int, default=3
        Observing seasons (years).
    class_weights : sequence of 4 floats, optional
        Relative frequencies of ``CLASSES``; equal by default.

    Returns
    -------
    curves : DataFrame in long format, columns ``id`` (int64), ``t`` (days),
        ``mag`` (mag), ``mag_err`` (mag), sorted by id then t.
    labels : DataFrame indexed by ``id`` with columns ``label`` (str, one of
        ``CLASSES``), ``period`` (true period in days; 0 for constant stars),
        ``amplitude`` (true peak-to-peak, mag; 0 for constant stars), ``mean_mag``.
    """
    n = check_n(n)
    n_obs = check_n(n_obs, "n_obs", minimum=10)
    n_seasons = check_n(n_seasons, "n_seasons")
    rng = np.random.default_rng(seed)
    weights = np.ones(len(CLASSES)) if class_weights is None else np.asarray(class_weights, float)
    if weights.shape != (len(CLASSES),) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(f"class_weights must be {len(CLASSES)} non-negative numbers")
    label_index = rng.choice(len(CLASSES), size=n, p=weights / weights.sum())

    rows, meta = [], []
    for star in range(n):
        label = CLASSES[label_index[star]]
        t = _sample_times(rng, n_obs, n_seasons)
        m0 = rng.uniform(14.0, 19.0)
        err = np.full(n_obs, 0.01 + 0.03 * 10.0 ** (0.4 * (m0 - 18.0)))
        err *= np.exp(0.1 * rng.standard_normal(n_obs))
        period, amplitude = 0.0, 0.0
        signal = np.zeros(n_obs)
        if label == "rr_lyrae":
            period, amplitude = rng.uniform(0.45, 0.8), rng.uniform(0.5, 1.2)
            phase = (t / period + rng.uniform()) % 1.0
            signal = _pulsation(phase, amplitude, rng, skewness=1.0)
        elif label == "cepheid":
            period = 10.0 ** rng.uniform(np.log10(3.0), np.log10(40.0))
            amplitude = rng.uniform(0.3, 1.0)
            phase = (t / period + rng.uniform()) % 1.0
            signal = _pulsation(phase, amplitude, rng, harmonics=3, skewness=0.6)
        elif label == "eclipsing_binary":
            period, depth = rng.uniform(0.5, 10.0), rng.uniform(0.3, 1.0)
            width = rng.uniform(0.02, 0.05)
            phase = (t / period + rng.uniform()) % 1.0
            signal = _eclipses(phase, depth, width, secondary=rng.uniform(0.1, 0.6))
            amplitude = depth
        mag = m0 + signal + err * rng.standard_normal(n_obs)
        rows.append(pd.DataFrame({"id": np.full(n_obs, star, dtype=np.int64), "t": t,
                                  "mag": mag, "mag_err": err}))
        meta.append((star, label, period, amplitude, m0))

    curves = pd.concat(rows, ignore_index=True)
    labels = pd.DataFrame(meta, columns=["id", "label", "period", "amplitude", "mean_mag"])
    return curves, labels.set_index("id")


def lomb_scargle(t, y, frequencies):
    """Normalised Lomb-Scargle periodogram (Lomb 1976, Ap&SS 39, 447; Scargle 1982,
    ApJ 263, 835) on a uniform grid of ``frequencies`` (cycles per unit of ``t``).

    With ``z_j = exp(i omega t_j)``, ``S = sum_j y_j z_j`` and ``Q = sum_j z_j^2``, the
    time offset tau of Scargle satisfies ``exp(2 i omega tau) = Q/|Q|`` and

    .. math:: P = \\frac{1}{\\sum y^2}\\left[\\frac{(\\mathrm{Re}\\,S e^{-i\\omega\\tau})^2}{(N+|Q|)/2}
              + \\frac{(\\mathrm{Im}\\,S e^{-i\\omega\\tau})^2}{(N-|Q|)/2}\\right],

    between 0 and 1. ``y`` is centred first. On a uniform grid ``z`` is built by
    repeated multiplication with ``exp(i d_omega t)`` instead of calling sin/cos.

    Returns
    -------
    power : ndarray of shape (len(frequencies),)
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float) - np.mean(y)
    freqs = np.asarray(frequencies, dtype=float)
    omega = 2.0 * np.pi * freqs
    d_omega = omega[1] - omega[0] if len(omega) > 1 else 0.0
    if len(omega) > 2 and not np.allclose(np.diff(omega), d_omega):
        raise ValueError("frequencies must be uniformly spaced")
    t = t - t.min()
    power = np.empty(len(omega))
    step = np.exp(1j * d_omega * t)
    chunk = 2000
    for start in range(0, len(omega), chunk):
        stop = min(start + chunk, len(omega))
        rows = np.empty((stop - start, len(t)), dtype=complex)
        rows[:] = step
        rows[0] = np.exp(1j * omega[start] * t)
        np.cumprod(rows, axis=0, out=rows)  # row k = exp(i (omega_start + k d_omega) t)
        s = rows @ y
        q = (rows * rows).sum(axis=1)
        q_abs = np.abs(q)
        rot = np.exp(-0.5j * np.angle(q))  # exp(-i omega tau)
        sr = s * rot
        n = len(t)
        cc = np.maximum(0.5 * (n + q_abs), 1e-12)
        ss = np.maximum(0.5 * (n - q_abs), 1e-12)
        power[start:stop] = sr.real**2 / cc + sr.imag**2 / ss
    return power / max(float(np.sum(y**2)), 1e-300)


def _lomb_scargle_period(t, mag, min_period, max_period, n_frequencies):
    """Best period and peak power of the Lomb-Scargle periodogram on a uniform grid."""
    freqs = np.linspace(1.0 / max_period, 1.0 / min_period, n_frequencies)  # cycles/day
    power = lomb_scargle(t, mag, freqs)
    best = int(np.argmax(power))
    return 1.0 / freqs[best], float(power[best])


def light_curve_features(curves, *, min_period=0.2, max_period=100.0, n_frequencies=None,
                         oversampling=5):
    """Period and shape features of each light curve.

    Parameters
    ----------
    curves : DataFrame
        Long format with columns ``id``, ``t``, ``mag`` (as from ``make_light_curves``).
    min_period, max_period : float
        Period search range in days.
    n_frequencies : int, optional
        Size of the uniform frequency grid of the Lomb-Scargle periodogram. By default
        the grid resolves each peak (width ~ 1/baseline) with ``oversampling`` points:
        ``oversampling * baseline * (1/min_period - 1/max_period)``, at most 100000.
    oversampling : float, default=5

    Returns
    -------
    DataFrame indexed by ``id`` with float64 columns

    - ``period`` (days) and ``log_period`` (log10): Lomb-Scargle best period;
    - ``power``: normalised periodogram peak (0-1; high means strongly periodic);
    - ``amplitude``: 95th minus 5th percentile of mag (robust peak-to-peak);
    - ``std``, ``skew``, ``kurtosis`` of mag (eclipsing binaries are skewed faint:
      positive skew; pulsators skew bright);
    - ``beyond_1std``: fraction of points more than 1 std from the mean;
    - ``eta``: von Neumann ratio of successive differences to the variance (small for
      smooth, slowly varying curves; about 2 for noise);
    - ``mean_mag``.
    """
    missing = {"id", "t", "mag"} - set(curves.columns)
    if missing:
        raise ValueError(f"curves is missing columns {sorted(missing)}")
    if n_frequencies is None:
        baseline = float(curves.groupby("id")["t"].agg(lambda t: t.max() - t.min()).max())
        span = 1.0 / min_period - 1.0 / max_period
        n_frequencies = int(min(max(oversampling * baseline * span, 100), 100000))
    n_frequencies = check_n(n_frequencies, "n_frequencies", minimum=10)
    out = {}
    for star, group in curves.groupby("id", sort=True):
        group = group.sort_values("t")
        t, mag = group["t"].to_numpy(float), group["mag"].to_numpy(float)
        period, power = _lomb_scargle_period(t, mag, min_period, max_period, n_frequencies)
        std = mag.std()
        out[star] = {
            "period": period,
            "log_period": np.log10(period),
            "power": power,
            "amplitude": np.percentile(mag, 95) - np.percentile(mag, 5),
            "std": std,
            "skew": float(skew(mag)),
            "kurtosis": float(kurtosis(mag)),
            "beyond_1std": float(np.mean(np.abs(mag - mag.mean()) > std)),
            "eta": float(np.mean(np.diff(mag) ** 2) / max(mag.var(), 1e-12)),
            "mean_mag": mag.mean(),
        }
    frame = pd.DataFrame.from_dict(out, orient="index", columns=list(FEATURE_COLUMNS))
    frame.index.name = "id"
    return frame.astype(np.float64)
