"""Training data released to students (``course release`` writes it to ``data/``)."""
from reference.datasets.images import make_galaxy_stamps, make_real_bogus_stamps
from reference.datasets.oriented_stamps import make_oriented_galaxy_stamps


def release_data(seed):
    """Disc/spheroid stamps, real/bogus difference stamps, and aligned disc/spheroid stamps
    with a test set at any position angle (images ``X`` 20 x 20, labels ``y``)."""
    def pair(X, y):
        return {"X": X, "y": y}

    return {
        "morphology": pair(*make_galaxy_stamps(1000, size=20, n_classes=2, random_state=seed)),
        "real_bogus": pair(*make_real_bogus_stamps(600, size=20, snr=(3.0, 12.0), random_state=seed + 1)),
        "aligned_train": pair(*make_oriented_galaxy_stamps(1000, position_angle=0.0, random_state=seed + 2)),
        "any_angle_test": pair(*make_oriented_galaxy_stamps(400, position_angle=None, random_state=seed + 3)),
    }
