"""Photometric catalogues: star-galaxy, photo-z, morphology, digits."""
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reference.datasets import (
    load_digits_data,
    make_galaxy_morphology,
    make_photoz,
    make_star_galaxy,
)
from reference.datasets.catalogs import COLOUR_COLUMNS, ERR_COLUMNS, MAG_COLUMNS, MAX_ERROR


@pytest.fixture(scope="module")
def star_galaxy():
    return make_star_galaxy(3000, seed=2)


@pytest.fixture(scope="module")
def photoz():
    return make_photoz(3000, seed=4)


def _logistic_accuracy(frame, label, columns, n_train):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(frame[columns][:n_train], frame[label][:n_train])
    return model.score(frame[columns][n_train:], frame[label][n_train:])


# --- star-galaxy -------------------------------------------------------------------

def test_star_galaxy_columns_dtypes_no_nan(star_galaxy):
    expected = [*MAG_COLUMNS, *ERR_COLUMNS, *COLOUR_COLUMNS, "psf_minus_model", "is_galaxy"]
    assert list(star_galaxy.columns) == expected
    assert star_galaxy.shape == (3000, len(expected))
    assert star_galaxy.is_galaxy.dtype == np.int64
    assert set(star_galaxy.is_galaxy.unique()) == {0, 1}
    assert (star_galaxy.drop(columns="is_galaxy").dtypes == np.float64).all()
    assert np.isfinite(star_galaxy.drop(columns="is_galaxy").to_numpy()).all()
    np.testing.assert_allclose(star_galaxy.g_r, star_galaxy.mag_g - star_galaxy.mag_r)


def test_star_galaxy_fraction_and_imbalance():
    assert make_star_galaxy(1000, seed=0).is_galaxy.mean() == pytest.approx(0.5, abs=1e-9)
    assert make_star_galaxy(1000, seed=0, galaxy_fraction=0.9).is_galaxy.mean() == pytest.approx(0.9)
    with pytest.raises(ValueError, match="galaxy_fraction"):
        make_star_galaxy(100, galaxy_fraction=1.0)


def test_errors_grow_toward_faint_magnitudes(star_galaxy):
    bright = star_galaxy.mag_r < 19
    faint = star_galaxy.mag_r > 22
    assert star_galaxy.err_r[faint].median() > 3 * star_galaxy.err_r[bright].median()
    rho = star_galaxy[["mag_r", "err_r"]].corr(method="spearman").iloc[0, 1]
    assert rho > 0.9
    assert star_galaxy[list(ERR_COLUMNS)].to_numpy().max() <= MAX_ERROR


def test_concentration_separates_classes_and_blurs_when_faint(star_galaxy):
    stars = star_galaxy[star_galaxy.is_galaxy == 0]
    assert abs(stars.psf_minus_model.median()) < 0.02
    galaxies = star_galaxy[star_galaxy.is_galaxy == 1]
    assert galaxies.psf_minus_model.median() > 0.2

    def threshold_accuracy(sel):
        sub = star_galaxy[sel]
        return np.mean((sub.psf_minus_model > 0.145).astype(int) == sub.is_galaxy)

    bright = threshold_accuracy(star_galaxy.mag_r < 20)
    faint = threshold_accuracy(star_galaxy.mag_r > 22)
    assert bright > 0.97
    assert faint < bright - 0.05


def test_star_galaxy_logistic_beats_threshold(star_galaxy):
    acc = _logistic_accuracy(star_galaxy, "is_galaxy", list(COLOUR_COLUMNS) + ["psf_minus_model", "mag_r"], 2000)
    assert acc > 0.93
    colour_only = _logistic_accuracy(star_galaxy, "is_galaxy", list(COLOUR_COLUMNS), 2000)
    assert 0.6 < colour_only < acc


# --- photometric redshifts ---------------------------------------------------------

