"""Training data released to students (``course release`` writes it to ``data/``)."""
import numpy as np
import pandas as pd

from reference.datasets import make_galaxy_colours, make_stellar_spectra


def release_data(seed):
    """Stellar spectra (one row per star: T_eff, log g, [Fe/H], S/N, then the flux per
    pixel) and a galaxy colour catalogue with the red-sequence truth."""
    seeds = np.random.default_rng(seed).integers(2**63, size=2)
    wavelength, flux, params = make_stellar_spectra(700, seed=int(seeds[0]))
    pixels = pd.DataFrame(flux, columns=[f"flux_{w:.1f}" for w in wavelength])
    spectra = pd.concat([params.reset_index(drop=True), pixels], axis=1)
    return {"spectra": spectra, "galaxy_colours": make_galaxy_colours(800, seed=int(seeds[1]))}
