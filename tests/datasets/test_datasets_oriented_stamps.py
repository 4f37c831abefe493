"""make_oriented_galaxy_stamps: deterministic, balanced, and oriented as asked."""
import numpy as np
import pytest

from reference.datasets.oriented_stamps import make_oriented_galaxy_stamps


def _major_axis_angles(X):
    """Position angle of each stamp from its (positive-flux) second moments."""
    size = X.shape[-1]
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    w = np.clip(X, 0, None)
    w = w / w.sum(axis=(1, 2), keepdims=True)
    mx, my = (w * xx).sum(axis=(1, 2)), (w * yy).sum(axis=(1, 2))
    dx, dy = xx - mx[:, None, None], yy - my[:, None, None]
    qxx, qyy, qxy = (w * dx**2).sum(axis=(1, 2)), (w * dy**2).sum(axis=(1, 2)), (w * dx * dy).sum(axis=(1, 2))
    return 0.5 * np.arctan2(2 * qxy, qxx - qyy), qxx / qyy


def test_deterministic_balanced_float32():
    X, y = make_oriented_galaxy_stamps(40, random_state=3)
    X2, y2 = make_oriented_galaxy_stamps(40, random_state=3)
    assert X.dtype == np.float32 and X.shape == (40, 20, 20) and np.array_equal(X, X2) and np.array_equal(y, y2)
    assert np.bincount(y).tolist() == [20, 20]
    assert not np.array_equal(X, make_oriented_galaxy_stamps(40, random_state=4)[0])


def test_aligned_stamps_lie_along_x_and_free_ones_do_not():
    X, y = make_oriented_galaxy_stamps(200, position_angle=0.0, noise=0.0, random_state=0)
    angle, elong = _major_axis_angles(X)
    discs = y == 0
    # discs (q <= 0.5) are clearly elongated along x: moments ratio > 1.5, angle within 0.6 rad
    assert np.all(elong[discs] > 1.5) and np.all(np.abs(angle[discs]) < 0.6)
    Xf, yf = make_oriented_galaxy_stamps(200, position_angle=None, noise=0.0, random_state=0)
    angle_f, _ = _major_axis_angles(Xf)
    assert np.mean(np.abs(angle_f[yf == 0]) > 0.6) > 0.4


def test_discs_are_less_concentrated_than_spheroids():
    X, y = make_oriented_galaxy_stamps(200, noise=0.0, random_state=1)
    centre = X[:, 8:12, 8:12].sum(axis=(1, 2)) / X.sum(axis=(1, 2))
    assert np.median(centre[y == 1]) > np.median(centre[y == 0])


@pytest.mark.parametrize("kw", [dict(n_samples=0), dict(size=6), dict(psf_fwhm=0.0), dict(noise=-1.0)])
def test_bad_input(kw):
    args = {"n_samples": 10, **kw}
    with pytest.raises(ValueError):
        make_oriented_galaxy_stamps(**args)
