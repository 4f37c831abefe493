"""Training data released to students (``course release`` writes it to ``data/``)."""
from reference.datasets import make_galaxy_morphology, make_star_galaxy


def release_data(seed):
    """Star-galaxy catalogues (balanced and with 10 % galaxies) and galaxy morphologies."""
    return {
        "star_galaxy": make_star_galaxy(2000, seed=seed),
        "star_galaxy_rare": make_star_galaxy(2000, seed=seed + 1, galaxy_fraction=0.1),
        "morphology": make_galaxy_morphology(1000, seed=seed),
    }
