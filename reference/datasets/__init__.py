"""Deterministic, physically motivated astronomy data sets for the course.

Every generator takes ``seed`` (passed to ``np.random.default_rng``) and returns the same
data for the same seed; nothing is downloaded. See each module for the physics and the
literature it follows.

- :func:`make_galaxy_clusters` - cluster masses and X-ray/SZ/optical observables
- :func:`make_star_galaxy` - ugriz photometry and concentration of stars and galaxies
- :func:`make_photoz` - magnitude-limited galaxy catalogue with true redshifts
- :func:`make_galaxy_morphology` - elliptical-vs-spiral tabular features
- :func:`make_stellar_spectra` - Planck continua with temperature-dependent lines
- :func:`make_galaxy_colours` - the red sequence and the blue cloud of nearby galaxies
- :func:`make_light_curves` / :func:`light_curve_features` - variable stars and their
  Lomb-Scargle period and shape features
- :func:`load_digits_data` - scikit-learn's bundled handwritten digits
"""
from .catalogs import load_digits_data, make_galaxy_morphology, make_photoz, make_star_galaxy
from .clusters import make_galaxy_clusters
from .galaxy_colours import make_galaxy_colours
from .lightcurves import light_curve_features, make_light_curves
from .spectra import make_stellar_spectra

__all__ = [
    "make_galaxy_clusters",
    "make_star_galaxy",
    "make_photoz",
    "make_galaxy_morphology",
    "make_stellar_spectra",
    "make_galaxy_colours",
    "make_light_curves",
    "light_curve_features",
    "load_digits_data",
]
