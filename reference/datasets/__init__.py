"""Deterministic, physically motivated astronomy data sets for the course.

Every generator takes ``seed`` (passed to ``np.random.default_rng``) and returns the same
data for the same seed; nothing is downloaded. See each module for the physics and the
literature it follows.

- :func:`make_galaxy_clusters` - cluster masses and X-ray/SZ/optical observables
"""
from .clusters import make_galaxy_clusters

__all__ = ["make_galaxy_clusters"]
