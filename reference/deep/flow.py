"""A normalising flow with RealNVP affine coupling layers (Dinh, Sohl-Dickstein & Bengio 2017).

A flow is an invertible map ``z = f(x)`` to a standard normal ``z``; the change of
variables gives the exact log-likelihood::

    log p(x) = log N(f(x); 0, I) + log |det df/dx|

An affine coupling layer keeps the coordinates selected by a binary ``mask`` and moves the
others by a scale and shift computed from the kept ones::

    y = m * x + (1 - m) * (x * exp(s(m * x)) + t(m * x))      log|det| = sum((1 - m) * s)

It is trivially invertible, ``x = m * y + (1 - m) * (y - t(m * y)) * exp(-s(m * y))``,
and its Jacobian is triangular.  Alternating masks let every coordinate be transformed.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from .device import get_device, make_generator, set_seed
from .training import minibatches

__all__ = ["AffineCoupling", "RealNVP", "NormalizingFlow", "gaussian_log_likelihood"]


class AffineCoupling(nn.Module):
    """One coupling layer: ``s`` and ``t`` come from one MLP on the masked input.

    Parameters
    ----------
    mask : 1-D tensor of 0/1, the coordinates passed through unchanged
    hidden : int, width of the MLP
    """

    def __init__(self, mask, hidden=64):
        super().__init__()
        self.register_buffer("mask", mask.float())
        d = mask.numel()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2 * d))
        nn.init.zeros_(self.net[-1].weight)  # start as the identity map
        nn.init.zeros_(self.net[-1].bias)

    def _scale_shift(self, x_kept):
        s, t = self.net(x_kept).chunk(2, dim=1)
        return torch.tanh(s) * (1 - self.mask), t * (1 - self.mask)  # tanh keeps exp(s) tame

    def forward(self, x):
        """``y`` and ``log|det dy/dx|`` per sample."""
        ### BEGIN SOLUTION
        s, t = self._scale_shift(x * self.mask)
        y = x * self.mask + (1 - self.mask) * (x * torch.exp(s) + t)
        return y, s.sum(dim=1)
        ### END SOLUTION

    def inverse(self, y):
        """``x`` such that ``forward(x)[0] == y``."""
        ### BEGIN SOLUTION
        s, t = self._scale_shift(y * self.mask)
        return y * self.mask + (1 - self.mask) * (y - t) * torch.exp(-s)
        ### END SOLUTION


class RealNVP(nn.Module):
    """A stack of coupling layers with alternating masks and a standard normal base.

    Parameters
    ----------
    n_features : int (>= 2)
    n_layers : int, number of coupling layers
    hidden : int, width of each coupling MLP
    """

    def __init__(self, n_features, n_layers=6, hidden=64):
        super().__init__()
        if n_features < 2:
            raise ValueError(f"RealNVP needs at least 2 features, got {n_features}")
        base = (torch.arange(n_features) % 2).float()
        self.layers = nn.ModuleList(
            AffineCoupling(base if i % 2 == 0 else 1 - base, hidden) for i in range(n_layers))
        self.n_features = n_features

    def forward(self, x):
        """``z = f(x)`` and the summed ``log|det df/dx|``."""
        ### BEGIN SOLUTION
        log_det = torch.zeros(x.shape[0], device=x.device, dtype=x.dtype)
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det
        ### END SOLUTION

    def log_prob(self, x):
        """Exact ``log p(x)`` per sample."""
        ### BEGIN SOLUTION
        z, log_det = self(x)
        log_base = -0.5 * (z**2).sum(dim=1) - 0.5 * self.n_features * math.log(2 * math.pi)
        return log_base + log_det
        ### END SOLUTION

    def inverse(self, z):
        """``x = f^{-1}(z)``."""
        ### BEGIN SOLUTION
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z
        ### END SOLUTION


class NormalizingFlow(BaseEstimator):
    """Density estimator: a :class:`RealNVP` fitted by maximum likelihood (Adam).

    Parameters
    ----------
    n_layers : int, default=6
    hidden : int, default=64
    n_epochs : int, default=100
    batch_size : int, default=128
    learning_rate : float, default=3e-3
    random_state : int, default=0
    device : str, default="auto"

    Attributes
    ----------
    model_ : RealNVP, loss_curve_ : list of float (mean negative log-likelihood per epoch),
    device_ : torch.device, n_features_in_ : int
    """

    def __init__(self, n_layers=6, hidden=64, n_epochs=100, batch_size=128, learning_rate=3e-3,
                 random_state=0, device="auto"):
        self.n_layers = n_layers
        self.hidden = hidden
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.device = device

    def _tensor(self, X):
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or not np.all(np.isfinite(X)):
            raise ValueError(f"X must be a finite 2-D array, got shape {X.shape}")
        if hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the flow was fitted on {self.n_features_in_}")
        return torch.as_tensor(X, device=self.device_)

    def fit(self, X, y=None):
        """Maximise the mean log-likelihood of ``X`` (n_samples, n_features)."""
        self.device_ = get_device(self.device)
        if hasattr(self, "n_features_in_"):
            del self.n_features_in_
        X = self._tensor(X)
        self.n_features_in_ = X.shape[1]
        set_seed(self.random_state)
        self.model_ = RealNVP(X.shape[1], self.n_layers, self.hidden).to(self.device_)
        gen = make_generator(self.random_state)
        opt = torch.optim.Adam(self.model_.parameters(), lr=self.learning_rate)
        self.loss_curve_ = []
        ### BEGIN SOLUTION
        for _ in range(self.n_epochs):
            total = 0.0
            for idx in minibatches(X.shape[0], self.batch_size, gen):
                opt.zero_grad()
                loss = -self.model_.log_prob(X[idx]).mean()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            self.loss_curve_.append(total / X.shape[0])
        ### END SOLUTION
        return self

    @torch.no_grad()
    def score_samples(self, X):
        """Log-density ``log p(x)`` of each sample."""
        if not hasattr(self, "model_"):
            raise RuntimeError("NormalizingFlow is not fitted yet; call fit first")
        return self.model_.log_prob(self._tensor(X)).cpu().numpy()

    def score(self, X, y=None):
        """Mean log-likelihood per sample."""
        return float(np.mean(self.score_samples(X)))

    @torch.no_grad()
    def sample(self, n_samples, random_state=0):
        """``n_samples`` draws: Gaussian ``z`` pushed through the inverse flow."""
        if not hasattr(self, "model_"):
            raise RuntimeError("NormalizingFlow is not fitted yet; call fit first")
        z = torch.randn(n_samples, self.n_features_in_, generator=make_generator(random_state))
        return self.model_.inverse(z.to(self.device_)).cpu().numpy()


def gaussian_log_likelihood(X_train, X_test):
    """Baseline: mean test log-likelihood of the maximum-likelihood multivariate Gaussian."""
    X_train, X_test = np.asarray(X_train, float), np.asarray(X_test, float)
    mu = X_train.mean(axis=0)
    cov = np.atleast_2d(np.cov(X_train, rowvar=False, bias=True))
    d = X_train.shape[1]
    diff = X_test - mu
    sign, logdet = np.linalg.slogdet(cov)
    maha = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
    return float(np.mean(-0.5 * (maha + logdet + d * np.log(2 * np.pi))))
