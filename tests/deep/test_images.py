"""Image generators: determinism, shapes, and the physics the labels stand for."""
from __future__ import annotations

import numpy as np
import pytest

from reference.datasets.images import (BOGUS_KINDS, gaussian_psf, make_galaxy_stamps, make_real_bogus_stamps,
                                       sersic_bn, sersic_image)


def test_sersic_bn_gives_half_light_radius():
    # integrate a circular Sersic profile: half of the light must lie inside r_e
    r = np.linspace(0, 400, 400001)
    for n in (0.5, 1.0, 4.0):
        prof = np.exp(-sersic_bn(n) * ((r / 1.0) ** (1 / n) - 1))
        cum = np.cumsum(prof * r)
        assert cum[np.searchsorted(r, 1.0)] / cum[-1] == pytest.approx(0.5, abs=0.01)


def test_psf_normalised_and_fwhm():
    k = gaussian_psf(4.0, size=41)
    assert k.sum() == pytest.approx(1.0)
    row = k[20] / k[20, 20]
    assert np.sum(row >= 0.5) in (3, 4, 5)


@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_galaxy_stamps_shape_dtype_balance_determinism(n_classes):
    X, y = make_galaxy_stamps(40, size=24, n_classes=n_classes, random_state=3)
    X2, y2 = make_galaxy_stamps(40, size=24, n_classes=n_classes, random_state=3)
    X3, _ = make_galaxy_stamps(40, size=24, n_classes=n_classes, random_state=4)
    assert X.shape == (40, 24, 24) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, X3)
    assert np.bincount(y, minlength=n_classes).min() >= 40 // n_classes


def _concentration(img, r_in=2.5, r_out=8.0):
    c = (img.shape[0] - 1) / 2
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    r = np.hypot(xx - c, yy - c)
    return img[r < r_in].sum() / img[r < r_out].sum()


def test_spheroids_are_more_concentrated_than_discs():
    X, y, params = make_galaxy_stamps(200, size=32, noise=0.0, psf_fwhm=1.5, random_state=0, return_params=True)
    conc = np.array([_concentration(img) for img in X])
    assert np.median(conc[y == 1]) > 1.2 * np.median(conc[y == 0])
    assert np.all(params["n"][y == 1] >= 3) and np.all(params["n"][y == 0] <= 1.3)
    assert np.all(X.max(axis=(1, 2)) == pytest.approx(params["peak"], rel=1e-5))


def test_noise_level():
    X, _ = make_galaxy_stamps(50, size=32, noise=0.2, random_state=1)
    corner = X[:, :4, :4]
    assert corner.std() == pytest.approx(0.2, rel=0.15)


def test_real_bogus_kinds_and_physics():
    X, y, kinds = make_real_bogus_stamps(400, size=21, random_state=0, return_kinds=True)
    assert X.shape == (400, 21, 21) and X.dtype == np.float32
    np.testing.assert_array_equal(y, (kinds == 0).astype(int))
    assert set(np.unique(kinds)) == set(range(len(BOGUS_KINDS)))
    centre = X[:, 6:15, 6:15]
    # real sources carry positive flux; dipoles have both a strong positive and a strong negative lobe
    assert np.all(centre[kinds == 0].sum(axis=(1, 2)) > 0)
    dip = centre[kinds == 1]
    two_lobes = (dip.max(axis=(1, 2)) > 3) & (dip.min(axis=(1, 2)) < -3)
    assert two_lobes.mean() > 0.9
    assert np.mean(centre[kinds == 0].min(axis=(1, 2)) < -3) < 0.5 * two_lobes.mean()
    # cosmic rays are sharper than the PSF: the brightest pixel dominates its neighbours
    cr = X[kinds == 2]
    real = X[kinds == 0]
    sharp = lambda s: np.median(s.max(axis=(1, 2)) / np.sort(s.reshape(len(s), -1), axis=1)[:, -9:].mean(axis=1))  # noqa: E731
    assert sharp(cr) > sharp(real)
    # a bad column: one column's mean departs from the rest along the whole stamp
    bc = X[kinds == 3]
    col_means = np.abs(bc.mean(axis=1))
    assert np.all(col_means.max(axis=1) > 5 * np.median(col_means, axis=1))


def test_bad_arguments():
    with pytest.raises(ValueError):
        make_galaxy_stamps(10, n_classes=5)
    with pytest.raises(ValueError):
        make_galaxy_stamps(0)
    with pytest.raises(ValueError):
        make_real_bogus_stamps(10, real_fraction=1.0)
    with pytest.raises(ValueError):
        make_real_bogus_stamps(10, snr=(5, 1))


def test_sersic_image_peak_and_symmetry():
    img = sersic_image(33, 1.0, 5.0)
    assert np.unravel_index(img.argmax(), img.shape) == (16, 16)
    np.testing.assert_allclose(img, img.T)
