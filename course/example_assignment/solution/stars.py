"""Warm-up: magnitudes, colours and a nearest-centroid classifier."""
import numpy as np


def flux_from_magnitude(m, zero_point=0.0):
    """Flux from an apparent magnitude: ``F = 10 ** (-0.4 (m - zero_point))``."""
    ### BEGIN SOLUTION
    return 10.0 ** (-0.4 * (np.asarray(m, dtype=float) - zero_point))
    ### END SOLUTION


def colour(mag_blue, mag_red):
    """Colour index, e.g. ``g - r``: blue magnitude minus red magnitude."""
    ### BEGIN SOLUTION
    return np.asarray(mag_blue, dtype=float) - np.asarray(mag_red, dtype=float)
    ### END SOLUTION


class NearestCentroid:
    """Assign each sample to the class whose training mean is closest (Euclidean)."""

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        ### BEGIN SOLUTION
        self.classes_ = np.unique(y)
        self.centroids_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        ### END SOLUTION
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        ### BEGIN SOLUTION
        d2 = ((X[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return self.classes_[np.argmin(d2, axis=1)]
        ### END SOLUTION