def test_photoz_columns_and_redshift_range(photoz):
    expected = ["z", *MAG_COLUMNS, *ERR_COLUMNS, *COLOUR_COLUMNS, "template"]
    assert list(photoz.columns) == expected
    assert photoz.drop(columns="template").dtypes.eq(np.float64).all()
    assert np.isfinite(photoz.drop(columns="template").to_numpy()).all()
    assert 0.0 < photoz.z.min() and photoz.z.max() < 2.5
    assert 0.4 < photoz.z.median() < 1.0
    assert set(photoz.template) == {"elliptical", "spiral", "starburst"}
    assert photoz.mag_r.max() < 23.5 + 5 * photoz.err_r.max()


def test_photoz_fainter_and_redder_break_with_redshift(photoz):
    low, high = photoz[photoz.z < 0.3], photoz[(photoz.z > 0.7) & (photoz.z < 1.0)]
    assert high.mag_r.median() > low.mag_r.median() + 1.5
    # the 4000 A break moves from g-r into r-i near z ~ 0.7
    ell = photoz[photoz.template == "elliptical"]
    r_i_low = ell[ell.z < 0.3].r_i.median()
    r_i_high = ell[(ell.z > 0.6) & (ell.z < 1.0)].r_i.median()
    assert r_i_high > r_i_low + 0.3


def test_photoz_learnable_with_catastrophic_outliers(photoz):
    from sklearn.neighbors import KNeighborsRegressor

    cols = list(COLOUR_COLUMNS) + ["mag_r"]
    model = make_pipeline(StandardScaler(), KNeighborsRegressor(10)).fit(photoz[cols][:2200], photoz.z[:2200])
    z_true = photoz.z[2200:].to_numpy()
    dz = (model.predict(photoz[cols][2200:]) - z_true) / (1 + z_true)
    nmad = 1.4826 * np.median(np.abs(dz - np.median(dz)))
    outliers = np.mean(np.abs(dz) > 0.15)
    assert nmad < 0.08
    assert 0.005 < outliers < 0.25  # colour-redshift degeneracies exist, but are a minority


# --- morphology --------------------------------------------------------------------

def test_morphology_columns_and_separation():
    df = make_galaxy_morphology(1500, seed=6)
    assert list(df.columns) == ["g_r", "u_r", "concentration", "sersic_n", "ellipticity",
                                "asymmetry", "abs_mag_r", "is_spiral"]
    assert df.is_spiral.dtype == np.int64 and 0.5 < df.is_spiral.mean() < 0.7
    assert np.isfinite(df.to_numpy()).all()
    assert df.ellipticity.between(0, 1).all()
    spiral, elliptical = df[df.is_spiral == 1], df[df.is_spiral == 0]
    assert spiral.g_r.median() < elliptical.g_r.median() - 0.1
    assert spiral.concentration.median() < 2.6 < elliptical.concentration.median()
    # classic concentration cut (Strateva et al. 2001) works, all features work better
    cut = np.mean((df.concentration < 2.6).astype(int) == df.is_spiral)
    assert cut > 0.75
    acc = _logistic_accuracy(df, "is_spiral", list(df.columns[:-1]), 1000)
    assert cut < acc < 0.999  # separable, but not trivially


def test_digits_wrapper():
    X, y = load_digits_data()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10)) and X.max() == 16


@pytest.mark.parametrize("maker", [make_star_galaxy, make_photoz, make_galaxy_morphology])
def test_catalogues_deterministic(maker):
    a = maker(300, seed=9)
    pd.testing.assert_frame_equal(a, maker(300, seed=9))
    b = maker(300, seed=10)
    num = a.select_dtypes("float64").columns
    assert not np.allclose(a[num].to_numpy(), b[num].to_numpy())


@pytest.mark.parametrize("maker", [make_star_galaxy, make_photoz, make_galaxy_morphology])
def test_catalogues_reject_bad_n(maker):
    with pytest.raises((ValueError, TypeError), match="n must"):
        maker(0)
