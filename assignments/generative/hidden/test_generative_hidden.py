"""Hidden checks of the generative assignment.

Run on the trusted side: ``student`` proxies ``generative.py`` in the sandbox.  Only arrays
cross the wire: images and samples go in, weights (dicts of arrays), arrays and numbers
come back.  Every score is computed here, with the trusted copy of each architecture
loaded with the returned weights, on data generated from the hidden seed, and measured
against a control: the PSNR of the noisy input, the log-likelihood of a fitted Gaussian,
the linear-probe accuracy of a random encoder.

Margins were measured in-process on the solution over generator seeds 0..9 and by
grading with random 256-bit course secrets; the numbers at each threshold are the ranges
seen.  ``tests/assignments/test_generative.py`` grades hidden seeds 0..9 and 256-bit
seeds (slow).
"""
from __future__ import annotations

import numpy as np
import pytest

from grader import Fail


@pytest.mark.points(0)  # a gate: no points, failing it zeroes the assignment
def test_api(student):
    """generative.py defines the denoiser, the flow and the contrastive encoder with their
    training and evaluation functions."""
    for name in ("DenoisingUNet", "initial_denoiser", "train_denoiser", "denoise", "psnr",
                 "AffineCoupling", "RealNVP", "initial_flow", "train_flow", "flow_log_prob", "flow_inverse",
                 "Encoder", "initial_encoder", "nt_xent_loss", "contrastive_loss", "train_contrastive", "encode"):
        assert callable(getattr(student.generative, name)), name


# ----------------------------------------------------------------------------- denoising

@pytest.mark.points(2)
def test_denoiser_architecture(student, hidden_rng, helpers):
    """DenoisingUNet does not have the layers of the module docstring: its weights need the
    parameter names and shapes of the U-net (enc, down, up, dec, out)."""
    helpers.checked_state(student.generative.initial_denoiser(int(hidden_rng.integers(2**31))),
                          helpers.DenoisingUNet(), "initial_denoiser")


@pytest.mark.points(3)
@pytest.mark.needs("test_denoiser_architecture")
def test_denoise_is_the_network(student, hidden_rng, helpers):
    """denoise does not return the U-net's output on the noisy images as they are: check the
    forward pass (the skip connection concatenates the upsampled features with the
    full-resolution ones, in that order) and that nothing is added to the test images."""
    model = helpers.seeded(helpers.DenoisingUNet, int(hidden_rng.integers(2**31)))
    X = helpers.noisy_copy(hidden_rng, helpers.clean_stamps(hidden_rng, 48), 0.2)
    out = helpers.array(student.generative.denoise(helpers.trusted_state(model), X), X.shape, "denoise(state, X)")
    # float32 convolutions in another process: agreement to ~1e-7 measured
    assert np.allclose(out, helpers.run_denoiser(model, X), atol=1e-4)


@pytest.mark.points(2)
def test_psnr(student, hidden_rng, helpers):
    """psnr is not 10 log10(data_range^2 / MSE) in dB, with data_range the range of the
    clean images unless given, and infinite for an exact estimate."""
    # a sky level under the galaxies: the range is max - min, not the maximum
    clean = helpers.clean_stamps(hidden_rng, 20) + np.float32(hidden_rng.uniform(0.2, 1.0))
    estimate = helpers.noisy_copy(hidden_rng, clean, float(hidden_rng.uniform(0.05, 0.3)))
    got = helpers.number(student.generative.psnr(clean, estimate), "psnr(clean, estimate)")
    assert np.isclose(got, helpers.psnr(clean, estimate), rtol=1e-6)
    peak = float(hidden_rng.uniform(2.0, 5.0))
    mse = np.mean((clean.astype(np.float64) - estimate) ** 2)
    got = helpers.number(student.generative.psnr(clean, estimate, peak), "psnr(clean, estimate, data_range)")
    assert np.isclose(got, 10 * np.log10(peak**2 / mse), rtol=1e-6)
    if student.generative.psnr(clean, clean.copy()) != float("inf"):
        raise Fail("an exact estimate has infinite PSNR")


@pytest.mark.points(4)
@pytest.mark.needs("test_denoiser_architecture")
def test_denoiser_gains_psnr(student, hidden_rng, helpers):
    """The trained denoiser does not clean new noisy stamps: its output must be at least
    10 dB closer (PSNR) to the clean stamps than the noisy input, and its loss curve must be
    the falling mean squared error of each epoch."""
    sigma = float(hidden_rng.uniform(0.15, 0.25))
    X = helpers.clean_stamps(hidden_rng, 600)
    clean = helpers.clean_stamps(hidden_rng, 300)
    noisy = helpers.noisy_copy(hidden_rng, clean, sigma)
    state, curve = helpers.checked_training(
        student.generative.train_denoiser(X, sigma, n_epochs=8, seed=int(hidden_rng.integers(2**31))),
        helpers.DenoisingUNet(), 8, "train_denoiser")
    # solution: the last epoch's loss is 0.05-0.17 of the first's
    if not curve[-1] < 0.5 * curve[0]:
        raise Fail("the training loss does not fall over the epochs")
    model = helpers.with_state(helpers.DenoisingUNet(), state)
    denoised = helpers.run_denoiser(model, noisy)
    mse = float(np.mean((denoised - clean) ** 2))
    # last epoch's mean loss (fresh noise, weights still moving) against the trained
    # network's MSE on the new noisy stamps: ratio 0.93-1.06 for the solution
    if not 0.75 * mse < curve[-1] < 1.35 * mse:
        raise Fail("loss_curve must hold the mean squared error per training image of each epoch")
    gain = helpers.psnr(clean, denoised) - helpers.psnr(clean, noisy)
    # solution: 13.8-15.2 dB (sigma 0.16-0.24); a network that copies its input: about 0
    assert gain > 10.0


