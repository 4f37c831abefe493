"""Public checks of the deep-learning assignment: run them with ``course check``.

Small fixed examples only; the hidden checks train your network on stamps you have not
seen and measure its accuracy, the effect of augmentation and of FGSM themselves.
"""
import numpy as np
import pytest


@pytest.mark.points(1)
def test_weights_have_the_architecture(student):
    """A fresh SmallCNN for 20 x 20 stamps has two conv layers and two dense layers."""
    state = student.cnn.initial_state(20, 0)
    shapes = {k: tuple(np.shape(v)) for k, v in state.items()}
    assert shapes == {
        "features.0.weight": (8, 1, 3, 3), "features.0.bias": (8,),
        "features.3.weight": (16, 8, 3, 3), "features.3.bias": (16,),
        "head.2.weight": (32, 400), "head.2.bias": (32,),
        "head.4.weight": (2, 32), "head.4.bias": (2,),
    }


@pytest.mark.points(1)
def test_probabilities_are_deterministic(student):
    """predict_proba gives rows that sum to 1, and the same answer twice (no dropout, no
    augmentation at test time)."""
    state = student.cnn.initial_state(20, 1)
    X = np.random.default_rng(0).normal(size=(8, 20, 20)).astype(np.float32)
    p = np.asarray(student.cnn.predict_proba(state, X))
    assert p.shape == (8, 2) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(p, np.asarray(student.cnn.predict_proba(state, X)))


@pytest.mark.points(1)
def test_dihedral_of_one_image(student):
    """Every augmented copy of an image is one of its 8 rotations/flips."""
    img = np.arange(16, dtype=np.float32).reshape(4, 4)
    copies = np.asarray(student.cnn.dihedral_copies(np.stack([img] * 32), 0))
    symmetries = [np.rot90(img, k) for k in range(4)] + [np.fliplr(np.rot90(img, k)) for k in range(4)]
    assert all(any(np.array_equal(c, s) for s in symmetries) for c in copies)
    assert len({c.tobytes() for c in copies}) > 1


@pytest.mark.points(1)
def test_fgsm_moves_every_pixel_by_epsilon(student):
    """FGSM changes each pixel by +-epsilon (where the gradient is not zero)."""
    state = student.cnn.initial_state(20, 2)
    X = np.random.default_rng(1).normal(size=(4, 20, 20)).astype(np.float32)
    adv = np.asarray(student.cnn.fgsm(state, X, np.array([0, 1, 0, 1]), 0.1))
    step = np.abs(adv - X)
    assert adv.shape == X.shape and step.max() <= 0.1 + 1e-6 and np.mean(np.isclose(step, 0.1, atol=1e-6)) > 0.9
