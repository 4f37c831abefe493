"""Training data released to students (``course release`` writes it to ``data/``)."""
import numpy as np
import pandas as pd

from reference.datasets import make_stellar_spectra


def release_data(seed):
    """600 low-resolution stellar spectra (100 pixels, 380-900 nm) with their parameters.

    ``spectra``: one row per star, columns ``flux_000`` .. ``flux_099`` (continuum
    normalised to mean 1), then ``T_eff``, ``logg``, ``feh``, ``snr``, ``spectral_type``;
    ``wavelength``: the wavelength of each flux column in nm.
    """
    wavelength, flux, params = make_stellar_spectra(600, seed=seed, n_wavelengths=100)
    table = pd.DataFrame(flux, columns=[f"flux_{i:03d}" for i in range(flux.shape[1])])
    return {"spectra": pd.concat([table, params], axis=1),
            "wavelength": pd.DataFrame({"wavelength_nm": np.asarray(wavelength, dtype=float)})}
