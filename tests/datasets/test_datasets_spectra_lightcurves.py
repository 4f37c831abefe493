"""Stellar spectra and variable-star light curves."""
import numpy as np
import pandas as pd
import pytest

from reference.datasets import light_curve_features, make_light_curves, make_stellar_spectra
from reference.datasets.lightcurves import CLASSES, FEATURE_COLUMNS, lomb_scargle
from reference.datasets.spectra import WAVELENGTH_RANGE, spectral_type


@pytest.fixture(scope="module")
def spectra():
    return make_stellar_spectra(400, seed=1, n_wavelengths=150)


@pytest.fixture(scope="module")
def light_curves():
    # one season keeps the periodogram grid (and the test) small
    curves, labels = make_light_curves(48, seed=2, n_obs=80, n_seasons=1)
    return curves, labels, light_curve_features(curves)


def test_spectra_shapes_dtypes(spectra):
    wavelength, flux, params = spectra
    assert wavelength.shape == (150,) and flux.shape == (400, 150)
    assert wavelength[0] == WAVELENGTH_RANGE[0] and wavelength[-1] == WAVELENGTH_RANGE[1]
    assert flux.dtype == np.float64 and np.isfinite(flux).all()
    assert list(params.columns) == ["T_eff", "logg", "feh", "snr", "spectral_type"]
    assert params[["T_eff", "logg", "feh", "snr"]].dtypes.eq(np.float64).all()
    assert params.T_eff.between(3200, 20000).all()
    # continuum normalised to mean 1; absorption lines only remove flux
    assert np.all((flux.mean(axis=1) > 0.75) & (flux.mean(axis=1) < 1.03))


def test_spectral_type_sequence():
    assert list(spectral_type([35000, 15000, 8000, 6500, 5500, 4500, 3000])) == list("OBAFGKM")


def test_continuum_follows_wien(spectra):
    """Hotter stars are bluer: blue/red flux ratio rises monotonically with T_eff."""
    wavelength, flux, params = spectra
    blue = flux[:, (wavelength > 440) & (wavelength < 480)].mean(axis=1)
    red = flux[:, (wavelength > 780) & (wavelength < 840)].mean(axis=1)
    rho = pd.Series(blue / red).corr(params.T_eff, method="spearman")
    assert rho > 0.95


def test_balmer_lines_peak_in_a_stars_and_metals_in_cool_stars(spectra):
    wavelength, flux, params = spectra

    def depth(centre, side=12.0):
        core = flux[:, np.argmin(np.abs(wavelength - centre))]
        cont = 0.5 * (flux[:, np.argmin(np.abs(wavelength - centre + side))]
                      + flux[:, np.argmin(np.abs(wavelength - centre - side))])
        return 1.0 - core / cont

    t = params.T_eff.to_numpy()
    h_alpha = depth(656.3)
    a_stars, cool, hot = (t > 8000) & (t < 11000), t < 5000, t > 16000
    assert h_alpha[a_stars].mean() > h_alpha[cool].mean() + 0.2
    assert h_alpha[a_stars].mean() > h_alpha[hot].mean() + 0.1
    na_d = depth(589.3, side=15.0)
    assert na_d[cool].mean() > na_d[t > 8000].mean() + 0.2


def test_temperature_learnable_from_spectra(spectra):
    from sklearn.linear_model import Ridge

    _, flux, params = spectra
    y = np.log10(params.T_eff.to_numpy())
    model = Ridge(alpha=1e-2).fit(flux[:300], y[:300])
    rmse = np.sqrt(np.mean((model.predict(flux[300:]) - y[300:]) ** 2))
    assert rmse < 0.15 * y.std()  # well below the ~0.23 dex spread of log T_eff


def test_spectra_deterministic_and_validated():
    a = make_stellar_spectra(20, seed=3, n_wavelengths=50)
    b = make_stellar_spectra(20, seed=3, n_wavelengths=50)
    np.testing.assert_array_equal(a[1], b[1])
    pd.testing.assert_frame_equal(a[2], b[2])
    assert not np.allclose(a[1], make_stellar_spectra(20, seed=4, n_wavelengths=50)[1])
    with pytest.raises(ValueError, match="n_wavelengths"):
        make_stellar_spectra(5, n_wavelengths=3)


