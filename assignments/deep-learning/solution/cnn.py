"""A convolutional network for image stamps, augmentation, and adversarial examples.

Everything here takes and returns numpy arrays or *state dicts* (plain ``dict`` of
parameter name -> tensor), never a model object: that is how the grader talks to your
code, and how trained weights are usually shared.

Architecture (``SmallCNN``, images ``(N, 1, S, S)`` with ``S`` divisible by 4)::

    features: conv 3x3 (1 -> 8, padding 1) -> ReLU -> max-pool 2x2
              conv 3x3 (8 -> 16, padding 1) -> ReLU -> max-pool 2x2
    head:     flatten -> dropout(p) -> dense (16 (S/4)^2 -> 32) -> ReLU -> dense (32 -> 2)

The network returns *logits*; class probabilities are their softmax.
"""
from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

CHANNELS = (8, 16)
HIDDEN = 32


def set_determinism(seed):
    """Seed torch (weights, dropout) and use one thread and deterministic kernels, so that
    the same seed gives the same network bit for bit (on a GPU too)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(int(seed))


def device():
    """The GPU when one is visible, else the CPU (training uses it; results come back on the CPU)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_tensor(X):
    """Images ``(N, S, S)`` (numpy) as a float32 tensor ``(N, 1, S, S)``."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 3 or X.shape[1] != X.shape[2]:
        raise ValueError(f"images must have shape (N, S, S), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("images contain NaN or infinity")
    return torch.from_numpy(X.copy()).unsqueeze(1)


class SmallCNN(nn.Module):
    """Two convolution + max-pooling blocks (``self.features``) and a two-layer dense head
    (``self.head``), exactly as in the module docstring: the grader loads your trained
    weights into this architecture by parameter name (``features.0.weight``, ...,
    ``head.4.bias``)."""

    def __init__(self, image_size=20, n_classes=2, dropout=0.25):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4, got {image_size}")
        c1, c2 = CHANNELS
        ### BEGIN SOLUTION
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(c2 * (image_size // 4) ** 2, HIDDEN), nn.ReLU(),
            nn.Linear(HIDDEN, n_classes),
        )
        ### END SOLUTION

    def forward(self, x):
        """Logits ``(N, n_classes)`` of images ``x`` ``(N, 1, S, S)``."""
        ### BEGIN SOLUTION
        return self.head(self.features(x))
        ### END SOLUTION


def load_model(state, image_size):
    """A :class:`SmallCNN` with the weights of ``state`` (a dict of arrays or tensors)."""
    model = SmallCNN(image_size)
    model.load_state_dict({k: torch.as_tensor(np.asarray(v, dtype=np.float32)) for k, v in state.items()})
    return model


def state_of(model):
    """The weights of ``model`` as a plain dict of tensors (what the grader receives)."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def initial_state(image_size, seed):
    """The weights of a freshly initialised network (seeded)."""
    set_determinism(seed)
    return state_of(SmallCNN(image_size))


def random_dihedral(x, generator):
    """Each image of ``x`` ``(N, 1, S, S)`` under one of the 8 symmetries of the square,
    drawn independently per image with ``generator``: a rotation by ``k`` x 90 degrees,
    ``k`` uniform in {0, 1, 2, 3}, then a left-right flip with probability 1/2.  A galaxy's
    morphology does not change under these, so they are free extra training data."""
    ### BEGIN SOLUTION
    n = x.shape[0]
    k = torch.randint(0, 4, (n,), generator=generator).to(x.device)
    flip = torch.randint(0, 2, (n,), generator=generator).bool().to(x.device)
    out = x.clone()
    for r in range(1, 4):
        idx = k == r
        out[idx] = torch.rot90(x[idx], r, dims=(-2, -1))
    out[flip] = torch.flip(out[flip], dims=(-1,))
    return out
    ### END SOLUTION


def dihedral_copies(X, seed):
    """``random_dihedral`` on numpy images ``(N, S, S)`` (seeded): for inspection and grading."""
    generator = torch.Generator().manual_seed(int(seed))
    return random_dihedral(to_tensor(X), generator)[:, 0].numpy()


def train_cnn(X, y, *, augment=False, n_epochs=8, batch_size=32, learning_rate=3e-3, seed=0):
    """Train a :class:`SmallCNN` on images ``X`` ``(N, S, S)`` with labels ``y`` in {0, 1}.

    Mini-batch Adam on the cross-entropy: each epoch visits the training set once in a
    random order (``torch.randperm`` with a generator seeded by ``seed``); with
    ``augment=True`` every batch goes through :func:`random_dihedral` (same generator)
    before the forward pass.  ``set_determinism(seed)`` first: the same seed gives the
    same weights.  Train on ``device()``.

    Returns
    -------
    state : dict of parameter name -> tensor, the trained weights (see :func:`state_of`)
    loss_curve : list of float, the mean training loss of each epoch
    """
    x, y = to_tensor(X), torch.as_tensor(np.asarray(y), dtype=torch.long)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    ### BEGIN SOLUTION
    set_determinism(seed)
    model = SmallCNN(x.shape[-1]).to(device())
    x, y = x.to(device()), y.to(device())
    generator = torch.Generator().manual_seed(int(seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_curve = []
    model.train()
    for _ in range(n_epochs):
        total = 0.0
        for idx in torch.randperm(len(x), generator=generator).split(batch_size):
            xb, yb = x[idx], y[idx]
            if augment:
                xb = random_dihedral(xb, generator)
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        loss_curve.append(total / len(x))
    return state_of(model), loss_curve
    ### END SOLUTION


def predict_proba(state, X):
    """Class probabilities ``(N, 2)`` of images ``X`` under the network with weights
    ``state``: evaluation mode (dropout off), no gradient, the images as they are."""
    model = load_model(state, np.shape(X)[-1])
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        logits = model(to_tensor(X))
    return torch.softmax(logits, dim=1).numpy()
    ### END SOLUTION


def fgsm(state, X, y, epsilon):
    """Adversarial images by the fast gradient sign method (Goodfellow et al. 2015).

    ``x_adv = x + epsilon * sign(grad_x L(x, y))`` with ``L`` the cross-entropy of the
    network in evaluation mode: the step of max-norm ``epsilon`` that increases the loss
    fastest to first order.  Returns numpy images shaped like ``X``.
    """
    if epsilon < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon!r}")
    model = load_model(state, np.shape(X)[-1])
    ### BEGIN SOLUTION
    model.eval()
    x = to_tensor(X).requires_grad_(True)
    loss = nn.functional.cross_entropy(model(x), torch.as_tensor(np.asarray(y), dtype=torch.long))
    (grad,) = torch.autograd.grad(loss, x)
    return (x + epsilon * grad.sign()).detach()[:, 0].numpy()
    ### END SOLUTION


def random_sign_noise(X, epsilon, seed):
    """The control: ``X + epsilon * s`` with random signs ``s``, the same max-norm as FGSM."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float32)
    return (X + epsilon * rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=X.shape)).astype(np.float32)
