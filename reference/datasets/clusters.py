"""Simulated galaxy clusters with multi-wavelength observables.

In the spirit of The Three Hundred project (Cui et al. 2018, MNRAS 480, 2898): a catalogue
of haloes with true mass ``M500`` and the X-ray, Sunyaev-Zel'dovich (SZ), optical and
dynamical quantities an observer would measure, each following a published scaling
relation with log-normal scatter and physically motivated correlated residuals.

The model
---------
1. ``M500`` (mass inside the radius where the mean density is 500 times the critical
   density, in Msun/h) is drawn from a steep mass function: a power law with an
   exponential cut-off, ``dn/dlnM ∝ (M/M_cut)^(-MASS_FUNCTION_SLOPE) exp(-M/M_cut)``,
   truncated to ``MASS_RANGE``. This mimics the shape of Tinker et al. (2008, ApJ 688,
   709): many groups, few massive clusters.
2. Redshift ``z`` is uniform on ``REDSHIFT_RANGE`` and independent of mass.
3. Each observable O follows a power law in mass and in the expansion rate E(z) (flat
   Lambda-CDM, Omega_m = 0.3),

   .. math:: \\ln O = \\ln A + B \\ln(M_{500}/M_{\\rm piv}) + C \\ln E(z) + \\delta_O,

   with ``A, B, C`` and the total log-normal scatter ``sigma = std(delta_O)`` listed in
   :data:`SCALING_RELATIONS` (``M_piv = M_PIVOT = 3e14 Msun/h``).
4. The residuals ``delta_O`` are correlated through three shared latent factors, each a
   standard normal per cluster (loadings in :data:`RESIDUAL_LOADINGS`):

   * ``dynamical`` - dynamical state (positive = disturbed, merging). Disturbed clusters
     have lower concentration (Neto et al. 2007, MNRAS 381, 1450), larger centre offsets,
     higher velocity dispersion, larger hydrostatic bias (Rasia et al. 2012, New J. Phys.
     14, 055018), and no bright cool core: relaxed cool-core clusters are brighter and,
     core-included, cooler (Pratt et al. 2009, A&A 498, 361).
   * ``gas`` - the halo's gas fraction. More gas means more gas mass, more SZ signal and
     a brighter X-ray emission (L_X ∝ rho_gas^2); see Stanek et al. (2010, ApJ 715, 1508).
   * ``thermal`` - the thermal energy per particle: raises T_X, Y_SZ and the
     hydrostatic mass (M_HSE ∝ T).

   At fixed mass this gives, as documented signs that the tests check,
   ``corr(T_X, M_gas) < 0`` (Kravtsov, Vikhlinin & Nagai 2006, ApJ 650, 128: the reason
   Y_X = M_gas T_X is a low-scatter proxy), ``corr(M_gas, L_X) > 0``,
   ``corr(T_X, L_X) < 0`` (cool cores), ``corr(relaxation, 1-b) < 0``.
5. ``Y_X = M_gas * T_X`` exactly (Kravtsov et al. 2006); its scaling follows from the
   T_X and M_gas relations and is recorded as ``Y_X`` in :data:`SCALING_RELATIONS`.
6. Richness adds Poisson-like noise to its intrinsic scatter: in log space its variance
   is ``sigma_int^2 + 1/<lambda>`` (Rykoff et al. 2012, ApJ 746, 178), so the
   scatter is larger for poor groups.
7. The hydrostatic mass ``M_HSE = (1-b) M500`` with ``1-b`` log-normal around
   ``HSE_BIAS_MEDIAN = 0.8`` (Planck Collaboration 2014, A&A 571, A20; Ansarifard et al.
   2020, A&A 634, A113 for The Three Hundred), scatter ``HSE_BIAS_SCATTER``.

Why the features rank the way they do (a trees assignment checks this): the mass scatter
implied by an observable is ``sigma / B``. Y_SZ has the lowest (about 0.045 in ln M):
the SZ signal counts the total thermal energy and is insensitive to the core. M_gas and
Y_X follow (about 0.1; M_gas needs no E(z) correction), then the hydrostatic mass (about 0.15, hydrostatic bias), T_X and
L_X (about 0.23 and 0.25: cool cores and mergers), richness (about 0.3 or worse:
projection and Poisson noise), velocity dispersion (about 0.45) and concentration, which
barely depends on mass. ``z`` matters only through E(z) and ``relaxation`` only through
the correlated residuals.

Normalisations are rounded values of the cited fits, converted to Msun/h with h = 0.7
where needed; they are chosen for plausible magnitudes, not for precision cosmology.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._physics import check_n, efunc, sample_from_density

__all__ = [
    "make_galaxy_clusters",
    "ScalingRelation",
    "SCALING_RELATIONS",
    "RESIDUAL_LOADINGS",
    "M_PIVOT",
    "MASS_RANGE",
    "REDSHIFT_RANGE",
    "HSE_BIAS_MEDIAN",
    "HSE_BIAS_SCATTER",
    "CLUSTER_COLUMNS",
]

#: Pivot mass of every scaling relation, Msun/h.
M_PIVOT = 3.0e14
#: Range of log10(M500 / (Msun/h)) covered by the mass function.
MASS_RANGE = (13.5, 15.5)
#: Redshift range (uniform).
REDSHIFT_RANGE = (0.0, 1.0)
#: Low-mass slope alpha of dn/dlnM ∝ (M/M_cut)^-alpha exp(-M/M_cut).
MASS_FUNCTION_SLOPE = 0.9
#: Exponential cut-off mass of the mass function, Msun/h.
MASS_FUNCTION_CUTOFF = 8.0e14
#: Median hydrostatic mass bias 1-b = M_HSE / M500.
HSE_BIAS_MEDIAN = 0.8
#: Total log-normal scatter (natural log) of 1-b.
HSE_BIAS_SCATTER = 0.15
#: Typical centre offset (in units of R500) of a cluster of average dynamical state.
CENTRE_OFFSET_MEDIAN = 0.04


#: Loadings (natural-log units) of each residual on the latent factors
#: (dynamical, gas, thermal); the rest of each scatter is independent noise.
RESIDUAL_LOADINGS: dict[str, tuple[float, float, float]] = {
    "T_X": (0.04, -0.03, 0.08),
    "M_gas": (0.0, 0.08, -0.02),
    "Y_SZ": (0.0, 0.05, 0.05),
    "L_X": (-0.15, 0.20, 0.0),
    "richness": (0.0, 0.0, 0.0),
    "sigma_v": (0.06, 0.0, 0.0),
    "concentration": (-0.15, 0.0, 0.0),
    "hse_bias": (-0.08, 0.0, 0.05),
    "relaxation": (0.6, 0.0, 0.0),
}
@dataclass(frozen=True)
class ScalingRelation:
    """``ln O = ln(norm) + slope ln(M500/M_PIVOT) + ez_exponent ln E(z) + N(0, scatter)``.

    Attributes
    ----------
    norm : float
        Median of O at ``M500 = M_PIVOT`` and z = 0, in the column's unit.
    slope : float
        Logarithmic slope B = d ln O / d ln M500.
    ez_exponent : float
        Power of E(z).
    scatter : float
        Total intrinsic log-normal scatter (standard deviation of ln O at fixed M, z).
        For richness it is the intrinsic part; Poisson noise adds ``1/<lambda>``.
    unit : str
    reference : str
    """

    norm: float
    slope: float
    ez_exponent: float
    scatter: float
    unit: str
    reference: str

    def median(self, m500, z):
        """Median observable at mass ``m500`` (Msun/h) and redshift ``z``."""
        m500 = np.asarray(m500, dtype=float)
        return self.norm * (m500 / M_PIVOT) ** self.slope * efunc(z) ** self.ez_exponent


def _yx_scatter():
    """Scatter of ln Y_X = ln M_gas + ln T_X implied by their scatters (0.12, 0.15)
    and the covariance of their shared factors."""
    shared = np.dot(RESIDUAL_LOADINGS["T_X"], RESIDUAL_LOADINGS["M_gas"])
    return float(np.sqrt(0.15**2 + 0.12**2 + 2.0 * shared))


_YX_SCATTER = _yx_scatter()

#: Scaling relations of the observables with mass, keyed by column name.
SCALING_RELATIONS: dict[str, ScalingRelation] = {
    # M500 = 3.02e14 Msun/h (T/5 keV)^1.53 E(z)^-1  ->  T ∝ (M E)^(1/1.53)
    "T_X": ScalingRelation(5.0, 1 / 1.53, 1 / 1.53, 0.15, "keV",
                           "Vikhlinin et al. 2009, ApJ 692, 1033 (M-T_X)"),
    # f_gas ≈ 0.11, weakly rising with mass: M_gas ∝ M^1.12
    "M_gas": ScalingRelation(0.11 * M_PIVOT, 1.12, 0.0, 0.12, "Msun/h",
                             "Vikhlinin et al. 2009, ApJ 692, 1033 (M-M_gas)"),
    # Y_X = M_gas T_X: slopes add; scatter from the residual covariance.
    "Y_X": ScalingRelation(0.11 * M_PIVOT * 5.0, 1.12 + 1 / 1.53, 1 / 1.53, _YX_SCATTER,
                           "Msun/h keV", "Kravtsov et al. 2006, ApJ 650, 128; "
                           "Vikhlinin et al. 2009, ApJ 692, 1033 (M-Y_X)"),
    # E(z)^-2/3 D_A^2 Y_500 = 10^-4.19 (M / 3e14 h70^-1 Msun)^1.78 Mpc^2
    "Y_SZ": ScalingRelation(10**-4.19 * 1e5, 1.78, 2.0 / 3.0, 0.08, "1e-5 Mpc^2",
                            "Arnaud et al. 2010, A&A 517, A92 (Y_SZ-M)"),
    # soft-band (0.1-2.4 keV) luminosity, self-similar E(z)^2 evolution
    "L_X": ScalingRelation(2.5, 1.62, 2.0, 0.40, "1e44 erg/s",
                           "Pratt et al. 2009, A&A 498, 361 (L_X-M)"),
    # ln M = 1.72 + 1.08 ln(lambda/60) (M in 1e14 Msun/h70) inverted; lambda ≈ 48 at M_PIVOT
    "richness": ScalingRelation(48.0, 1 / 1.08, 0.0, 0.20, "galaxies",
                                "Rykoff et al. 2012, ApJ 746, 178 (richness-M)"),
    # sigma_DM = 1083 km/s (h(z) M200 / 1e15 Msun)^0.336, M200 ≈ 1.4 M500
    "sigma_v": ScalingRelation(1083.0 * (1.4 * M_PIVOT / 1e15) ** 0.336, 0.336, 0.336, 0.15,
                               "km/s", "Evrard et al. 2008, ApJ 672, 122 (sigma_v-M)"),
    # c = 5.71 (M / 2e12 Msun/h)^-0.084 (1+z)^-0.47, applied to M500 (z-dependence separate)
    "concentration": ScalingRelation(5.71 * (M_PIVOT / 2e12) ** -0.084, -0.084, 0.0, 0.345,
                                     "dimensionless",
                                     "Duffy et al. 2008, MNRAS 390, L64 (c-M, 0.15 dex)"),
}

#: Power of (1+z) in the Duffy et al. (2008) concentration-mass relation.
CONCENTRATION_Z_EXPONENT = -0.47

#: Independent log-normal scatter of the centre offset around the dynamical factor.
RELAXATION_NOISE = 0.25

#: Columns of :func:`make_galaxy_clusters`, in order.
CLUSTER_COLUMNS = ("M500", "z", "T_X", "M_gas", "Y_X", "Y_SZ", "L_X", "richness",
                   "sigma_v", "concentration", "relaxation", "M_HSE")


def _sample_m500(rng, n):
    """Draw M500 (Msun/h) from dn/dlnM ∝ (M/M_cut)^-alpha exp(-M/M_cut) on MASS_RANGE."""
    ln_m = np.linspace(*MASS_RANGE, 4001) * np.log(10.0)
    x = np.exp(ln_m) / MASS_FUNCTION_CUTOFF
    density = x ** (-MASS_FUNCTION_SLOPE) * np.exp(-x)
    return np.exp(sample_from_density(rng, ln_m, density, n))


def make_galaxy_clusters(n=1000, seed=0, *, hse_bias=True):
    """Simulated galaxy clusters: true mass and correlated multi-wavelength observables.

    See the module docstring for the physics and :data:`SCALING_RELATIONS` /
    :data:`RESIDUAL_LOADINGS` for every number used.

    Parameters
    ----------
    n : int, default=1000
        Number of clusters.
    seed : int, default=0
        Seed of ``np.random.default_rng``; the same seed gives the same catalogue.
    hse_bias : bool, default=True
        If True, hydrostatic masses are biased low with median ``1-b = 0.8``; if False
        they scatter around the true mass (``1-b`` median 1) with the same scatter.

    Returns
    -------
    clusters : pandas.DataFrame of shape (n, 12), all float64 columns

        - ``M500``: true mass within R500, Msun/h (about 10^13.5 to 10^15.5)
        - ``z``: redshift
        - ``T_X``: spectroscopic X-ray temperature, keV
        - ``M_gas``: gas mass within R500, Msun/h
        - ``Y_X``: M_gas * T_X, Msun/h keV
        - ``Y_SZ``: integrated SZ signal D_A^2 Y_500, 1e-5 Mpc^2
        - ``L_X``: soft-band (0.1-2.4 keV) X-ray luminosity, 1e44 erg/s
        - ``richness``: optical richness lambda (number of red-sequence members), > 0
        - ``sigma_v``: line-of-sight galaxy velocity dispersion, km/s
        - ``concentration``: NFW concentration
        - ``relaxation``: centre offset between X-ray peak and centre of mass, in
          units of R500; large values mean a disturbed (merging) cluster
        - ``M_HSE``: hydrostatic mass estimate, Msun/h

    Examples
    --------
    >>> df = make_galaxy_clusters(500, seed=1)
    >>> float((df.M_HSE / df.M500).median())  # doctest: +SKIP
    0.80...
    """
    n = check_n(n)
    rng = np.random.default_rng(seed)

    m500 = _sample_m500(rng, n)
    z = rng.uniform(*REDSHIFT_RANGE, size=n)
    factors = rng.standard_normal((n, 3))  # dynamical, gas, thermal

    def residual(name, scatter):
        loadings = np.asarray(RESIDUAL_LOADINGS[name])
        independent = np.sqrt(scatter**2 - np.sum(loadings**2))
        return factors @ loadings + independent * rng.standard_normal(n)

    out = {"M500": m500, "z": z}
    for name in ("T_X", "M_gas", "Y_SZ", "L_X", "sigma_v", "concentration"):
        rel = SCALING_RELATIONS[name]
        out[name] = rel.median(m500, z) * np.exp(residual(name, rel.scatter))
    out["concentration"] *= (1.0 + z) ** CONCENTRATION_Z_EXPONENT
    out["Y_X"] = out["M_gas"] * out["T_X"]

    rel = SCALING_RELATIONS["richness"]
    mean_richness = rel.median(m500, z)
    richness_scatter = np.sqrt(rel.scatter**2 + 1.0 / mean_richness)
    out["richness"] = mean_richness * np.exp(richness_scatter * rng.standard_normal(n))

    dyn_loading = RESIDUAL_LOADINGS["relaxation"][0]
    out["relaxation"] = CENTRE_OFFSET_MEDIAN * np.exp(
        dyn_loading * factors[:, 0] + RELAXATION_NOISE * rng.standard_normal(n))

    median_bias = HSE_BIAS_MEDIAN if hse_bias else 1.0
    out["M_HSE"] = m500 * median_bias * np.exp(residual("hse_bias", HSE_BIAS_SCATTER))

    return pd.DataFrame({col: np.asarray(out[col], dtype=np.float64) for col in CLUSTER_COLUMNS})
