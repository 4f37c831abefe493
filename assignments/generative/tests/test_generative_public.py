"""Public checks of the generative assignment: run them with ``course check``.

Small fixed examples only; the hidden checks train your denoiser, flow and encoder on data
you have not seen and measure the PSNR gain, the held-out likelihood and the linear-probe
accuracy themselves.
"""
import math

import numpy as np
import pytest


@pytest.mark.points(1)
def test_unet_has_the_architecture(student):
    """A fresh DenoisingUNet has the five layers of the docstring, and denoise keeps the shape."""
    state = student.generative.initial_denoiser(0)
    shapes = {k: tuple(np.shape(v)) for k, v in state.items()}
    assert shapes == {
        "enc.0.weight": (16, 1, 3, 3), "enc.0.bias": (16,),
        "down.1.weight": (32, 16, 3, 3), "down.1.bias": (32,),
        "up.weight": (32, 16, 2, 2), "up.bias": (16,),
        "dec.0.weight": (16, 32, 3, 3), "dec.0.bias": (16,),
        "out.weight": (1, 16, 1, 1), "out.bias": (1,),
    }
    X = np.random.default_rng(0).normal(size=(3, 16, 16)).astype(np.float32)
    out = np.asarray(student.generative.denoise(state, X))
    assert out.shape == X.shape and np.array_equal(out, np.asarray(student.generative.denoise(state, X)))


@pytest.mark.points(1)
def test_psnr_of_a_known_error(student):
    """An error of 0.1 everywhere on images of range 1 is 20 dB."""
    clean = np.zeros((2, 4, 4))
    clean[0, 0, 0] = 1.0
    assert student.generative.psnr(clean, clean + 0.1) == pytest.approx(20.0)
    assert student.generative.psnr(clean, clean + 0.1, data_range=10.0) == pytest.approx(40.0)


@pytest.mark.points(1)
def test_fresh_flow_is_a_standard_normal(student):
    """A fresh RealNVP is the identity map (its last layers start at zero), so its
    log-density is the standard normal's, and its inverse gives z back."""
    state = student.generative.initial_flow(2, 0)
    X = np.array([[0.0, 0.0], [1.0, -2.0]], dtype=np.float32)
    expected = -0.5 * (X**2).sum(axis=1) - math.log(2 * math.pi)
    assert np.allclose(student.generative.flow_log_prob(state, X), expected, atol=1e-5)
    assert np.allclose(student.generative.flow_inverse(state, X), X, atol=1e-6)


@pytest.mark.points(1)
def test_nt_xent_of_perfect_pairs(student):
    """Two views with identical, mutually orthogonal projections: each view's partner is
    the only one at similarity 1, the 2N - 2 others at 0."""
    n, tau = 4, 0.5
    Z = np.eye(n, dtype=np.float32) * 3.0
    expected = -math.log(math.exp(1 / tau) / (math.exp(1 / tau) + 2 * n - 2))
    assert student.generative.contrastive_loss(Z, Z, tau) == pytest.approx(expected, rel=1e-5)


@pytest.mark.points(1)
def test_encoder_gives_32_features(student):
    """encode returns one 32-vector per image, the same twice (no augmentation at test time)."""
    state = student.generative.initial_encoder(1)
    X = np.random.default_rng(1).normal(size=(5, 16, 16)).astype(np.float32)
    h = np.asarray(student.generative.encode(state, X))
    assert h.shape == (5, 32) and np.array_equal(h, np.asarray(student.generative.encode(state, X)))
