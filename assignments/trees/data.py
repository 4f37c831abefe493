"""Training data released to students (``course release`` writes it to ``data/``)."""
from reference.datasets import make_galaxy_clusters


def release_data(seed):
    """A simulated cluster catalogue in the spirit of The Three Hundred."""
    return {"clusters": make_galaxy_clusters(1000, seed=seed)}
