"""Training data released to students (``course release`` writes it to ``data/``)."""
from reference.datasets import make_galaxy_clusters


def release_data(seed):
    """A simulated cluster catalogue for the scaling-relation exercises."""
    return {"clusters": make_galaxy_clusters(500, seed=seed)}
