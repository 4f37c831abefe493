import numpy as np
import pytest


@pytest.mark.points(1)
def test_zero_magnitude_is_unit_flux(student):
    """A magnitude equal to the zero point has flux 1."""
    assert float(student.stars.flux_from_magnitude(np.array([0.0]))[0]) == pytest.approx(1.0)


@pytest.mark.points(1)
def test_colour_is_a_difference(student):
    """colour(b, r) is b - r."""
    assert np.allclose(student.stars.colour(np.array([1.0, 2.0]), np.array([0.5, 2.5])), [0.5, -0.5])
