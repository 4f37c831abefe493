"""A small convolutional classifier for image stamps (e.g. galaxy morphology).

Architecture (``SmallCNN``)::

    [conv 3x3 -> ReLU -> max-pool 2x2] x 2  ->  flatten  ->  dropout  ->  dense  ->  ReLU  ->  dense (logits)

``CNNClassifier`` wraps it with a scikit-learn-like API on numpy images (N, H, W):
mini-batch Adam on the cross-entropy, optional augmentation by the 8 rotations/flips of
the square (``augment=True``), GPU when available.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from .device import get_device, make_generator, set_seed
from .training import as_image_tensor, predict_batched, train_epochs

__all__ = ["SmallCNN", "CNNClassifier"]


class SmallCNN(nn.Module):
    """Two conv/pool blocks and a two-layer head.

    Parameters
    ----------
    n_classes : int
    in_channels : int
    image_size : int, side of the (square) input images; must be divisible by 4
    channels : (int, int), filters of the two conv layers
    hidden : int, width of the dense layer
    dropout : float, dropout probability before the dense layers
    """

    def __init__(self, n_classes, in_channels=1, image_size=32, channels=(8, 16), hidden=32, dropout=0.25):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be divisible by 4, got {image_size}")
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(c2 * (image_size // 4) ** 2, hidden), nn.ReLU(),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.head(self.features(x))
        ### END SOLUTION


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """Image classifier: a :class:`SmallCNN` trained with Adam on the cross-entropy.

    Parameters
    ----------
    channels : (int, int), default=(8, 16)
    hidden : int, default=32
    dropout : float, default=0.25
    augment : bool, default=True
        Train on randomly rotated (multiples of 90 degrees) and flipped copies.
    n_epochs : int, default=10
    batch_size : int, default=64
    learning_rate : float, default=3e-3
    weight_decay : float, default=0
    random_state : int, default=0
        Seeds weights, batch order, dropout and augmentations.
    device : str, default="auto"
        ``"auto"``, ``"cpu"`` or ``"cuda"``, see :func:`reference.deep.device.get_device`.

    Attributes
    ----------
    classes_ : ndarray, model_ : SmallCNN, loss_curve_ : list of float, device_ : torch.device
    """

    def __init__(self, channels=(8, 16), hidden=32, dropout=0.25, augment=True, n_epochs=10,
                 batch_size=64, learning_rate=3e-3, weight_decay=0.0, random_state=0, device="auto"):
        self.channels = channels
        self.hidden = hidden
        self.dropout = dropout
        self.augment = augment
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.device = device

    def _images(self, X):
        X = np.asarray(X, dtype=np.float32)
        if X.ndim not in (3, 4) or X.shape[-1] != X.shape[-2]:
            raise ValueError(f"X must hold square images, shape (N, H, W) or (N, C, H, W); got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinity")
        return X

    def fit(self, X, y):
        """Train on images ``X`` (N, H, W) or (N, C, H, W) with labels ``y``."""
        X = self._images(X)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("CNNClassifier needs at least 2 classes")
        self.device_ = get_device(self.device)
        set_seed(self.random_state)
        Xt = as_image_tensor(X, self.device_)
        yt = torch.as_tensor(y_idx, dtype=torch.long, device=self.device_)
        self.model_ = SmallCNN(len(self.classes_), Xt.shape[1], Xt.shape[-1], tuple(self.channels),
                               self.hidden, self.dropout).to(self.device_)
        ### BEGIN SOLUTION
        self.loss_curve_ = train_epochs(
            self.model_, Xt, yt, nn.functional.cross_entropy, n_epochs=self.n_epochs,
            batch_size=self.batch_size, lr=self.learning_rate, weight_decay=self.weight_decay,
            generator=make_generator(self.random_state), augment=self.augment)
        ### END SOLUTION
        return self

    def _logits(self, X):
        if not hasattr(self, "model_"):
            raise RuntimeError("CNNClassifier is not fitted yet; call fit first")
        return predict_batched(self.model_, as_image_tensor(self._images(X), self.device_))

    def predict_proba(self, X):
        """Class probabilities (N, n_classes), columns ordered as ``classes_``."""
        return torch.softmax(self._logits(X), dim=1).cpu().numpy()

    def predict(self, X):
        """Most probable class of each image."""
        return self.classes_[self._logits(X).argmax(dim=1).cpu().numpy()]
