"""Hidden data and the trusted network of the deep-learning assignment (trusted side only).

Every check draws its images from ``hidden_rng`` (the secret hidden seed and the check's
name).  Student code receives images, training labels and weights; held-out labels stay
here, and every accuracy is computed here with the trusted network
(``reference.deep.cnn.SmallCNN``, the same architecture and parameter names as the
assignment's), loaded with the weights the student's code returned: a submission cannot
report its own score.

- galaxy morphology stamps (disc against spheroid, ``make_galaxy_stamps``, 20 x 20 pixels);
- real/bogus difference-image stamps at low signal-to-noise (3 to 12);
- oriented disc/spheroid stamps: a training set aligned with the x axis, test stamps at
  any position angle (``make_oriented_galaxy_stamps``).
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from grader import Fail
from reference.datasets.images import make_galaxy_stamps, make_real_bogus_stamps
from reference.datasets.oriented_stamps import make_oriented_galaxy_stamps
from reference.deep.cnn import SmallCNN
from reference.deep.training import as_image_tensor, train_epochs

SIZE = 20


def _seed(rng):
    return int(rng.integers(2**63))


def morphology(rng, n):
    return make_galaxy_stamps(n, size=SIZE, n_classes=2, random_state=_seed(rng))


def real_bogus(rng, n):
    return make_real_bogus_stamps(n, size=SIZE, snr=(3.0, 12.0), random_state=_seed(rng))


def aligned(rng, n):
    return make_oriented_galaxy_stamps(n, size=SIZE, position_angle=0.0, random_state=_seed(rng))


def any_angle(rng, n):
    return make_oriented_galaxy_stamps(n, size=SIZE, position_angle=None, random_state=_seed(rng))


def trusted_network(state=None, size=SIZE, seed=0):
    """The trusted SmallCNN, in evaluation mode, with ``state`` (arrays) or a seeded initialisation."""
    torch.manual_seed(seed)
    model = SmallCNN(2, 1, size)
    if state is not None:
        model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    return model.eval()


def trusted_state(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def trusted_logits(model, X):
    with torch.no_grad():
        return model(as_image_tensor(X)).numpy()


def trusted_accuracy(model, X, y):
    return float(np.mean(trusted_logits(model, X).argmax(axis=1) == y))


def trusted_cross_entropy(model, X, y):
    with torch.no_grad():
        return float(torch.nn.functional.cross_entropy(model(as_image_tensor(X)), torch.as_tensor(y)))


def trusted_training(X, y, seed, n_epochs=15):
    """The trusted side's own network trained on (X, y) with augmentation (for FGSM)."""
    torch.manual_seed(seed)
    model = SmallCNN(2, 1, X.shape[-1])
    train_epochs(model, as_image_tensor(X), torch.as_tensor(y), torch.nn.functional.cross_entropy,
                 n_epochs=n_epochs, batch_size=32, lr=3e-3, generator=torch.Generator().manual_seed(seed),
                 augment=True)
    return model.eval()


def trusted_input_gradient(model, X, y):
    x = as_image_tensor(X).requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(model(x), torch.as_tensor(y))
    (grad,) = torch.autograd.grad(loss, x)
    return grad[:, 0].numpy()


def checked_state(value, size=SIZE):
    """The weights a student function returned: a dict with the architecture's names and
    shapes, finite float arrays."""
    expected = {k: tuple(v.shape) for k, v in SmallCNN(2, 1, size).state_dict().items()}
    if not isinstance(value, dict):
        raise Fail(f"expected the weights as a dict of parameter name -> tensor, got {type(value).__name__}")
    if sorted(value) != sorted(expected):
        raise Fail(f"the weights have the parameter names {sorted(map(str, value))}, "
                   f"expected those of SmallCNN: {sorted(expected)}")
    out = {}
    for k, shape in expected.items():
        arr = value[k]
        if not isinstance(arr, np.ndarray) or arr.shape != shape:
            raise Fail(f"parameter {k} should be an array of shape {shape}")
        arr = arr.astype(np.float32)
        if not np.all(np.isfinite(arr)):
            raise Fail(f"parameter {k} contains NaN or infinite values")
        out[k] = arr
    return out


def checked_training(result, n_epochs, size=SIZE):
    """``train_cnn``'s ``(state, loss_curve)``, checked."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise Fail("train_cnn must return a pair (state, loss_curve)")
    state, curve = result
    curve = np.asarray(curve, dtype=float)
    if curve.shape != (n_epochs,) or not np.all(np.isfinite(curve)):
        raise Fail(f"loss_curve must hold one finite mean loss per epoch ({n_epochs} values)")
    return checked_state(state, size), curve


def images(value, shape, what):
    arr = np.asarray(value, dtype=np.float32) if isinstance(value, np.ndarray) else None
    if arr is None or arr.shape != shape:
        raise Fail(f"{what} must be a numpy array of shape {shape}")
    if not np.all(np.isfinite(arr)):
        raise Fail(f"{what} contains NaN or infinite values")
    return arr


@pytest.fixture
def helpers():
    """This module's data generators and the trusted network, for the checks."""
    torch.set_num_threads(1)
    return sys.modules[__name__]
