"""A generative adversarial network (Goodfellow et al. 2014) for tabular/low-dimensional data,
and the maximum mean discrepancy (MMD) two-sample statistic to judge its samples.

The generator ``G`` maps Gaussian noise ``z`` to fake samples; the discriminator ``D``
outputs the logit of "real".  They play a minimax game::

    D:  maximise  log D(x) + log(1 - D(G(z)))        (binary cross-entropy, real = 1, fake = 0)
    G:  maximise  log D(G(z))                        (the non-saturating generator loss)

Alternating Adam steps on each.  ``mmd2`` measures how far two samples are apart in a
Gaussian-kernel feature space (Gretton et al. 2012): zero in expectation for equal
distributions.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from .device import get_device, make_generator, set_seed

__all__ = ["Generator", "Discriminator", "GAN", "mmd2"]


def _mlp(d_in, hidden, d_out):
    return nn.Sequential(nn.Linear(d_in, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                         nn.LeakyReLU(0.2), nn.Linear(hidden, d_out))


class Generator(nn.Module):
    """MLP from ``latent_dim`` noise to ``n_features`` outputs."""

    def __init__(self, latent_dim, n_features, hidden=64):
        super().__init__()
        self.net = _mlp(latent_dim, hidden, n_features)

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    """MLP from ``n_features`` inputs to one logit (real vs fake)."""

    def __init__(self, n_features, hidden=64):
        super().__init__()
        self.net = _mlp(n_features, hidden, 1)

    def forward(self, x):
        return self.net(x).squeeze(1)


class GAN(BaseEstimator):
    """Fit a GAN to samples ``X`` (n_samples, n_features) and draw new ones.

    Parameters
    ----------
    latent_dim : int, default=4
    hidden : int, default=64
    n_steps : int, default=2000, alternating discriminator/generator updates
    batch_size : int, default=128
    learning_rate : float, default=1e-3 (Adam with beta_1 = 0.5, as is usual for GANs)
    random_state : int, default=0
    device : str, default="auto"

    Attributes
    ----------
    generator_, discriminator_ : nn.Module
    d_loss_curve_, g_loss_curve_ : lists of float, losses every step
    """

    def __init__(self, latent_dim=4, hidden=64, n_steps=2000, batch_size=128, learning_rate=1e-3,
                 random_state=0, device="auto"):
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.device = device

    def fit(self, X, y=None):
        """Train the generator to imitate the rows of ``X``."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or not np.all(np.isfinite(X)):
            raise ValueError(f"X must be a finite 2-D array, got shape {X.shape}")
        self.device_ = get_device(self.device)
        self.n_features_in_ = X.shape[1]
        set_seed(self.random_state)
        gen = make_generator(self.random_state)
        data = torch.as_tensor(X, device=self.device_)
        G = Generator(self.latent_dim, X.shape[1], self.hidden).to(self.device_)
        D = Discriminator(X.shape[1], self.hidden).to(self.device_)
        opt_g = torch.optim.Adam(G.parameters(), lr=self.learning_rate, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=self.learning_rate, betas=(0.5, 0.999))
        bce = nn.functional.binary_cross_entropy_with_logits
        self.d_loss_curve_, self.g_loss_curve_ = [], []
        ### BEGIN SOLUTION
        n = X.shape[0]
        ones = torch.ones(self.batch_size, device=self.device_)
        zeros = torch.zeros(self.batch_size, device=self.device_)
        for _ in range(self.n_steps):
            real = data[torch.randint(0, n, (self.batch_size,), generator=gen).to(self.device_)]
            z = torch.randn(self.batch_size, self.latent_dim, generator=gen).to(self.device_)
            fake = G(z)
            # discriminator step: real -> 1, fake -> 0 (fake detached: G is not updated here)
            opt_d.zero_grad()
            d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
            d_loss.backward()
            opt_d.step()
            # generator step: make D call the fakes real
            opt_g.zero_grad()
            g_loss = bce(D(fake), ones)
            g_loss.backward()
            opt_g.step()
            self.d_loss_curve_.append(d_loss.item())
            self.g_loss_curve_.append(g_loss.item())
        ### END SOLUTION
        self.generator_, self.discriminator_ = G.eval(), D.eval()
        return self

    @torch.no_grad()
    def sample(self, n_samples, random_state=0):
        """``n_samples`` generated rows (numpy, float32)."""
        if not hasattr(self, "generator_"):
            raise RuntimeError("GAN is not fitted yet; call fit first")
        z = torch.randn(n_samples, self.latent_dim, generator=make_generator(random_state))
        return self.generator_(z.to(self.device_)).cpu().numpy()


def mmd2(X, Y, bandwidth=None):
    """Unbiased squared maximum mean discrepancy with a Gaussian kernel.

    ``MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)``, ``k(a, b) = exp(-|a - b|^2 / (2 h^2))``;
    the bandwidth ``h`` defaults to the median pairwise distance of the pooled sample.
    """
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must be 2-D with the same number of columns, got {X.shape} and {Y.shape}")
    Z = np.vstack([X, Y])
    sq = np.sum(Z**2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * Z @ Z.T, 0.0)
    if bandwidth is None:
        bandwidth = np.sqrt(0.5 * np.median(d2[np.triu_indices_from(d2, k=1)]))
    K = np.exp(-d2 / (2 * bandwidth**2))
    m, n = len(X), len(Y)
    kxx, kyy, kxy = K[:m, :m], K[m:, m:], K[:m, m:]
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())
