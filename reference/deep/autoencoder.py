"""Image-to-image networks: a convolutional autoencoder and a small U-net, for denoising.

``ConvAutoencoder`` squeezes a stamp through a bottleneck (H/4 x W/4) and decodes it again:
it can only reproduce what it learnt to compress, which removes noise but also fine detail.
``UNet`` (Ronneberger et al. 2015) adds skip connections that carry full-resolution
features past the bottleneck to the decoder, so detail survives.  ``Denoiser`` trains
either on pairs (noisy, clean) with the mean squared error and predicts clean images.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn

from .device import get_device, make_generator, set_seed
from .training import as_image_tensor, predict_batched, train_epochs

__all__ = ["ConvAutoencoder", "UNet", "Denoiser"]


def _conv_block(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU())


class ConvAutoencoder(nn.Module):
    """Encoder: two stride-2 convolutions (H -> H/4); decoder: two transposed convolutions.

    Parameters
    ----------
    in_channels : int
    width : int, channels of the first layer (the second has ``2 * width``)
    """

    def __init__(self, in_channels=1, width=16):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(width, in_channels, 4, stride=2, padding=1),
        )

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.decoder(self.encoder(x))
        ### END SOLUTION


class UNet(nn.Module):
    """A two-level U-net: conv block, pool, conv block, pool, bottleneck, and back up with
    transposed convolutions whose output is concatenated with the encoder features of the
    same resolution (the skip connections).  One 3x3 convolution per block keeps it tiny.

    Parameters
    ----------
    in_channels : int
    out_channels : int
    width : int, channels at full resolution (doubled at each level)
    """

    def __init__(self, in_channels=1, out_channels=1, width=8):
        super().__init__()
        w = width
        self.enc1 = _conv_block(in_channels, w)
        self.enc2 = _conv_block(w, 2 * w)
        self.bottleneck = _conv_block(2 * w, 4 * w)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2)
        self.dec2 = _conv_block(4 * w, 2 * w)
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2)
        self.dec1 = _conv_block(2 * w, w)
        self.out = nn.Conv2d(w, out_channels, 1)

    def forward(self, x):
        ### BEGIN SOLUTION
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottleneck(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.out(d1)
        ### END SOLUTION


class Denoiser(BaseEstimator):
    """Learn ``clean = f(noisy)`` with a U-net or an autoencoder and the mean squared error.

    Parameters
    ----------
    architecture : {"unet", "autoencoder"}, default="unet"
    width : int, default=8
    augment : bool, default=True, rotate/flip input and target together
    n_epochs : int, default=10
    batch_size : int, default=32
    learning_rate : float, default=3e-3
    random_state : int, default=0
    device : str, default="auto"

    Attributes
    ----------
    model_ : nn.Module, loss_curve_ : list of float, device_ : torch.device
    """

    def __init__(self, architecture="unet", width=8, augment=True, n_epochs=10, batch_size=32,
                 learning_rate=3e-3, random_state=0, device="auto"):
        self.architecture = architecture
        self.width = width
        self.augment = augment
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.device = device

    def fit(self, noisy, clean):
        """Train on image pairs of shape (N, H, W) (H and W divisible by 4)."""
        noisy, clean = np.asarray(noisy, np.float32), np.asarray(clean, np.float32)
        if noisy.shape != clean.shape or noisy.ndim not in (3, 4):
            raise ValueError(f"noisy and clean must be image stacks of equal shape, got {noisy.shape} and {clean.shape}")
        if noisy.shape[-1] % 4 or noisy.shape[-2] % 4:
            raise ValueError(f"image sides must be divisible by 4, got {noisy.shape[-2:]}")
        if self.architecture not in ("unet", "autoencoder"):
            raise ValueError(f"architecture must be 'unet' or 'autoencoder', got {self.architecture!r}")
        self.device_ = get_device(self.device)
        set_seed(self.random_state)
        X = as_image_tensor(noisy, self.device_)
        Y = as_image_tensor(clean, self.device_)
        if self.architecture == "unet":
            self.model_ = UNet(X.shape[1], X.shape[1], self.width)
        else:
            self.model_ = ConvAutoencoder(X.shape[1], self.width)
        self.model_.to(self.device_)
        ### BEGIN SOLUTION
        self.loss_curve_ = train_epochs(
            self.model_, X, Y, nn.functional.mse_loss, n_epochs=self.n_epochs,
            batch_size=self.batch_size, lr=self.learning_rate,
            generator=make_generator(self.random_state), augment=self.augment)
        ### END SOLUTION
        return self

    def predict(self, noisy):
        """Denoised images, same shape as ``noisy``."""
        if not hasattr(self, "model_"):
            raise RuntimeError("Denoiser is not fitted yet; call fit first")
        noisy = np.asarray(noisy, np.float32)
        out = predict_batched(self.model_, as_image_tensor(noisy, self.device_)).cpu().numpy()
        return out.reshape(noisy.shape)