# ----------------------------------------------------------------------------- the flow

@pytest.mark.points(3)
def test_flow_log_prob_is_the_change_of_variables(student, hidden_rng, helpers):
    """The flow's log_prob is not the change of variables, log N(f(x); 0, I) + log|det df/dx|:
    check the coupling layer's y and log-determinant (its sign), the sum over the layers,
    and the standard normal's normalising constant."""
    d = int(hidden_rng.integers(2, 5))
    model = helpers.randomised_flow(hidden_rng, d)
    X = hidden_rng.normal(size=(200, d)).astype(np.float32)
    got = helpers.array(student.generative.flow_log_prob(helpers.trusted_state(model), X), (200,),
                        "flow_log_prob(state, X)")
    # float32 (solution) against float64 here, 300 random flows: worst error 0.14 of the tolerance
    assert np.allclose(got, helpers.exact_flow_log_prob(model, X), rtol=1e-4, atol=1e-3)


@pytest.mark.points(2)
def test_flow_inverse(student, hidden_rng, helpers):
    """The flow's inverse does not undo its forward map: f^{-1}(z) must be the x with
    f(x) = z (undo the shift and the scale of each coupling, the layers in reverse order)."""
    d = int(hidden_rng.integers(2, 5))
    model = helpers.randomised_flow(hidden_rng, d)
    Z = hidden_rng.normal(size=(200, d)).astype(np.float32)
    X = helpers.array(student.generative.flow_inverse(helpers.trusted_state(model), Z), (200, d),
                      "flow_inverse(state, Z)")
    # float32 (solution) against float64 here, 300 random flows: worst error 0.025 of the tolerance
    assert np.allclose(X, helpers.exact_flow_inverse(model, Z), rtol=1e-3, atol=1e-3)


@pytest.mark.points(4)
def test_flow_beats_a_gaussian(student, hidden_rng, helpers):
    """The trained flow does not model the colour-magnitude diagram: its mean log-likelihood
    on new galaxies must beat the maximum-likelihood Gaussian's by 0.12 nats, and its loss
    curve must be the falling mean negative log-likelihood of each epoch."""
    X = helpers.colour_magnitude(hidden_rng, 1500)
    X_test = helpers.colour_magnitude(hidden_rng, 1500)
    state, curve = helpers.checked_training(
        student.generative.train_flow(X, n_epochs=30, seed=int(hidden_rng.integers(2**31))),
        helpers.RealNVP(2), 30, "train_flow")
    # solution: falls by 0.30-0.35 nats
    if not curve[-1] < curve[0] - 0.2:
        raise Fail("the training loss does not fall over the epochs")
    model = helpers.with_state(helpers.RealNVP(2), state)
    nll_train = -float(np.mean(helpers.flow_log_prob(model, X)))
    # solution: the last epoch's mean loss is within 0.016 of the trained flow's NLL
    if not abs(curve[-1] - nll_train) < 0.05:
        raise Fail("loss_curve must hold the mean negative log-likelihood per training sample of each epoch")
    gain = float(np.mean(helpers.flow_log_prob(model, X_test))) - helpers.gaussian_log_likelihood(X, X_test)
    # solution: 0.19-0.26 nats per galaxy
    assert gain > 0.12


# ----------------------------------------------------------------------------- contrastive

@pytest.mark.points(3)
def test_nt_xent_loss(student, hidden_rng, helpers):
    """nt_xent_loss is not the NT-Xent loss: normalise the 2N projections, divide their
    cosine similarities by the temperature, leave each view out of its own softmax, and
    take the cross-entropy of its partner, averaged over the 2N views."""
    n, p = int(hidden_rng.integers(12, 20)), int(hidden_rng.integers(3, 10))  # n != p
    Z1 = hidden_rng.normal(size=(n, p)).astype(np.float32) * hidden_rng.uniform(0.5, 3.0)
    Z2 = (Z1 + hidden_rng.normal(scale=0.5, size=(n, p))).astype(np.float32)
    tau = float(hidden_rng.uniform(0.1, 0.9))
    got = helpers.number(student.generative.contrastive_loss(Z1, Z2, tau), "contrastive_loss(Z1, Z2, temperature)")
    z = np.concatenate([Z1, Z2]).astype(np.float64)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    logits = z @ z.T / tau
    np.fill_diagonal(logits, -np.inf)
    partner = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    top = logits.max(axis=1, keepdims=True)
    log_softmax = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    assert np.isclose(got, -np.mean(log_softmax[np.arange(2 * n), partner]), rtol=1e-4)


