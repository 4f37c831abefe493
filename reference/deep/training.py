"""Small training utilities shared by the models: tensors, mini-batches, augmentation, metrics."""
from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "as_image_tensor", "minibatches", "random_dihedral", "train_epochs", "predict_batched",
    "accuracy", "psnr",
]


def as_image_tensor(X, device=None):
    """Images ``(N, H, W)`` or ``(N, C, H, W)`` (numpy or torch) as a float32 tensor ``(N, C, H, W)``."""
    X = torch.as_tensor(np.asarray(X, dtype=np.float32) if not torch.is_tensor(X) else X, dtype=torch.float32)
    if X.ndim == 3:
        X = X.unsqueeze(1)
    if X.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W) or (N, C, H, W), got {tuple(X.shape)}")
    return X.to(device) if device is not None else X


def minibatches(n, batch_size, generator):
    """Index tensors of a random partition of ``range(n)`` into batches of ``batch_size``."""
    order = torch.randperm(n, generator=generator)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def random_dihedral(x, generator):
    """Each image of ``x`` (N, C, H, W) rotated by a random multiple of 90 degrees and flipped
    with probability 1/2: the 8 symmetries of the square, which leave a galaxy's morphology
    unchanged.  ``H`` must equal ``W``."""
    n = x.shape[0]
    k = torch.randint(0, 4, (n,), generator=generator).to(x.device)
    flip = torch.randint(0, 2, (n,), generator=generator).to(x.device).bool()
    out = x.clone()
    for r in range(1, 4):
        idx = k == r
        if idx.any():
            out[idx] = torch.rot90(x[idx], r, dims=(-2, -1))
    out[flip] = torch.flip(out[flip], dims=(-1,))
    return out


def train_epochs(model, X, Y, loss_fn, *, n_epochs, batch_size, lr, generator,
                 augment=False, weight_decay=0.0):
    """Adam on mini-batches of ``(X, Y)`` for ``n_epochs``; returns the mean loss of each epoch.

    ``augment=True`` applies :func:`random_dihedral` to each input batch (and to ``Y`` too
    when it is an image, with the same transform, for denoising/segmentation targets).
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = []
    model.train()
    for _ in range(n_epochs):
        total = 0.0
        for idx in minibatches(X.shape[0], batch_size, generator):
            xb, yb = X[idx], Y[idx]
            if augment:
                if yb.ndim == xb.ndim:  # image targets get the same transform
                    both = random_dihedral(torch.cat([xb, yb], dim=1), generator)
                    xb, yb = both[:, :xb.shape[1]], both[:, xb.shape[1]:]
                else:
                    xb = random_dihedral(xb, generator)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / X.shape[0])
    model.eval()
    return history


@torch.no_grad()
def predict_batched(model, X, batch_size=512):
    """``model(X)`` in evaluation mode, batch by batch."""
    model.eval()
    return torch.cat([model(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)])


def accuracy(y_true, y_pred):
    """Fraction of equal labels."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred shapes differ: {y_true.shape} vs {y_pred.shape}")
    return float(np.mean(y_true == y_pred))


def psnr(clean, estimate, data_range=None):
    """Peak signal-to-noise ratio ``10 log10(range^2 / MSE)`` in dB, over the whole batch.

    ``data_range`` defaults to ``clean.max() - clean.min()``.
    """
    clean = np.asarray(clean, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    if clean.shape != estimate.shape:
        raise ValueError(f"shapes differ: {clean.shape} vs {estimate.shape}")
    if data_range is None:
        data_range = clean.max() - clean.min()
    mse = np.mean((clean - estimate) ** 2)
    return float(10.0 * np.log10(data_range**2 / mse)) if mse > 0 else float("inf")
