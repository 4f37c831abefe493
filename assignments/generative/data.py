"""Training data released to students (``course release`` writes it to ``data/``)."""
import numpy as np

from reference.datasets.galaxy_colours import make_galaxy_colours
from reference.datasets.images import make_galaxy_stamps


def release_data(seed):
    """Clean galaxy stamps (16 x 16, no sky noise) for the denoiser; the colour-magnitude
    diagram of nearby galaxies (``M_r`` and ``u - r``, standardised as the grader does) for
    the flow; disc/spheroid stamps with sky noise for contrastive learning (labels ``y``
    for the linear probe only)."""
    clean, _ = make_galaxy_stamps(600, size=16, noise=0.0, random_state=seed)
    frame = make_galaxy_colours(3000, seed=seed + 1)
    cmd = np.column_stack([(frame["M_r"] + 20.7) / 0.8, (frame["u_r"] - 1.9) / 0.5]).astype(np.float32)
    X, y = make_galaxy_stamps(2000, size=16, random_state=seed + 2)
    return {
        "clean_stamps": {"X": clean},
        "colour_magnitude": {"X": cmd, "red_sequence": frame["red_sequence"].to_numpy()},
        "stamps": {"X": X, "y": y},
    }
