"""Adversarial examples with the fast gradient sign method (Goodfellow, Shlens & Szegedy 2015).

A classifier's loss ``L(x, y)`` grows fastest, to first order and under a max-norm budget
``||delta||_inf <= epsilon``, along the sign of its input gradient::

    x_adv = x + epsilon * sign(grad_x L(x, y))

A perturbation far below the noise level of an image can flip a network's decision,
whereas random sign noise of the same size barely matters.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .training import as_image_tensor

__all__ = ["fgsm", "fgsm_attack", "random_sign_perturbation"]


def fgsm(model, x, y, epsilon):
    """FGSM on a torch model: ``x + epsilon * sign(d cross_entropy(model(x), y) / dx)``.

    Parameters
    ----------
    model : nn.Module returning logits (put in evaluation mode here)
    x : tensor (N, C, H, W) on the model's device
    y : tensor (N,) of class indices
    epsilon : float >= 0, max-norm size of the perturbation

    Returns
    -------
    x_adv : tensor like ``x`` (detached)
    """
    if epsilon < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon!r}")
    model.eval()
    ### BEGIN SOLUTION
    x = x.clone().detach().requires_grad_(True)
    loss = nn.functional.cross_entropy(model(x), y)
    grad, = torch.autograd.grad(loss, x)
    return (x + epsilon * grad.sign()).detach()
    ### END SOLUTION


def fgsm_attack(classifier, X, y, epsilon):
    """FGSM against a fitted :class:`reference.deep.cnn.CNNClassifier` on numpy images.

    Returns the adversarial images with the shape of ``X`` (numpy, float32).
    """
    if not hasattr(classifier, "model_"):
        raise RuntimeError("the classifier is not fitted yet")
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    lookup = {c: i for i, c in enumerate(classifier.classes_.tolist())}
    try:
        y_idx = np.array([lookup[v] for v in y.tolist()])
    except KeyError as err:
        raise ValueError(f"label {err.args[0]!r} is not one of the classifier's classes") from None
    xt = as_image_tensor(X, classifier.device_)
    yt = torch.as_tensor(y_idx, dtype=torch.long, device=classifier.device_)
    return fgsm(classifier.model_, xt, yt, epsilon).cpu().numpy().reshape(X.shape)


def random_sign_perturbation(X, epsilon, random_state=0):
    """Baseline: ``X + epsilon * s`` with random signs ``s``, the same max-norm as FGSM."""
    rng = np.random.default_rng(random_state)
    X = np.asarray(X, dtype=np.float32)
    return (X + epsilon * rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=X.shape)).astype(np.float32)
