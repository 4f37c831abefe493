"""Hidden data and the trusted networks of the generative assignment (trusted side only).

Every check draws its data from ``hidden_rng`` (the secret hidden seed and the check's
name).  Student code receives images or samples and returns weights (dicts of arrays) or
arrays; every score is computed here, with the trusted copies below of the assignment's
three architectures (same parameter names), loaded with the weights the student's code
returned: a submission cannot report its own score.

- clean galaxy stamps (``make_galaxy_stamps``, 16 x 16 pixels, no sky noise) and Gaussian
  noise for the denoiser;
- the colour-magnitude diagram of nearby galaxies (``make_galaxy_colours``: ``M_r`` and
  ``u - r``, standardised), bimodal (red sequence, blue cloud), for the flow;
- disc/spheroid stamps (``make_oriented_galaxy_stamps``, 16 x 16) for contrastive learning:
  unlabelled ones at any position angle to train on; labelled ones all aligned with the x
  axis to fit the linear probe, and labelled ones at any angle to test it.
"""
from __future__ import annotations

import copy
import math
import sys

import numpy as np
import pytest
import torch
from torch import nn

from grader import Fail
from reference.datasets.galaxy_colours import make_galaxy_colours
from reference.datasets.images import make_galaxy_stamps
from reference.datasets.oriented_stamps import make_oriented_galaxy_stamps
from reference.deep.contrastive import linear_probe_accuracy

SIZE = 16


def _seed(rng):
    return int(rng.integers(2**63))


# ----------------------------------------------------------------------------- data

def clean_stamps(rng, n, size=SIZE):
    X, _ = make_galaxy_stamps(n, size=size, n_classes=2, noise=0.0, random_state=_seed(rng))
    return X


def noisy_copy(rng, X, sigma):
    return (X + sigma * rng.normal(size=X.shape)).astype(np.float32)


def oriented_stamps(rng, n, aligned=False, size=SIZE):
    return make_oriented_galaxy_stamps(n, size=size, position_angle=0.0 if aligned else None,
                                       random_state=_seed(rng))


def colour_magnitude(rng, n):
    """``(M_r, u - r)`` of ``n`` galaxies, standardised with fixed constants (the same for
    every draw, so training and held-out samples share the coordinates)."""
    frame = make_galaxy_colours(n, seed=int(rng.integers(2**32)))
    X = np.column_stack([(frame["M_r"] + 20.7) / 0.8, (frame["u_r"] - 1.9) / 0.5])
    return X.astype(np.float32)


# ----------------------------------------------------------------------------- trusted networks

class DenoisingUNet(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU())
        self.down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(2 * width, width, 3, padding=1), nn.ReLU())
        self.out = nn.Conv2d(width, 1, 1)

    def forward(self, x):
        e = self.enc(x)
        return self.out(self.dec(torch.cat([self.up(self.down(e)), e], dim=1)))


class AffineCoupling(nn.Module):
    def __init__(self, mask, hidden=32):
        super().__init__()
        self.register_buffer("mask", mask.float(), persistent=False)
        d = mask.numel()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2 * d))

    def scale_shift(self, x):
        s, t = self.net(x * self.mask).chunk(2, dim=1)
        return torch.tanh(s) * (1 - self.mask), t * (1 - self.mask)

    def forward(self, x):
        s, t = self.scale_shift(x)
        return self.mask * x + (1 - self.mask) * (x * torch.exp(s) + t), s.sum(dim=1)

    def inverse(self, y):
        s, t = self.scale_shift(y)
        return self.mask * y + (1 - self.mask) * (y - t) * torch.exp(-s)