@pytest.mark.points(2)
def test_encode_is_the_encoder(student, hidden_rng, helpers):
    """encode does not return the encoder's representations h of the images as they are:
    check the three convolutions, the pooling, and that test images are not augmented."""
    model = helpers.seeded(helpers.Encoder, int(hidden_rng.integers(2**31)))
    X, _ = helpers.oriented_stamps(hidden_rng, 48)
    helpers.checked_state(student.generative.initial_encoder(int(hidden_rng.integers(2**31))),
                          helpers.Encoder(), "initial_encoder")
    got = helpers.array(student.generative.encode(helpers.trusted_state(model), X), (48, 32), "encode(state, X)")
    assert np.allclose(got, helpers.features(model, X), atol=1e-4)


@pytest.mark.points(4)
@pytest.mark.timeout(180)  # about 7 CPU seconds of training; room for a loaded grading machine
@pytest.mark.needs("test_encode_is_the_encoder")
def test_probe_beats_random_encoder(student, hidden_rng, helpers):
    """Contrastive training does not learn features that ignore orientation: a linear probe
    fitted on the representations of disc and spheroid stamps all aligned with the x axis
    must classify stamps at any angle at least 6 points better than the same probe on a
    random encoder's representations, and the loss must fall."""
    X_unlabelled, _ = helpers.oriented_stamps(hidden_rng, 600)
    X_train, y_train = helpers.oriented_stamps(hidden_rng, 300, aligned=True)
    X_test, y_test = helpers.oriented_stamps(hidden_rng, 1000)
    state, curve = helpers.checked_training(
        student.generative.train_contrastive(X_unlabelled, n_epochs=90, seed=int(hidden_rng.integers(2**31))),
        helpers.Encoder(), 90, "train_contrastive")
    # NT-Xent of a batch of 128 pairs lies between 0 and log(255) = 5.54 (all similarities equal)
    if not (np.all(curve > 0) and np.all(curve < np.log(255) + 0.01)):
        raise Fail("loss_curve must hold the mean NT-Xent loss per image of each epoch")
    if not curve[-1] < curve[0] - 1.0:
        raise Fail("the contrastive loss does not fall over the epochs")
    trained = helpers.with_state(helpers.Encoder(), state)
    random = helpers.seeded(helpers.Encoder, int(hidden_rng.integers(2**31)))
    acc = helpers.probe_accuracy(helpers.features(trained, X_train), y_train, helpers.features(trained, X_test), y_test)
    acc_random = helpers.probe_accuracy(helpers.features(random, X_train), y_train,
                                        helpers.features(random, X_test), y_test)
    # solution, in-process (generator seeds 0..7): trained 0.76-0.86, random encoders
    # 0.63-0.67, gain over the better of two random encoders 0.127-0.221; with the check's
    # own draws from 19 random 256-bit hidden seeds: trained 0.74-0.92, gain 0.11-0.31
    assert acc - acc_random > 0.06


# ----------------------------------------------------------------------------- all three

@pytest.mark.points(2)
@pytest.mark.needs("test_denoiser_architecture", "test_encode_is_the_encoder")
def test_training_is_reproducible(student, hidden_rng, helpers):
    """Training is not reproducible: for each of train_denoiser, train_flow and
    train_contrastive the same seed must give the same weights bit for bit, another seed
    other weights (seed torch, the batch order, the noise and the views)."""
    stamps = helpers.clean_stamps(hidden_rng, 40)
    samples = helpers.colour_magnitude(hidden_rng, 200)
    seed = int(hidden_rng.integers(2**31))
    g = student.generative
    for name, run, model in (
            ("train_denoiser", lambda s: g.train_denoiser(stamps, 0.2, n_epochs=1, seed=s), helpers.DenoisingUNet()),
            ("train_flow", lambda s: g.train_flow(samples, n_epochs=2, seed=s), helpers.RealNVP(2)),
            ("train_contrastive", lambda s: g.train_contrastive(stamps, n_epochs=1, batch_size=20, seed=s),
             helpers.Encoder())):
        n_epochs = 2 if name == "train_flow" else 1
        a, _ = helpers.checked_training(run(seed), model, n_epochs, name)
        b, _ = helpers.checked_training(run(seed), model, n_epochs, name)
        c, _ = helpers.checked_training(run(seed + 1), model, n_epochs, name)
        if not all(np.array_equal(a[k], b[k]) for k in a):
            raise Fail(f"two runs of {name} with the same seed gave different weights")
        if all(np.array_equal(a[k], c[k]) for k in a):
            raise Fail(f"{name} gave the same weights for two different seeds")
