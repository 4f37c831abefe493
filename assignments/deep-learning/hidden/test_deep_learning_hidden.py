"""Hidden checks of the deep-learning assignment.

Run on the trusted side: ``student`` proxies ``cnn.py`` in the sandbox.  Only arrays cross
the wire: images and labels go in, weights (a dict of arrays) and images come back.  Every
accuracy is computed here, with the trusted network loaded with the returned weights, on
stamps generated from the hidden seed.

Margins were measured in-process on the solution over generator seeds 0..7 (0..10 for
FGSM), and by grading with random 256-bit course secrets; the numbers at each threshold
are the ranges seen.  ``tests/assignments/test_deep_learning.py`` grades hidden seeds
0..9 and 256-bit seeds (slow).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader import Fail

SIZE = 20
DIHEDRAL = [lambda a, k=k, f=f: np.flip(np.rot90(a, k, axes=(-2, -1)), axis=-1) if f else np.rot90(a, k, axes=(-2, -1))
            for k in range(4) for f in (False, True)]


@pytest.mark.points(0)  # a gate: no points, failing it zeroes the assignment
def test_api(student):
    """cnn.py defines SmallCNN, random_dihedral, train_cnn, predict_proba and fgsm."""
    for name in ("SmallCNN", "random_dihedral", "dihedral_copies", "train_cnn", "predict_proba", "fgsm",
                 "initial_state"):
        assert callable(getattr(student.cnn, name)), name


@pytest.mark.points(2)
def test_architecture(student, hidden_rng, helpers):
    """SmallCNN does not have the layers of the module docstring: its weights need the
    parameter names and shapes of two 3x3 convolutions (1 -> 8 -> 16 channels) and two
    dense layers (16 (S/4)^2 -> 32 -> 2)."""
    size = int(hidden_rng.choice([12, 16, 20, 24]))
    helpers.checked_state(student.cnn.initial_state(size, int(hidden_rng.integers(2**31))), size)


@pytest.mark.points(3)
@pytest.mark.needs("test_architecture")
def test_predict_proba_is_the_network(student, hidden_rng, helpers):
    """predict_proba does not give the softmax of the network's logits on the images as
    they are: check the forward pass (convolution, ReLU, pooling, dense layers), evaluation
    mode (no dropout at test time), the softmax axis, and that test images are not
    augmented."""
    size = int(hidden_rng.choice([16, 20]))
    model = helpers.trusted_network(size=size, seed=int(hidden_rng.integers(2**31)))
    X, _ = helpers.morphology(hidden_rng, 64) if size == SIZE else (hidden_rng.normal(size=(64, size, size)).astype(np.float32), None)
    proba = helpers.images(student.cnn.predict_proba(helpers.trusted_state(model), X), (64, 2), "predict_proba(state, X)")
    expected = torch.softmax(torch.as_tensor(helpers.trusted_logits(model, X)), dim=1).numpy()
    if not np.allclose(proba.sum(axis=1), 1.0, atol=1e-5):
        raise Fail("each row of predict_proba must sum to 1")
    # float32 forward passes in a different process: agreement to ~1e-7 measured
    assert np.allclose(proba, expected, atol=1e-4)


@pytest.mark.points(3)
def test_random_dihedral(student, hidden_rng):
    """random_dihedral does not map each image to one of the 8 symmetries of the square
    (rotations by multiples of 90 degrees, with or without a flip), drawn independently
    and uniformly for every image, reproducibly for a given generator seed."""
    n, size = 800, 12
    X = hidden_rng.normal(size=(n, size, size)).astype(np.float32)
    seed = int(hidden_rng.integers(2**31))
    out = np.asarray(student.cnn.dihedral_copies(X, seed))
    if out.shape != X.shape:
        raise Fail(f"dihedral_copies(X, seed) has shape {out.shape}, expected {X.shape}")
    which = np.full(n, -1)
    for t, transform in enumerate(DIHEDRAL):
        which[np.all(out == transform(X), axis=(1, 2))] = t
    if np.any(which < 0):
        raise Fail("some augmented images are not a rotation by k x 90 degrees (with or without a flip) of their input")
    counts = np.bincount(which, minlength=8)
    # uniform: 100 of each expected, standard deviation 9.4; below 60 is 4 sigma
    if counts.min() < 60:
        raise Fail("the 8 symmetries are not drawn uniformly and independently for each image")
    again = np.asarray(student.cnn.dihedral_copies(X, seed))
    other = np.asarray(student.cnn.dihedral_copies(X, seed + 1))
    if not np.array_equal(again, out) or np.array_equal(other, out):
        raise Fail("the transforms must come from the generator: the same seed gives the same images, another seed others")


@pytest.mark.points(2)
@pytest.mark.needs("test_architecture")
def test_training_is_reproducible(student, hidden_rng, helpers):
    """train_cnn is not reproducible: the same seed must give the same weights bit for bit,
    another seed other weights (seed torch and the batch order)."""
    X, y = helpers.morphology(hidden_rng, 96)
    seed = int(hidden_rng.integers(2**31))
    a, _ = helpers.checked_training(student.cnn.train_cnn(X, y, n_epochs=2, seed=seed), 2)
    b, _ = helpers.checked_training(student.cnn.train_cnn(X, y, n_epochs=2, seed=seed), 2)
    c, _ = helpers.checked_training(student.cnn.train_cnn(X, y, n_epochs=2, seed=seed + 1), 2)
    if not all(np.array_equal(a[k], b[k]) for k in a):
        raise Fail("two runs of train_cnn with the same seed gave different weights")
    if all(np.array_equal(a[k], c[k]) for k in a):
        raise Fail("train_cnn gave the same weights for two different seeds")


@pytest.mark.points(4)
@pytest.mark.needs("test_architecture")
def test_cnn_classifies_galaxy_morphology(student, hidden_rng, helpers):
    """The trained CNN does not tell discs from spheroids on new stamps (accuracy above
    85 %), or its loss curve is not the mean training loss per epoch, falling."""
    X, y = helpers.morphology(hidden_rng, 1000)
    X_test, y_test = helpers.morphology(hidden_rng, 400)
    state, curve = helpers.checked_training(
        student.cnn.train_cnn(X, y, n_epochs=15, seed=int(hidden_rng.integers(2**31))), 15)
    if not curve[-1] < 0.7 * curve[0]:
        raise Fail("the training loss does not fall over the epochs")
    model = helpers.trusted_network(state)
    # the last epoch's mean loss (dropout on, weights still moving) against the trained
    # network's cross-entropy on the training set: ratio 1.05-1.75 for the solution
    if not 0.5 * helpers.trusted_cross_entropy(model, X, y) < curve[-1] < 4 * helpers.trusted_cross_entropy(model, X, y) + 0.1:
        raise Fail("loss_curve must hold the mean cross-entropy per training image of each epoch")
    # solution: 0.93-0.97
    assert helpers.trusted_accuracy(model, X_test, y_test) > 0.85


@pytest.mark.points(3)
@pytest.mark.needs("test_architecture")
def test_cnn_separates_real_from_bogus(student, hidden_rng, helpers):
    """The trained CNN does not separate real transients from subtraction artefacts on new
    difference stamps (accuracy above 90 %)."""
    X, y = helpers.real_bogus(hidden_rng, 600)
    X_test, y_test = helpers.real_bogus(hidden_rng, 400)
    state, _ = helpers.checked_training(
        student.cnn.train_cnn(X, y, n_epochs=15, seed=int(hidden_rng.integers(2**31))), 15)
    # solution: 0.97-1.00
    assert helpers.trusted_accuracy(helpers.trusted_network(state), X_test, y_test) > 0.9


@pytest.mark.points(4)
@pytest.mark.needs("test_architecture", "test_random_dihedral")
def test_augmentation_helps_on_rotated_stamps(student, hidden_rng, helpers):
    """Training with augment=True does not help on galaxies at new position angles: trained
    on stamps all aligned with the x axis, the augmented network (25 epochs) must beat the
    same network trained without augmentation (15 epochs) by 10 points of accuracy on
    stamps at any angle, and reach 78 %."""
    X, y = helpers.aligned(hidden_rng, 1000)
    X_test, y_test = helpers.any_angle(hidden_rng, 400)
    seed = int(hidden_rng.integers(2**31))
    plain, _ = helpers.checked_training(student.cnn.train_cnn(X, y, n_epochs=15, seed=seed), 15)
    # 8 x more distinct images: the augmented network needs more epochs to converge
    augmented, _ = helpers.checked_training(student.cnn.train_cnn(X, y, augment=True, n_epochs=25, seed=seed), 25)
    acc_plain = helpers.trusted_accuracy(helpers.trusted_network(plain), X_test, y_test)
    acc_aug = helpers.trusted_accuracy(helpers.trusted_network(augmented), X_test, y_test)
    # solution, in-process: plain 0.62-0.71; augmented with 15 epochs 0.79-0.96 (seeds
    # 0..7, gain >= 0.15); with 25 epochs 0.865-0.965, gain >= 0.20 (9 other seeds)
    if not acc_aug > 0.78:
        raise Fail("the augmented network does not classify stamps at new position angles well")
    assert acc_aug - acc_plain > 0.10


@pytest.mark.points(3)
def test_fgsm_is_the_signed_gradient_step(student, hidden_rng, helpers):
    """fgsm does not return x + epsilon * sign(grad_x L): every pixel must move by exactly
    epsilon in the direction that increases the cross-entropy of the network in
    evaluation mode."""
    model = helpers.trusted_network(seed=int(hidden_rng.integers(2**31)))
    X, y = helpers.morphology(hidden_rng, 64)
    eps = float(hidden_rng.uniform(0.01, 0.05))
    adv = helpers.images(student.cnn.fgsm(helpers.trusted_state(model), X, y, eps), X.shape, "fgsm(state, X, y, epsilon)")
    grad = helpers.trusted_input_gradient(model, X, y)
    live = np.abs(grad) > 1e-6 * np.abs(grad).max()
    step = adv - X
    if not np.allclose(np.abs(step[live]), eps, rtol=1e-3, atol=1e-6):
        raise Fail("the adversarial perturbation must have size epsilon in every pixel (the sign of the gradient)")
    # float32 gradients in another process: the signs of live pixels agree exactly (measured)
    assert np.mean(np.sign(step[live]) == np.sign(grad[live])) > 0.995


@pytest.mark.points(4)
def test_fgsm_beats_random_noise(student, hidden_rng, helpers):
    """FGSM images do not fool a trained network: at epsilon = 0.02 (less than half the sky
    noise) its accuracy must fall at least 40 points further than under random +-epsilon
    noise of the same size."""
    X, y = helpers.morphology(hidden_rng, 1000)
    X_test, y_test = helpers.morphology(hidden_rng, 300)
    model = helpers.trusted_training(X, y, seed=int(hidden_rng.integers(2**31)))
    eps = 0.02
    adv = helpers.images(student.cnn.fgsm(helpers.trusted_state(model), X_test, y_test, eps), X_test.shape,
                         "fgsm(state, X, y, epsilon)")
    if np.abs(adv - X_test).max() > eps * (1 + 1e-3) + 1e-6:
        raise Fail("the adversarial images must stay within epsilon of the originals in every pixel")
    noise = X_test + eps * hidden_rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=X_test.shape)
    acc_noise = helpers.trusted_accuracy(model, noise, y_test)
    acc_adv = helpers.trusted_accuracy(model, adv, y_test)
    # solution: noise 0.89-0.95, adversarial 0.11-0.29
    assert acc_noise - acc_adv > 0.4
