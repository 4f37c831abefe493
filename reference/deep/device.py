"""Device handling and seeding for the torch models.

``get_device("auto")`` picks a CUDA GPU when one is present and the CPU otherwise; every
model in ``reference.deep`` takes a ``device`` argument and returns numpy arrays on the
CPU, so calling code never needs to know where the work was done.  ``set_seed`` makes CPU
runs repeatable (the number of threads, ``torch.set_num_threads``, is the caller's
business: it changes the order of floating-point sums).
"""
from __future__ import annotations

import torch

__all__ = ["get_device", "set_seed", "make_generator"]


def get_device(prefer="auto"):
    """The ``torch.device`` to compute on.

    Parameters
    ----------
    prefer : {"auto", "cpu", "cuda"} or torch.device
        ``"auto"``: the first CUDA GPU if available, else the CPU.  ``"cuda"`` raises
        ``RuntimeError`` when no GPU is present; ``"cpu"`` always works.
    """
    if isinstance(prefer, torch.device):
        prefer = prefer.type if prefer.index is None else f"{prefer.type}:{prefer.index}"
    if not isinstance(prefer, str):
        raise ValueError(f"prefer must be 'auto', 'cpu', 'cuda' or a torch.device, got {prefer!r}")
    if prefer == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if prefer == "cpu":
        return torch.device("cpu")
    if prefer.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError("a CUDA device was requested but none is available; use prefer='auto' or 'cpu'")
        return torch.device(prefer)
    raise ValueError(f"prefer must be 'auto', 'cpu', 'cuda' or a torch.device, got {prefer!r}")


def set_seed(seed):
    """Seed torch's global generator (weight initialisation, dropout) on CPU and GPU.

    Also asks cuDNN for deterministic convolution algorithms, which is cheap for the tiny
    models here.  Returns ``seed`` so it can be chained.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed


def make_generator(seed):
    """A CPU ``torch.Generator`` seeded with ``seed`` (mini-batch order, augmentations)."""
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g
