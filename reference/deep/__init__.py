"""Deep-learning reference models in torch, each small enough to train on a CPU in seconds.

=====================  ============================================================
``device``             ``get_device`` (GPU when present, else CPU), ``set_seed``
``training``           mini-batches, rotation/flip augmentation, ``psnr``, ``accuracy``
``cnn``                ``CNNClassifier`` (conv, pooling, dropout, augmentation)
``autoencoder``        ``ConvAutoencoder``, ``UNet``, ``Denoiser``
``gan``                ``GAN`` and the ``mmd2`` two-sample statistic
``contrastive``        ``ContrastiveEncoder`` (SimCLR) and ``linear_probe_accuracy``
``flow``               ``RealNVP`` / ``NormalizingFlow`` with exact log-likelihood
``adversarial``        ``fgsm`` / ``fgsm_attack`` adversarial examples
=====================  ============================================================
"""
from .adversarial import fgsm, fgsm_attack, random_sign_perturbation
from .autoencoder import ConvAutoencoder, Denoiser, UNet
from .cnn import CNNClassifier, SmallCNN
from .contrastive import ContrastiveEncoder, linear_probe_accuracy, nt_xent_loss
from .device import get_device, make_generator, set_seed
from .flow import NormalizingFlow, RealNVP, gaussian_log_likelihood
from .gan import GAN, mmd2
from .training import accuracy, psnr

__all__ = [
    "get_device", "set_seed", "make_generator", "accuracy", "psnr",
    "SmallCNN", "CNNClassifier", "ConvAutoencoder", "UNet", "Denoiser", "GAN", "mmd2",
    "ContrastiveEncoder", "linear_probe_accuracy", "nt_xent_loss",
    "RealNVP", "NormalizingFlow", "gaussian_log_likelihood",
    "fgsm", "fgsm_attack", "random_sign_perturbation",
]
