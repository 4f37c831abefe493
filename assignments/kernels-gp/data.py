"""Training data released to students (``course release`` writes it to ``data/``)."""
from reference.datasets import make_star_galaxy
from reference.datasets.feedback import make_feedback_simulations


def release_data(seed):
    """A star-galaxy catalogue, 400 cheap low-resolution simulation runs and 40 expensive
    full-physics runs of the feedback simulation."""
    return {
        "star_galaxy": make_star_galaxy(2000, seed=seed),
        "feedback_lowres_runs": make_feedback_simulations(400, seed=seed + 1, noise=0.05, design="uniform"),
        "feedback_runs": make_feedback_simulations(40, seed=seed + 2, noise=0.02, design="latin"),
    }
