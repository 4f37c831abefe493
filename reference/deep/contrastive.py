"""SimCLR-style contrastive learning (Chen et al. 2020) on image stamps, with a linear probe.

Two random augmentations of the same image form a *positive pair*; every other image in
the batch is a negative.  An encoder ``f`` (a small CNN) and a projection head ``g`` are
trained so that ``z = g(f(x))`` of a positive pair are close in cosine similarity and far
from the rest: the NT-Xent loss, for a batch of ``N`` pairs (2N views)::

    l(i, j) = -log  exp(sim(z_i, z_j) / tau) / sum_{k != i} exp(sim(z_i, z_k) / tau)

averaged over all 2N views.  No label is used.  The quality of the representation
``h = f(x)`` is then measured by a *linear probe*: a logistic regression trained on the
frozen features of labelled images.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from .device import get_device, make_generator, set_seed
from .training import as_image_tensor, minibatches, predict_batched, random_dihedral

__all__ = ["Encoder", "augment_views", "nt_xent_loss", "ContrastiveEncoder", "linear_probe_accuracy"]


class Encoder(nn.Module):
    """Three conv layers, global average pooling: an image to a ``feature_dim`` vector."""

    def __init__(self, in_channels=1, width=16, feature_dim=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, feature_dim, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


def augment_views(x, generator, noise=0.1, max_shift=2):
    """A random view of each image: rotation/flip, a shift of up to ``max_shift`` pixels,
    brightness scaled by U(0.7, 1.3), and Gaussian noise of standard deviation ``noise``."""
    ### BEGIN SOLUTION
    x = random_dihedral(x, generator)
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator).tolist()
    x = torch.roll(x, shifts=(dy, dx), dims=(-2, -1))
    scale = 0.7 + 0.6 * torch.rand(x.shape[0], 1, 1, 1, generator=generator).to(x.device)
    return x * scale + noise * torch.randn(x.shape, generator=generator).to(x.device)
    ### END SOLUTION


def nt_xent_loss(z1, z2, temperature=0.5):
    """Normalised-temperature cross-entropy of ``N`` positive pairs ``(z1[i], z2[i])``."""
    ### BEGIN SOLUTION
    z = nn.functional.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.T / temperature
    n = z1.shape[0]
    sim.fill_diagonal_(float("-inf"))  # a view is not its own negative
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return nn.functional.cross_entropy(sim, targets)
    ### END SOLUTION


class ContrastiveEncoder(BaseEstimator):
    """Learn image features without labels (SimCLR) and expose them with :meth:`transform`.

    Parameters
    ----------
    width : int, default=16
    feature_dim : int, default=32, size of the representation ``h``
    projection_dim : int, default=16, size of ``z`` fed to the loss
    temperature : float, default=0.2
    n_epochs : int, default=10
    batch_size : int, default=64
    learning_rate : float, default=3e-3
    noise : float, default=0.1, noise added by the augmentation (in the units of ``X``)
    random_state : int, default=0
    device : str, default="auto"

    Attributes
    ----------
    encoder_, head_ : nn.Module, loss_curve_ : list of float
    """

    def __init__(self, width=16, feature_dim=32, projection_dim=16, temperature=0.2, n_epochs=10,
                 batch_size=64, learning_rate=3e-3, noise=0.1, random_state=0, device="auto"):
        self.width = width
        self.feature_dim = feature_dim
        self.projection_dim = projection_dim
        self.temperature = temperature
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.noise = noise
        self.random_state = random_state
        self.device = device

    def _build(self, in_channels):
        self.device_ = get_device(self.device)
        set_seed(self.random_state)
        self.encoder_ = Encoder(in_channels, self.width, self.feature_dim).to(self.device_)
        self.head_ = nn.Sequential(nn.Linear(self.feature_dim, self.feature_dim), nn.ReLU(),
                                   nn.Linear(self.feature_dim, self.projection_dim)).to(self.device_)

    def fit(self, X, y=None):
        """Contrastive training on unlabelled images ``X`` (N, H, W); ``y`` is ignored."""
        X = as_image_tensor(X)
        if X.shape[0] < 2:
            raise ValueError("contrastive training needs at least 2 images")
        self._build(X.shape[1])
        X = X.to(self.device_)
        gen = make_generator(self.random_state)
        params = list(self.encoder_.parameters()) + list(self.head_.parameters())
        opt = torch.optim.Adam(params, lr=self.learning_rate)
        self.loss_curve_ = []
        ### BEGIN SOLUTION
        for _ in range(self.n_epochs):
            total = 0.0
            for idx in minibatches(X.shape[0], self.batch_size, gen):
                if len(idx) < 2:
                    continue
                xb = X[idx]
                v1 = augment_views(xb, gen, self.noise)
                v2 = augment_views(xb, gen, self.noise)
                loss = nt_xent_loss(self.head_(self.encoder_(v1)), self.head_(self.encoder_(v2)),
                                    self.temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            self.loss_curve_.append(total / X.shape[0])
        ### END SOLUTION
        self.encoder_.eval()
        return self

    def transform(self, X):
        """Representations ``h = f(x)``, shape (N, feature_dim), numpy."""
        if not hasattr(self, "encoder_"):
            raise RuntimeError("ContrastiveEncoder is not fitted yet; call fit (or random_encoder) first")
        return predict_batched(self.encoder_, as_image_tensor(X, self.device_)).cpu().numpy()

    def random_encoder(self, X):
        """Skip training: an encoder with random weights (the baseline a probe must beat)."""
        self._build(as_image_tensor(X[:1]).shape[1])
        self.encoder_.eval()
        self.loss_curve_ = []
        return self


def linear_probe_accuracy(F_train, y_train, F_test, y_test, n_steps=300, l2=1e-3):
    """Test accuracy of a multinomial logistic regression on frozen features.

    The features are standardised with the training mean and spread, then the weights are
    fitted by full-batch L-BFGS on the cross-entropy plus ``l2 * ||W||^2``.
    """
    F_train, F_test = np.asarray(F_train, np.float64), np.asarray(F_test, np.float64)
    classes, yi = np.unique(y_train, return_inverse=True)
    mu, sd = F_train.mean(axis=0), F_train.std(axis=0) + 1e-8
    A = torch.as_tensor((F_train - mu) / sd)
    B = torch.as_tensor((F_test - mu) / sd)
    t = torch.as_tensor(yi)
    W = torch.zeros(A.shape[1], len(classes), dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(classes), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=n_steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(A @ W + b, t) + l2 * (W**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        pred = classes[(B @ W + b).argmax(dim=1).numpy()]
    return float(np.mean(pred == np.asarray(y_test)))
