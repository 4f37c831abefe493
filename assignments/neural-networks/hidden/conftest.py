"""Hidden data of the neural-networks assignment (trusted side only).

Every check draws its own data from ``hidden_rng`` (the secret hidden seed and the
check's name), so no answer can be hard-coded.  Student code receives inputs, training
targets and the validation split of its own training loop; the held-out test spectra and
their temperatures stay here, and every test error is computed here from the weights the
student's training returns.

- stellar spectra from ``reference.datasets.make_stellar_spectra`` (a seed drawn from the
  hidden generator, 100 pixels), standardised per pixel with training statistics; the
  target is log10 T_eff, standardised the same way;
- ``torch_forward``: the trusted side's own forward pass in torch (float64), used for
  autograd gradients and for recomputing losses from returned weights.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

TORCH_ACT = {
    "identity": lambda z: z,
    "logistic": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
}


def spectra(rng, n, n_wavelengths=100):
    """Flux (n, n_wavelengths), log10 T_eff (n,) of hidden stars."""
    from reference.datasets import make_stellar_spectra

    _, flux, params = make_stellar_spectra(n, seed=int(rng.integers(2**63)), n_wavelengths=n_wavelengths)
    return flux, np.log10(params["T_eff"].to_numpy(float))


def temperature_problem(rng, n_train=60, n_val=200, n_test=200):
    """A small training set (few spectra, 100 pixels: a wide network can memorise it),
    a validation set for the student's curves and a hidden test set, standardised."""
    flux, y = spectra(rng, n_train + n_val + n_test)
    a, b = n_train, n_train + n_val
    mu, sd = flux[:a].mean(axis=0), flux[:a].std(axis=0)
    ym, ys = y[:a].mean(), y[:a].std()
    X, Y = (flux - mu) / sd, (y - ym) / ys
    return X[:a], Y[:a], X[a:b], Y[a:b], X[b:], Y[b:]


def random_network(rng, sizes):
    coefs = [rng.normal(0, 1 / np.sqrt(m), (m, k)) for m, k in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.normal(0, 0.3, k) for k in sizes[1:]]
    return coefs, intercepts


def torch_forward(X, coefs, intercepts, activation="relu", masks=None, requires_grad=False):
    """Output of the dense network (linear last layer) and its weight tensors."""
    Ws = [torch.tensor(np.asarray(W, float), requires_grad=requires_grad) for W in coefs]
    bs = [torch.tensor(np.asarray(b, float), requires_grad=requires_grad) for b in intercepts]
    a = torch.tensor(np.asarray(X, float))
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = a @ W + b
        if i < len(Ws) - 1:
            a = TORCH_ACT[activation](z)
            if masks is not None and masks[i] is not None:
                a = a * torch.tensor(np.asarray(masks[i], float))
        else:
            a = z
    return a, Ws, bs


def predict(coefs, intercepts, X):
    """The trusted side's prediction of a ReLU regression network (dropout off)."""
    with torch.no_grad():
        return torch_forward(X, coefs, intercepts)[0].numpy()[:, 0]


def mse(a, b):
    return float(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


@pytest.fixture
def helpers():
    """This module's data generators and torch formulas, for the checks."""
    return sys.modules[__name__]