class RealNVP(nn.Module):
    def __init__(self, n_features=2, n_layers=6, hidden=32):
        super().__init__()
        even = (torch.arange(n_features) % 2 == 0).float()
        self.layers = nn.ModuleList(AffineCoupling(even if i % 2 == 0 else 1 - even, hidden)
                                    for i in range(n_layers))
        self.n_features = n_features

    def forward(self, x):
        log_det = torch.zeros(x.shape[0], dtype=x.dtype)
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def log_prob(self, x):
        z, log_det = self(x)
        return -0.5 * (z**2).sum(dim=1) - 0.5 * self.n_features * math.log(2 * math.pi) + log_det

    def inverse(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


class Encoder(nn.Module):
    def __init__(self, width=16, features=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, features, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


def seeded(cls, seed, *args):
    """A trusted network with a seeded initialisation, in evaluation mode."""
    torch.manual_seed(seed)
    return cls(*args).eval()


def randomised_flow(rng, n_features=2):
    """A trusted RealNVP far from the identity: every weight drawn from ``rng`` (the last
    layers too, so that every coupling moves and scales its coordinates), float32 weights."""
    model = RealNVP(n_features)
    state = {k: torch.as_tensor(rng.normal(0.0, 0.3, size=tuple(v.shape)).astype(np.float32))
             for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    return model.eval()


def with_state(model, state):
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    return model.eval()


def trusted_state(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def images_tensor(X):
    return torch.as_tensor(np.asarray(X, dtype=np.float32)).unsqueeze(1)


def run_denoiser(model, X):
    with torch.no_grad():
        return model(images_tensor(X))[:, 0].numpy()


def flow_log_prob(model, X):
    with torch.no_grad():
        return model.log_prob(torch.as_tensor(np.asarray(X, dtype=np.float32))).numpy()


def exact_flow_log_prob(model, X):
    """``log p(x)`` in float64 (a copy of the float32 weights): the reference for the
    student's float32 computation."""
    exact = copy.deepcopy(model).double()
    with torch.no_grad():
        return exact.log_prob(torch.as_tensor(np.asarray(X, dtype=np.float64))).numpy()


def exact_flow_inverse(model, Z):
    """``f^{-1}(z)`` in float64 (a copy of the float32 weights)."""
    exact = copy.deepcopy(model).double()
    with torch.no_grad():
        return exact.inverse(torch.as_tensor(np.asarray(Z, dtype=np.float64))).numpy()


def features(model, X):
    with torch.no_grad():
        return model(images_tensor(X)).numpy()


def psnr(clean, estimate):
    clean, estimate = np.asarray(clean, np.float64), np.asarray(estimate, np.float64)
    return float(10 * np.log10((clean.max() - clean.min()) ** 2 / np.mean((clean - estimate) ** 2)))


def gaussian_log_likelihood(X_train, X_test):
    X_train, X_test = np.asarray(X_train, float), np.asarray(X_test, float)
    mu = X_train.mean(axis=0)
    cov = np.atleast_2d(np.cov(X_train, rowvar=False, bias=True))
    diff = X_test - mu
    _, logdet = np.linalg.slogdet(cov)
    maha = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
    return float(np.mean(-0.5 * (maha + logdet + X_train.shape[1] * np.log(2 * np.pi))))


def probe_accuracy(F_train, y_train, F_test, y_test):
    return linear_probe_accuracy(F_train, y_train, F_test, y_test)


# ----------------------------------------------------------------------------- replies

def checked_state(value, model, what):
    """Weights a student function returned: a dict with ``model``'s parameter names and
    shapes, finite float arrays."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    if not isinstance(value, dict):
        raise Fail(f"{what}: expected the weights as a dict of parameter name -> tensor, got {type(value).__name__}")
    if sorted(map(str, value)) != sorted(expected):
        raise Fail(f"{what}: the weights have the parameter names {sorted(map(str, value))}, "
                   f"expected those of the architecture: {sorted(expected)}")
    out = {}
    for k, shape in expected.items():
        arr = value[k]
        if not isinstance(arr, np.ndarray) or arr.shape != shape:
            raise Fail(f"{what}: parameter {k} should be an array of shape {shape}")
        arr = arr.astype(np.float32)
        if not np.all(np.isfinite(arr)):
            raise Fail(f"{what}: parameter {k} contains NaN or infinite values")
        out[k] = arr
    return out


def checked_training(result, model, n_epochs, what):
    """A training function's ``(state, loss_curve)``, checked."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise Fail(f"{what} must return a pair (state, loss_curve)")
    state, curve = result
    curve = np.asarray(curve, dtype=float) if isinstance(curve, (list, tuple, np.ndarray)) else None
    if curve is None or curve.shape != (n_epochs,) or not np.all(np.isfinite(curve)):
        raise Fail(f"{what}: loss_curve must hold one finite mean loss per epoch ({n_epochs} values)")
    return checked_state(state, model, what), curve


def array(value, shape, what):
    arr = np.asarray(value, dtype=np.float64) if isinstance(value, np.ndarray) else None
    if arr is None or arr.shape != shape:
        raise Fail(f"{what} must be a numpy array of shape {shape}")
    if not np.all(np.isfinite(arr)):
        raise Fail(f"{what} contains NaN or infinite values")
    return arr


def number(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Fail(f"{what} must be a number, got {type(value).__name__}")
    return float(value)


@pytest.fixture
def helpers():
    """This module's data generators and trusted networks, for the checks."""
    torch.set_num_threads(1)
    return sys.modules[__name__]
