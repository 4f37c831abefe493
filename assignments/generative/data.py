"""Training data released to students (``course release`` writes it to ``data/``)."""
import numpy as np

from reference.datasets.galaxy_colours import make_galaxy_colours
from reference.datasets.images import make_galaxy_stamps
from reference.datasets.oriented_stamps import make_oriented_galaxy_stamps


def release_data(seed):
    """Clean galaxy stamps (16 x 16, no sky noise) for the denoiser; the colour-magnitude
    diagram of nearby galaxies (``M_r`` and ``u - r``, standardised as the grader does) for
    the flow; disc/spheroid stamps for contrastive learning: unlabelled at any position
    angle, and labelled (``y``: disc 0, spheroid 1) aligned with the x axis and at any angle
    for the linear probe."""
    clean, _ = make_galaxy_stamps(600, size=16, noise=0.0, random_state=seed)
    frame = make_galaxy_colours(3000, seed=seed + 1)
    cmd = np.column_stack([(frame["M_r"] + 20.7) / 0.8, (frame["u_r"] - 1.9) / 0.5]).astype(np.float32)
    unlabelled, _ = make_oriented_galaxy_stamps(600, size=16, random_state=seed + 2)
    X_al, y_al = make_oriented_galaxy_stamps(300, size=16, position_angle=0.0, random_state=seed + 3)
    X_any, y_any = make_oriented_galaxy_stamps(500, size=16, random_state=seed + 4)
    return {
        "clean_stamps": {"X": clean},
        "colour_magnitude": {"X": cmd, "red_sequence": frame["red_sequence"].to_numpy()},
        "unlabelled": {"X": unlabelled},
        "aligned_labelled": {"X": X_al, "y": y_al},
        "any_angle_test": {"X": X_any, "y": y_any},
    }
