"""Training data released to students (``course release`` writes it to ``data/``)."""
from reference.datasets import make_photoz


def release_data(seed):
    """A magnitude-limited galaxy catalogue with true redshifts and ugriz photometry."""
    return {"photoz": make_photoz(2000, seed=seed)}
