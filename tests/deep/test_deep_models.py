"""The torch models reach a stated quality on held-out generated data, on the CPU.

Every test fixes its seeds and runs with one torch thread, so results are repeatable;
the margins below are several times the differences seen between seeds.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import make_moons

from reference.datasets.images import make_galaxy_stamps, make_real_bogus_stamps
from reference.deep import (GAN, CNNClassifier, ContrastiveEncoder, Denoiser, NormalizingFlow, fgsm_attack,
                            gaussian_log_likelihood, get_device, linear_probe_accuracy, mmd2, psnr,
                            random_sign_perturbation, set_seed)
from reference.deep.training import random_dihedral


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_get_device_falls_back_to_cpu():
    dev = get_device("auto")
    assert dev.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert get_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no"):
            get_device("cuda")
    with pytest.raises(ValueError):
        get_device("tpu")
    with pytest.raises(ValueError):
        set_seed(-1)


def test_random_dihedral_is_a_symmetry_of_the_square():
    x = torch.arange(2 * 16, dtype=torch.float32).reshape(2, 1, 4, 4).repeat(50, 1, 1, 1)
    out = random_dihedral(x, torch.Generator().manual_seed(0))
    # each output is one of the 8 symmetries of its input; several different ones occur
    seen = set()
    for a, b in zip(x, out):
        variants = [torch.rot90(a, k, dims=(-2, -1)) for k in range(4)]
        variants += [torch.flip(v, dims=(-1,)) for v in variants]
        match = [i for i, v in enumerate(variants) if torch.equal(v, b)]
        assert match
        seen.add(match[0])
    assert len(seen) >= 6


@pytest.fixture(scope="module")
def galaxies():
    X, y = make_galaxy_stamps(800, size=32, n_classes=2, random_state=1)
    X_test, y_test = make_galaxy_stamps(400, size=32, n_classes=2, random_state=2)
    return X, y, X_test, y_test


@pytest.fixture(scope="module")
def cnn(galaxies):
    torch.set_num_threads(1)
    X, y, _, _ = galaxies
    return CNNClassifier(n_epochs=8, random_state=0, device="cpu").fit(X, y)


def test_cnn_morphology_accuracy(cnn, galaxies):
    _, _, X_test, y_test = galaxies
    acc = cnn.score(X_test, y_test)
    assert acc >= 0.85, acc  # disc vs spheroid, 800 training stamps, 8 epochs (measured 0.93)
    assert cnn.loss_curve_[-1] < 0.6 * cnn.loss_curve_[0]
    proba = cnn.predict_proba(X_test[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_cnn_training_is_repeatable(galaxies):
    X, y, X_test, _ = galaxies
    a = CNNClassifier(n_epochs=1, random_state=3, device="cpu").fit(X[:200], y[:200]).predict_proba(X_test[:20])
    b = CNNClassifier(n_epochs=1, random_state=3, device="cpu").fit(X[:200], y[:200]).predict_proba(X_test[:20])
    np.testing.assert_array_equal(a, b)


def test_fgsm_drops_accuracy_far_more_than_random_noise(cnn, galaxies):
    _, _, X_test, y_test = galaxies
    eps = 0.05  # equal to the sky noise of the stamps (measured: 0.89 -> 0.46 adversarial, 0.89 random)
    clean = cnn.score(X_test, y_test)
    adv = cnn.score(fgsm_attack(cnn, X_test, y_test, eps), y_test)
    rand = cnn.score(random_sign_perturbation(X_test, eps, random_state=0), y_test)
    assert clean - adv >= 0.3, (clean, adv)
    assert clean - rand <= 0.05, (clean, rand)
    np.testing.assert_allclose(np.abs(fgsm_attack(cnn, X_test[:3], y_test[:3], eps) - X_test[:3]).max(), eps, rtol=1e-4)


@pytest.fixture(scope="module")
def denoising_data():
    clean, _ = make_galaxy_stamps(300, size=32, noise=0.0, random_state=3)
    noisy = clean + 0.15 * np.random.default_rng(0).standard_normal(clean.shape).astype(np.float32)
    clean_t, _ = make_galaxy_stamps(100, size=32, noise=0.0, random_state=4)
    noisy_t = clean_t + 0.15 * np.random.default_rng(1).standard_normal(clean_t.shape).astype(np.float32)
    return noisy, clean, noisy_t, clean_t


@pytest.mark.parametrize("architecture,min_gain", [("unet", 8.0), ("autoencoder", 6.0)])
def test_denoiser_psnr_gain(denoising_data, architecture, min_gain):
    noisy, clean, noisy_t, clean_t = denoising_data
    model = Denoiser(architecture, n_epochs=6, random_state=0, device="cpu").fit(noisy, clean)
    gain = psnr(clean_t, model.predict(noisy_t)) - psnr(clean_t, noisy_t)
    assert gain >= min_gain, gain


def _moons(n, seed):
    X, _ = make_moons(n, noise=0.06, random_state=seed)
    return (X - np.array([0.5, 0.25])) / np.array([0.87, 0.5])


def test_flow_beats_gaussian_log_likelihood():
    X, X_test = _moons(1000, 0), _moons(1000, 1)
    flow = NormalizingFlow(n_layers=6, hidden=32, n_epochs=30, random_state=0, device="cpu").fit(X)
    ll, baseline = flow.score(X_test), gaussian_log_likelihood(X, X_test)
    assert ll >= baseline + 0.3, (ll, baseline)  # measured about +0.6 nats
    # the flow is invertible and its samples look like the data
    x = torch.as_tensor(X_test[:50], dtype=torch.float32)
    z, _ = flow.model_(x)
    np.testing.assert_allclose(flow.model_.inverse(z).detach().numpy(), X_test[:50], atol=1e-4)
    assert mmd2(flow.sample(500), X_test[:500]) < mmd2(np.random.default_rng(0).normal(size=(500, 2)), X_test[:500])


def test_flow_log_prob_is_a_normalised_density():
    X = _moons(500, 2)
    flow = NormalizingFlow(n_layers=4, hidden=16, n_epochs=5, random_state=0, device="cpu").fit(X)
    g = np.linspace(-6, 6, 301)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    mass = np.exp(flow.score_samples(grid)).sum() * (g[1] - g[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.03)


def test_gan_two_sample_statistic_beats_gaussian_baseline():
    X, X_test = _moons(2000, 0), _moons(500, 1)
    gan = GAN(n_steps=1500, random_state=0, device="cpu").fit(X)
    rng = np.random.default_rng(0)
    gaussian = rng.multivariate_normal(X.mean(axis=0), np.cov(X, rowvar=False), 500)
    untrained = GAN(n_steps=0, random_state=0, device="cpu").fit(X).sample(500)
    m_gan = mmd2(gan.sample(500, random_state=1), X_test)
    m_gauss, m_untrained = mmd2(gaussian, X_test), mmd2(untrained, X_test)
    assert m_gan < 0.5 * m_gauss, (m_gan, m_gauss)
    assert m_gan < 0.1 * m_untrained, (m_gan, m_untrained)


def test_mmd_two_sample_sanity():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    assert abs(mmd2(a, b)) < 0.01
    assert mmd2(a, b + 1.0) > 0.1


def test_contrastive_probe_beats_random_encoder():
    X, _, kinds = make_real_bogus_stamps(800, size=20, random_state=5, return_kinds=True)
    X_test, _, kinds_test = make_real_bogus_stamps(400, size=20, random_state=6, return_kinds=True)
    X, X_test = X / 10, X_test / 10

    def probe(enc):
        F, F_test = enc.transform(X), enc.transform(X_test)
        # few labels: three disjoint labelled sets of 40 stamps, accuracy averaged
        return np.mean([linear_probe_accuracy(F[i:i + 40], kinds[i:i + 40], F_test, kinds_test)
                        for i in (0, 40, 80)])

    random_acc = probe(ContrastiveEncoder(random_state=0, device="cpu").random_encoder(X))
    enc = ContrastiveEncoder(n_epochs=10, random_state=0, device="cpu").fit(X)
    acc = probe(enc)
    assert acc >= random_acc + 0.02, (acc, random_acc)
    assert acc >= 0.85, acc
    assert enc.loss_curve_[-1] < enc.loss_curve_[0]
