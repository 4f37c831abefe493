"""Photometric catalogues: star-galaxy separation, photometric redshifts, morphology.

Magnitudes are synthetic photometry of simple spectral energy distributions (SEDs)
through Gaussian approximations of the SDSS ugriz filters (Fukugita et al. 1996, AJ 111,
1748), on the AB system up to one common zero point.

Column names. Magnitudes are ``mag_u, mag_g, mag_r, mag_i, mag_z`` (``z`` alone is the
redshift), their 1-sigma errors ``err_u ... err_z``, colours ``u_g, g_r, r_i, i_z``
(differences of the observed magnitudes).

Galaxy SEDs (rest frame, f_lambda), three templates in the spirit of Coleman, Wu &
Weedman (1980, ApJS 43, 393):

- ``elliptical``: a 4000 K Planck continuum (old, cool stars) with a strong 4000 A break
  (flux below 400 nm times 0.45) and a UV deficit below 250 nm;
- ``spiral``: a mix of 5000 K and 9000 K Planck continua with a weaker break (0.7);
- ``starburst``: a blue power law f_lambda ∝ lambda^-1.8 (young massive stars) with a
  barely visible break (0.92).

All have the Lyman break (no flux below 91.2 nm). Redshifting stretches the SED, so the
4000 A break walks from u/g (z ≈ 0) into r (z ≈ 0.5) and i (z ≈ 0.9): colours encode the
redshift, and a blue galaxy at high z can mimic a red one at low z (the colour-redshift
degeneracy that causes catastrophic photo-z outliers).

Apparent magnitudes: ``m = M + DM(z) - 2.5 log10(1+z) + [m_SED(z) - m_SED(0)]`` (the
K-correction, Hogg et al. 2002, astro-ph/0210394), with flat Lambda-CDM distances.
Photometric errors follow sky-limited noise with 5-sigma depths ``DEPTHS``, floor 0.01 mag,
and are capped at ``MAX_ERROR`` (very faint bands are effectively non-detections).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from ._physics import (
    BANDS,
    ab_magnitudes,
    check_fraction,
    check_n,
    distance_modulus,
    magnitude_errors,
    planck_lambda,
)

__all__ = [
    "make_star_galaxy",
    "make_photoz",
    "make_galaxy_morphology",
    "load_digits_data",
    "MAG_COLUMNS",
    "ERR_COLUMNS",
    "COLOUR_COLUMNS",
    "DEPTHS",
    "GALAXY_TEMPLATES",
]

MAG_COLUMNS = tuple(f"mag_{b}" for b in BANDS)
ERR_COLUMNS = tuple(f"err_{b}" for b in BANDS)
COLOUR_COLUMNS = ("u_g", "g_r", "r_i", "i_z")
#: 5-sigma limiting magnitudes of the mock survey.
DEPTHS = {"u": 23.0, "g": 24.5, "r": 24.3, "i": 23.8, "z": 22.8}
#: Largest photometric error reported (mag).
MAX_ERROR = 1.0
GALAXY_TEMPLATES = ("elliptical", "spiral", "starburst")
#: Mixture weights of the templates before the magnitude cut.
TEMPLATE_FRACTIONS = (0.3, 0.45, 0.25)
#: Mean and spread of the absolute r magnitude of each template at z = 0; galaxies
#: brighten by ``LUMINOSITY_EVOLUTION`` mag per unit redshift (passive/star-formation
#: evolution).
ABS_MAG = {"elliptical": (-21.0, 0.8), "spiral": (-20.5, 1.0), "starburst": (-20.0, 1.0)}
LUMINOSITY_EVOLUTION = -1.0

_WAVE = np.linspace(60.0, 2500.0, 3000)  # rest-frame grid, nm
_Z_GRID = np.linspace(0.0, 3.0, 301)


def _smooth_step(lam, edge, width):
    return 1.0 / (1.0 + np.exp(-(lam - edge) / width))


def _template_sed(name, lam=_WAVE):
    """Rest-frame f_lambda (arbitrary units) of a galaxy template on ``lam`` (nm)."""
    if name == "elliptical":
        sed = planck_lambda(lam, 4000.0)
        sed = sed * (0.45 + 0.55 * _smooth_step(lam, 400.0, 4.0))
        sed = sed * (0.3 + 0.7 * _smooth_step(lam, 250.0, 15.0))
    elif name == "spiral":
        cool, hot = planck_lambda(lam, 5000.0), planck_lambda(lam, 9000.0)
        sed = 0.6 * cool / cool.max() + 0.4 * hot / hot.max()
        sed = sed * (0.7 + 0.3 * _smooth_step(lam, 400.0, 4.0))
    elif name == "starburst":
        sed = (lam / 500.0) ** -1.8 * (0.92 + 0.08 * _smooth_step(lam, 400.0, 4.0))
    else:
        raise ValueError(f"unknown template {name!r}; expected one of {GALAXY_TEMPLATES}")
    return sed * _smooth_step(lam, 91.2, 1.0)


def _template_magnitude_table():
    """m_SED(z) - m_SED(0) for each template, band and z on ``_Z_GRID``: (3, n_z, 5)."""
    table = []
    for name in GALAXY_TEMPLATES:
        sed = _template_sed(name)
        # observed f_lambda at lambda_obs is the rest SED at lambda_obs / (1+z)
        shifted = np.array([np.interp(_WAVE, _WAVE * (1.0 + z), sed, left=0.0, right=0.0)
                            for z in _Z_GRID])
        mags = ab_magnitudes(_WAVE, shifted)
        table.append(mags - mags[0, 2])  # relative to the rest-frame r magnitude
    return np.array(table)


_TEMPLATE_MAGS = None


def _template_mags(template_index, z):
    """Template magnitudes relative to rest-frame r: shape (n, 5)."""
    global _TEMPLATE_MAGS
    if _TEMPLATE_MAGS is None:
        _TEMPLATE_MAGS = _template_magnitude_table()
    out = np.empty((len(z), len(BANDS)))
    for k in range(len(GALAXY_TEMPLATES)):
        sel = template_index == k
        for b in range(len(BANDS)):
            out[sel, b] = np.interp(z[sel], _Z_GRID, _TEMPLATE_MAGS[k, :, b])
    return out


def _galaxy_population(rng, n, r_range, z_max=2.5):
    """Draw ``n`` galaxies with true apparent r in ``r_range``, by rejection.

    Returns redshift, template index and true ugriz magnitudes (n, 5).
    """
    zs, types, mags = [], [], []
    kept = 0
    while kept < n:
        m = 4 * n
        # redshifts: volume-like rise, exponential fall (before the magnitude cut)
        z = rng.gamma(shape=3.0, scale=0.3, size=m)
        t = rng.choice(len(GALAXY_TEMPLATES), size=m, p=TEMPLATE_FRACTIONS)
        mean = np.array([ABS_MAG[name][0] for name in GALAXY_TEMPLATES])[t]
        spread = np.array([ABS_MAG[name][1] for name in GALAXY_TEMPLATES])[t]
        abs_r = mean + spread * rng.standard_normal(m) + LUMINOSITY_EVOLUTION * z
        z = np.clip(z, 0.005, z_max)
        rel = _template_mags(t, z)
        app = abs_r[:, None] + distance_modulus(z)[:, None] - 2.5 * np.log10(1.0 + z)[:, None] + rel
        ok = (app[:, 2] >= r_range[0]) & (app[:, 2] < r_range[1]) & (z < z_max)
        zs.append(z[ok]), types.append(t[ok]), mags.append(app[ok])
        kept += int(ok.sum())
    return (np.concatenate(zs)[:n], np.concatenate(types)[:n], np.concatenate(mags)[:n])


def _observe(rng, true_mags):
    """Add sky-limited photometric noise; return observed magnitudes and errors."""
    limits = np.array([DEPTHS[b] for b in BANDS])
    err = np.minimum(magnitude_errors(true_mags, limits), MAX_ERROR)
    return true_mags + err * rng.standard_normal(true_mags.shape), err


def _photometry_frame(mags, errs):
    data = {}
    for k, col in enumerate(MAG_COLUMNS):
        data[col] = mags[:, k]
    for k, col in enumerate(ERR_COLUMNS):
        data[col] = errs[:, k]
    for k, col in enumerate(COLOUR_COLUMNS):
        data[col] = mags[:, k] - mags[:, k + 1]
    return data


def _star_magnitudes(rng, n, r_range):
    """Stars: Planck colours along a stellar locus plus 0.03 mag intrinsic scatter.

    Effective temperatures follow p(T) ∝ T^-2.5 on 3000-12000 K (cool dwarfs dominate
    faint star counts); apparent r from counts dN/dr ∝ 10^(0.15 r) (flatter than galaxy
    counts).
    """
    lam = np.linspace(250.0, 1100.0, 600)
    grid_t = np.linspace(3000.0, 12000.0, 400)
    t_eff = np.interp(rng.uniform(size=n), *_cdf(grid_t, grid_t**-2.5))
    locus = ab_magnitudes(lam, planck_lambda(lam[None, :], grid_t[:, None]))
    locus = locus - locus[:, [2]]  # relative to r
    rel = np.column_stack([np.interp(t_eff, grid_t, locus[:, b]) for b in range(len(BANDS))])
    rel = rel + 0.03 * rng.standard_normal(rel.shape)
    rel[:, 2] = 0.0
    grid_r = np.linspace(*r_range, 200)
    r = np.interp(rng.uniform(size=n), *_cdf(grid_r, 10.0 ** (0.15 * grid_r)))
    return r[:, None] + rel, t_eff


def _cdf(grid, density):
    steps = 0.5 * (density[1:] + density[:-1]) * np.diff(grid)
    cdf = np.concatenate([[0.0], np.cumsum(steps)])
    return cdf / cdf[-1], grid


def make_star_galaxy(n=2000, seed=0, *, galaxy_fraction=0.5, r_range=(15.0, 23.0)):
    """Point sources and galaxies with ugriz photometry and a morphological concentration.

    Stars have Planck colours (a stellar locus); galaxies are redshifted templates (see
    the module docstring). The concentration ``psf_minus_model`` is the PSF magnitude
    minus the model (extended-profile) magnitude, as in the SDSS star-galaxy separator
    (Lupton et al. 2001, ASP Conf. 238, 269; separation at 0.145 mag). It is 0 for a
    point source; for galaxies it is log-normal with a median of 0.6 mag at r = 19,
    falling by a factor e^0.25 per magnitude (faint galaxies are small, close to the PSF).
    Its measurement noise is ``0.02 + 2 err_r``, so the classes blur at faint magnitudes.

    Parameters
    ----------
    n : int, default=2000
    seed : int, default=0
    galaxy_fraction : float, default=0.5
        Fraction of galaxies, strictly between 0 and 1 (e.g. 0.9 for an imbalanced set).
    r_range : (float, float), default=(15, 23)
        Range of true r magnitudes.

    Returns
    -------
    DataFrame with float64 columns ``mag_u..mag_z`` (mag), ``err_u..err_z`` (mag),
    ``u_g, g_r, r_i, i_z`` (mag), ``psf_minus_model`` (mag), and int64 ``is_galaxy``
    (1 galaxy, 0 star). Rows are shuffled.
    """
    n = check_n(n)
    galaxy_fraction = check_fraction(galaxy_fraction, "galaxy_fraction")
    rng = np.random.default_rng(seed)
    n_gal = int(round(galaxy_fraction * n))
    n_gal = min(max(n_gal, 1 if n > 1 else 0), n - 1 if n > 1 else n)
    n_star = n - n_gal

    _, _, gal_mags = _galaxy_population(rng, n_gal, r_range)
    star_mags, _ = _star_magnitudes(rng, n_star, r_range)
    true_mags = np.vstack([gal_mags, star_mags])
    is_galaxy = np.concatenate([np.ones(n_gal, dtype=np.int64), np.zeros(n_star, dtype=np.int64)])

    mags, errs = _observe(rng, true_mags)
    r_true = true_mags[:, 2]
    extent = 0.6 * np.exp(-0.25 * (r_true - 19.0) + 0.5 * rng.standard_normal(n))
    concentration = np.where(is_galaxy == 1, extent, 0.0)
    concentration = concentration + (0.02 + 2.0 * errs[:, 2]) * rng.standard_normal(n)

    data = _photometry_frame(mags, errs)
    data["psf_minus_model"] = concentration
    order = rng.permutation(n)
    frame = pd.DataFrame({k: np.asarray(v, dtype=np.float64)[order] for k, v in data.items()})
    frame["is_galaxy"] = is_galaxy[order]
    return frame


def make_photoz(n=2000, seed=0, *, r_limit=23.5):
    """A magnitude-limited galaxy catalogue with true redshifts, for photometric redshifts.

    Redshifts are drawn from a Gamma(3, 0.3) distribution (volume rises, then luminosity
    limits bite), templates from ``TEMPLATE_FRACTIONS``, absolute magnitudes from
    ``ABS_MAG`` with evolution; only galaxies with true r below ``r_limit`` are kept
    (so the redshift distribution is that of a flux-limited survey, 0 to about 2).

    Parameters
    ----------
    n : int, default=2000
    seed : int, default=0
    r_limit : float, default=23.5
        Magnitude limit in r.

    Returns
    -------
    DataFrame with float64 columns ``z`` (true redshift), ``mag_u..mag_z``,
    ``err_u..err_z``, ``u_g, g_r, r_i, i_z`` (mag), and ``template`` (str: elliptical,
    spiral or starburst; for analysis, not a feature).
    """
    n = check_n(n)
    rng = np.random.default_rng(seed)
    z, t, true_mags = _galaxy_population(rng, n, (-np.inf, float(r_limit)))
    mags, errs = _observe(rng, true_mags)
    data = {"z": z}
    data.update(_photometry_frame(mags, errs))
    frame = pd.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in data.items()})
    frame["template"] = np.asarray(GALAXY_TEMPLATES, dtype=object)[t]
    return frame


def _sersic_concentration(n_sersic):
    """R90/R50 of a Sersic profile: the enclosed-light fraction is P(2n, b r^(1/n)), so
    R_f ∝ gammaincinv(2n, f)^n (Graham & Driver 2005, PASA 22, 118)."""
    return (gammaincinv(2 * n_sersic, 0.9) / gammaincinv(2 * n_sersic, 0.5)) ** n_sersic


def make_galaxy_morphology(n=1000, seed=0, *, spiral_fraction=0.6):
    """Tabular features of elliptical and spiral galaxies.

    - Sersic index: log-normal around 3.6 (near de Vaucouleurs' 4) for ellipticals and 1.4
      (exponential discs plus bulges; early-type spirals overlap) for spirals (Blanton et al. 2003, ApJ 594, 186).
    - ``concentration`` R90/R50 follows from the Sersic index (see
      ``_sersic_concentration``), lowered by seeing and with 8 % measurement scatter;
      the classic separator is C ≈ 2.6 (Strateva et al. 2001, AJ 122, 1861).
    - Colours: red sequence ``g_r`` ≈ 0.77 ± 0.05 and blue cloud ≈ 0.50 ± 0.12 (Strateva
      et al. 2001 use u-r = 2.22 to split them); 15 % of spirals are red (dusty or
      quenched) and inclined discs are reddened by dust.
    - Ellipticity 1 - b/a: discs are thin (intrinsic axis ratio 0.2) seen at random
      inclinations, b/a = sqrt(cos^2 i (1 - q0^2) + q0^2); ellipticals are mildly
      triaxial (b/a ~ 0.75 ± 0.15).
    - ``asymmetry`` (Conselice 2003, ApJS 147, 1): ≈ 0.04 for ellipticals, ≈ 0.10 for
      spirals (spiral arms, star-forming clumps), log-normal with 0.6 scatter.
    - ``abs_mag_r``: ellipticals are brighter on average.

    Parameters
    ----------
    n : int, default=1000
    seed : int, default=0
    spiral_fraction : float, default=0.6

    Returns
    -------
    DataFrame with float64 columns ``g_r``, ``u_r`` (mag), ``concentration``, ``sersic_n``,
    ``ellipticity``, ``asymmetry``, ``abs_mag_r`` (mag) and int64 ``is_spiral``.
    """
    n = check_n(n)
    spiral_fraction = check_fraction(spiral_fraction, "spiral_fraction")
    rng = np.random.default_rng(seed)
    is_spiral = (rng.uniform(size=n) < spiral_fraction).astype(np.int64)
    s = is_spiral == 1

    sersic = np.where(s, 1.4 * np.exp(0.45 * rng.standard_normal(n)),
                      3.6 * np.exp(0.35 * rng.standard_normal(n)))
    sersic = np.clip(sersic, 0.5, 8.0)
    concentration = 0.85 * _sersic_concentration(sersic) * np.exp(0.08 * rng.standard_normal(n))

    cos_i = rng.uniform(size=n)
    q_disc = np.sqrt(cos_i**2 * (1 - 0.2**2) + 0.2**2)
    q_ell = np.clip(0.75 + 0.15 * rng.standard_normal(n), 0.3, 1.0)
    ellipticity = 1.0 - np.where(s, q_disc, q_ell)

    red_spiral = s & (rng.uniform(size=n) < 0.15)
    g_r = np.where(s, 0.50 + 0.12 * rng.standard_normal(n), 0.77 + 0.05 * rng.standard_normal(n))
    g_r = np.where(red_spiral, 0.74 + 0.06 * rng.standard_normal(n), g_r)
    g_r = g_r + np.where(s, 0.15 * (1.0 - cos_i), 0.0)  # dust reddening of inclined discs
    u_r = 1.5 + 1.35 * g_r + 0.12 * rng.standard_normal(n)

    asymmetry = np.where(s, 0.10, 0.04) * np.exp(0.6 * rng.standard_normal(n))
    abs_mag_r = np.where(s, -20.6 + 0.9 * rng.standard_normal(n), -21.3 + 0.8 * rng.standard_normal(n))

    frame = pd.DataFrame({
        "g_r": g_r, "u_r": u_r, "concentration": concentration, "sersic_n": sersic,
        "ellipticity": ellipticity, "asymmetry": asymmetry, "abs_mag_r": abs_mag_r,
    }).astype(np.float64)
    frame["is_spiral"] = is_spiral
    return frame


def load_digits_data():
    """scikit-learn's bundled 8x8 handwritten digits (no download).

    Returns
    -------
    X : ndarray of shape (1797, 64), float64, pixel values 0-16
    y : ndarray of shape (1797,), int64, digit 0-9
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64)