def test_light_curve_format(light_curves):
    curves, labels, _ = light_curves
    assert list(curves.columns) == ["id", "t", "mag", "mag_err"]
    assert curves.id.dtype == np.int64 and len(curves) == 48 * 80
    assert curves[["t", "mag", "mag_err"]].dtypes.eq(np.float64).all()
    assert np.isfinite(curves[["t", "mag", "mag_err"]].to_numpy()).all()
    assert (curves.mag_err > 0).all()
    assert curves.groupby("id").t.apply(lambda t: t.is_monotonic_increasing).all()
    assert set(labels.label) == set(CLASSES)
    assert list(labels.columns) == ["label", "period", "amplitude", "mean_mag"]


def test_seasonal_gaps_and_faint_stars_noisier(light_curves):
    curves, labels, _ = light_curves
    t = np.sort(make_light_curves(1, seed=0, n_obs=60, n_seasons=3)[0].t.to_numpy())
    gaps = np.diff(t)
    assert np.sum(gaps > 150) == 2  # the target is behind the Sun part of each year
    err = curves.groupby("id").mag_err.median()
    rho = pd.Series(err).corr(labels.mean_mag, method="spearman")
    assert rho > 0.9


def test_lomb_scargle_matches_scipy_and_finds_period():
    from scipy.signal import lombscargle

    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 300, 90))
    y = np.sin(2 * np.pi * t / 0.61) + 0.3 * rng.standard_normal(90)
    freqs = np.linspace(0.01, 5.0, 4000)
    ours = lomb_scargle(t, y, freqs)
    ref = lombscargle(t, y - y.mean(), 2 * np.pi * freqs, normalize=True)
    np.testing.assert_allclose(ours, ref, atol=1e-9)
    assert 1.0 / freqs[np.argmax(ours)] == pytest.approx(0.61, rel=0.01)


def test_features_recover_periods_and_separate_classes(light_curves):
    _, labels, feats = light_curves
    assert list(feats.columns) == list(FEATURE_COLUMNS)
    assert feats.dtypes.eq(np.float64).all() and np.isfinite(feats.to_numpy()).all()
    periodic = labels.label.isin(["rr_lyrae", "cepheid"])
    ratio = feats.period[periodic] / labels.period[periodic]
    assert np.mean(np.abs(ratio - 1) < 0.02) > 0.85
    eb = labels.label == "eclipsing_binary"
    # eclipsing binaries: LS often locks on half the period (two eclipses per orbit)
    eb_ratio = feats.period[eb] / labels.period[eb]
    assert np.mean((np.abs(eb_ratio - 1) < 0.02) | (np.abs(eb_ratio - 0.5) < 0.01)) > 0.7
    constant = labels.label == "constant"
    assert feats.power[constant].median() < feats.power[periodic].median() - 0.3
    assert feats["skew"][eb].median() > 1.0 > feats["skew"][periodic].median()  # eclipses: faint tail
    assert feats.amplitude[constant].max() < feats.amplitude[labels.label == "rr_lyrae"].min()


def test_light_curves_deterministic_and_validated():
    a, la = make_light_curves(5, seed=1, n_obs=20)
    b, lb = make_light_curves(5, seed=1, n_obs=20)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(la, lb)
    assert not np.allclose(a.mag, make_light_curves(5, seed=2, n_obs=20)[0].mag)
    with pytest.raises(ValueError, match="class_weights"):
        make_light_curves(5, class_weights=[1, 1])
    with pytest.raises(ValueError, match="missing columns"):
        light_curve_features(a.drop(columns="mag"))
    only_cepheids = make_light_curves(8, seed=0, n_obs=20, class_weights=[0, 1, 0, 0])[1]
    assert set(only_cepheids.label) == {"cepheid"}
