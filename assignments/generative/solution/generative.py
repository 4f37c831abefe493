"""Generative and self-supervised models: a denoising U-net, a normalising flow, and
contrastive learning with a linear probe.

Everything here takes and returns numpy arrays or *state dicts* (plain ``dict`` of
parameter name -> tensor), never a model object: that is how the grader talks to your
code.  The grader loads the weights you return into its own copy of each architecture,
by parameter name, and measures the result itself.

1. ``DenoisingUNet`` (images ``(N, 1, S, S)``, ``S`` even), a one-level U-net::

       enc:  conv 3x3 (1 -> 16, padding 1) -> ReLU             (full resolution, kept: e)
       down: max-pool 2x2 -> conv 3x3 (16 -> 32, padding 1) -> ReLU
       up:   transposed conv 2x2, stride 2 (32 -> 16)          (back to full resolution: u)
       dec:  conv 3x3 (32 -> 16, padding 1) on concat([u, e]) -> ReLU
       out:  conv 1x1 (16 -> 1)

   trained on pairs (noisy, clean) with the mean squared error: the noise is drawn afresh
   for every batch, the target is the clean stamp.

2. ``RealNVP`` on vectors ``(N, D)``: ``n_layers`` affine coupling layers with alternating
   masks (layer 0 keeps the even coordinates, layer 1 the odd ones, ...) and a standard
   normal base.  A coupling layer with mask ``m`` computes, from the kept coordinates,
   ``s, t = net(m * x)`` (``net``: dense D -> H -> H -> 2D with ReLUs, its output split in
   two halves), then ``s = tanh(s) * (1 - m)``, ``t = t * (1 - m)`` and::

       y = m * x + (1 - m) * (x * exp(s) + t)          log|det dy/dx| = sum_j s_j

   The exact log-likelihood is ``log p(x) = log N(f(x); 0, I) + log|det df/dx|``.

3. ``Encoder`` (images ``(N, 1, S, S)``, ``S`` divisible by 4) and a projection head::

       encoder: conv 3x3 (1 -> 16, padding 1) -> ReLU -> max-pool 2x2
                conv 3x3 (16 -> 32, padding 1) -> ReLU -> max-pool 2x2
                conv 3x3 (32 -> 32, padding 1) -> ReLU -> global average pool -> h (32)
       head:    dense (32 -> 32) -> ReLU -> dense (32 -> 16) -> z

   trained without labels (SimCLR): two random views of each image are a positive pair,
   the NT-Xent loss pulls their ``z`` together and pushes the other images away.
"""
from __future__ import annotations

import math
import os

import numpy as np
import torch
from torch import nn

ENCODER_WIDTH = 16
FEATURES = 32
PROJECTION = 16


def set_determinism(seed):
    """Seed torch (weights) and use one thread and deterministic kernels, so that the same
    seed gives the same network bit for bit (on a GPU too)."""
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


def to_vectors(X):
    """Samples ``(N, D)`` (numpy) as a float32 tensor."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"samples must have shape (N, D) with D >= 2, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("samples contain NaN or infinity")
    return torch.from_numpy(X.copy())


def state_of(model):
    """The weights of ``model`` as a plain dict of tensors (what the grader receives)."""
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def load_weights(model, state):
    """``model`` with the weights of ``state`` (a dict of arrays or tensors), on the CPU."""
    model.load_state_dict({k: torch.as_tensor(np.asarray(v, dtype=np.float32)) for k, v in state.items()})
    return model


def minibatches(n, batch_size, generator):
    """Index tensors of a random partition of ``range(n)`` into batches (seeded by ``generator``)."""
    return torch.randperm(n, generator=generator).split(batch_size)


# ---------------------------------------------------------------------------------------
# 1. Denoising
# ---------------------------------------------------------------------------------------

class DenoisingUNet(nn.Module):
    """The one-level U-net of the module docstring; the grader loads your weights by the
    names ``enc.0.weight``, ``down.1.weight``, ``up.weight``, ``dec.0.weight``, ``out.weight``
    (and the biases)."""

    def __init__(self, width=16):
        super().__init__()
        ### BEGIN SOLUTION
        self.enc = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU())
        self.down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(2 * width, width, 3, padding=1), nn.ReLU())
        self.out = nn.Conv2d(width, 1, 1)
        ### END SOLUTION

    def forward(self, x):
        """Denoised images ``(N, 1, S, S)`` of noisy images ``x``."""
        ### BEGIN SOLUTION
        e = self.enc(x)
        u = self.up(self.down(e))
        return self.out(self.dec(torch.cat([u, e], dim=1)))
        ### END SOLUTION


def initial_denoiser(seed):
    """The weights of a freshly initialised :class:`DenoisingUNet` (seeded)."""
    set_determinism(seed)
    return state_of(DenoisingUNet())


def train_denoiser(X_clean, sigma, *, n_epochs=10, batch_size=32, learning_rate=3e-3, seed=0):
    """Train a :class:`DenoisingUNet` to recover clean stamps from noisy ones.

    ``set_determinism(seed)`` first, then a ``torch.Generator`` seeded with ``seed`` for the
    batch order (:func:`minibatches`) and the noise.  For every batch of clean stamps ``c``
    draw new Gaussian noise, ``noisy = c + sigma * torch.randn(c.shape, generator=...)``,
    and take an Adam step on the mean squared error between ``net(noisy)`` and ``c``.
    Train on ``device()``.

    Returns
    -------
    state : dict of parameter name -> tensor, the trained weights
    loss_curve : list of float, the mean training loss (per image) of each epoch
    """
    x = to_tensor(X_clean)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma!r}")
    ### BEGIN SOLUTION
    set_determinism(seed)
    model = DenoisingUNet().to(device())
    x = x.to(device())
    generator = torch.Generator().manual_seed(int(seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_curve = []
    for _ in range(n_epochs):
        total = 0.0
        for idx in minibatches(len(x), batch_size, generator):
            clean = x[idx]
            noisy = clean + sigma * torch.randn(clean.shape, generator=generator).to(clean.device)
            optimiser.zero_grad()
            loss = nn.functional.mse_loss(model(noisy), clean)
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        loss_curve.append(total / len(x))
    return state_of(model), loss_curve
    ### END SOLUTION


def denoise(state, X_noisy):
    """The denoised images ``(N, S, S)`` of ``X_noisy`` under the network with weights
    ``state``: no gradient, the images as they are."""
    model = load_weights(DenoisingUNet(), state)
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model(to_tensor(X_noisy))[:, 0].numpy()
    ### END SOLUTION


def psnr(clean, estimate, data_range=None):
    """Peak signal-to-noise ratio of ``estimate`` against ``clean`` in dB, over all pixels:
    ``10 log10(data_range^2 / MSE)``.  ``data_range`` defaults to the range of the *clean*
    images, ``clean.max() - clean.min()``; an exact estimate has infinite PSNR."""
    clean = np.asarray(clean, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    if clean.shape != estimate.shape:
        raise ValueError(f"shapes differ: {clean.shape} and {estimate.shape}")
    ### BEGIN SOLUTION
    if data_range is None:
        data_range = clean.max() - clean.min()
    mse = np.mean((clean - estimate) ** 2)
    return float(10.0 * np.log10(data_range**2 / mse)) if mse > 0 else float("inf")
    ### END SOLUTION


# ---------------------------------------------------------------------------------------
# 2. A normalising flow
# ---------------------------------------------------------------------------------------

class AffineCoupling(nn.Module):
    """One affine coupling layer with a fixed binary ``mask`` (1 = kept).  Its weights are
    ``net.0``, ``net.2``, ``net.4`` (dense D -> H -> H -> 2D); the mask is not a weight."""

    def __init__(self, mask, hidden=32):
        super().__init__()
        self.register_buffer("mask", torch.as_tensor(mask, dtype=torch.float32), persistent=False)
        d = self.mask.numel()
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2 * d))
        nn.init.zeros_(self.net[-1].weight)  # start as the identity map
        nn.init.zeros_(self.net[-1].bias)

    def scale_shift(self, x):
        """``s = tanh(s) (1 - m)`` and ``t (1 - m)`` from the kept coordinates of ``x``."""
        s, t = self.net(x * self.mask).chunk(2, dim=1)
        return torch.tanh(s) * (1 - self.mask), t * (1 - self.mask)

    def forward(self, x):
        """``y`` and ``log|det dy/dx|`` (one value per sample)."""
        ### BEGIN SOLUTION
        s, t = self.scale_shift(x)
        y = self.mask * x + (1 - self.mask) * (x * torch.exp(s) + t)
        return y, s.sum(dim=1)
        ### END SOLUTION

    def inverse(self, y):
        """``x`` such that ``forward(x)[0] == y`` (the kept coordinates of ``y`` are those of ``x``)."""
        ### BEGIN SOLUTION
        s, t = self.scale_shift(y)
        return self.mask * y + (1 - self.mask) * (y - t) * torch.exp(-s)
        ### END SOLUTION


class RealNVP(nn.Module):
    """``n_layers`` coupling layers (``layers.0``, ``layers.1``, ...), layer ``i`` keeping
    the even coordinates when ``i`` is even and the odd ones when ``i`` is odd."""

    def __init__(self, n_features=2, n_layers=6, hidden=32):
        super().__init__()
        even = (torch.arange(n_features) % 2 == 0).float()
        self.layers = nn.ModuleList(AffineCoupling(even if i % 2 == 0 else 1 - even, hidden)
                                    for i in range(n_layers))
        self.n_features = n_features

    def forward(self, x):
        """``z = f(x)`` through every layer in order, and the summed ``log|det df/dx|``."""
        ### BEGIN SOLUTION
        log_det = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det
        ### END SOLUTION

    def log_prob(self, x):
        """The exact ``log p(x)`` of each sample: the standard normal log-density of ``z``
        (with its ``-D/2 log 2 pi``) plus the log-determinant."""
        ### BEGIN SOLUTION
        z, log_det = self(x)
        log_base = -0.5 * (z**2).sum(dim=1) - 0.5 * self.n_features * math.log(2 * math.pi)
        return log_base + log_det
        ### END SOLUTION

    def inverse(self, z):
        """``x = f^{-1}(z)``: the layers' inverses in reverse order."""
        ### BEGIN SOLUTION
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z
        ### END SOLUTION


def initial_flow(n_features, seed):
    """The weights of a freshly initialised :class:`RealNVP` (seeded)."""
    set_determinism(seed)
    return state_of(RealNVP(n_features))


def train_flow(X, *, n_epochs=30, batch_size=128, learning_rate=3e-3, seed=0):
    """Fit a :class:`RealNVP` to samples ``X`` ``(N, D)`` by maximum likelihood.

    ``set_determinism(seed)`` first, a generator seeded with ``seed`` for the batch order
    (:func:`minibatches`), then Adam on the mean negative log-likelihood of each batch.

    Returns
    -------
    state : dict of parameter name -> tensor, the trained weights
    loss_curve : list of float, the mean negative log-likelihood (per sample) of each epoch
    """
    x = to_vectors(X)
    ### BEGIN SOLUTION
    set_determinism(seed)
    model = RealNVP(x.shape[1]).to(device())
    x = x.to(device())
    generator = torch.Generator().manual_seed(int(seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_curve = []
    for _ in range(n_epochs):
        total = 0.0
        for idx in minibatches(len(x), batch_size, generator):
            optimiser.zero_grad()
            loss = -model.log_prob(x[idx]).mean()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        loss_curve.append(total / len(x))
    return state_of(model), loss_curve
    ### END SOLUTION


def flow_log_prob(state, X):
    """``log p(x)`` of each sample of ``X`` ``(N, D)`` under the flow with weights ``state``."""
    x = to_vectors(X)
    model = load_weights(RealNVP(x.shape[1]), state)
    with torch.no_grad():
        return model.log_prob(x).numpy()


def flow_inverse(state, Z):
    """``f^{-1}(z)`` of each row of ``Z`` ``(N, D)`` under the flow with weights ``state``."""
    z = to_vectors(Z)
    model = load_weights(RealNVP(z.shape[1]), state)
    with torch.no_grad():
        return model.inverse(z).numpy()


def flow_sample(state, n_features, n_samples, seed):
    """``n_samples`` draws from the flow: standard normal ``z`` (seeded) through the inverse."""
    z = torch.randn(n_samples, n_features, generator=torch.Generator().manual_seed(int(seed)))
    return flow_inverse(state, z.numpy())


def gaussian_log_likelihood(X_train, X_test):
    """The baseline: the mean log-likelihood of ``X_test`` under the maximum-likelihood
    multivariate Gaussian of ``X_train``."""
    X_train, X_test = np.asarray(X_train, float), np.asarray(X_test, float)
    mu = X_train.mean(axis=0)
    cov = np.atleast_2d(np.cov(X_train, rowvar=False, bias=True))
    diff = X_test - mu
    _, logdet = np.linalg.slogdet(cov)
    maha = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
    return float(np.mean(-0.5 * (maha + logdet + X_train.shape[1] * np.log(2 * np.pi))))


# ---------------------------------------------------------------------------------------
# 3. Contrastive learning
# ---------------------------------------------------------------------------------------

class Encoder(nn.Module):
    """The encoder ``f`` of the module docstring (``net.0``, ``net.3``, ``net.6``: the
    three convolutions): images ``(N, 1, S, S)`` to representations ``h`` ``(N, 32)``."""

    def __init__(self):
        super().__init__()
        w = ENCODER_WIDTH
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, FEATURES, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


def projection_head():
    """The head ``g``: dense (32 -> 32) -> ReLU -> dense (32 -> 16); only training uses it."""
    return nn.Sequential(nn.Linear(FEATURES, FEATURES), nn.ReLU(), nn.Linear(FEATURES, PROJECTION))


def initial_encoder(seed):
    """The weights of a freshly initialised :class:`Encoder` (seeded): the random encoder."""
    set_determinism(seed)
    return state_of(Encoder())


def augment_views(x, generator, noise=0.05, max_shift=2):
    """A random view of each image of ``x`` ``(N, 1, S, S)``: one of the 8 rotations/flips
    of the square, a shift of up to ``max_shift`` pixels (the same for the batch), the
    brightness scaled by U(0.7, 1.3), and Gaussian noise of standard deviation ``noise``."""
    n = x.shape[0]
    k = torch.randint(0, 4, (n,), generator=generator)
    flip = torch.randint(0, 2, (n,), generator=generator).bool()
    out = x.clone()
    for r in range(1, 4):
        out[k == r] = torch.rot90(x[k == r], r, dims=(-2, -1))
    out[flip] = torch.flip(out[flip], dims=(-1,))
    dy, dx = torch.randint(-max_shift, max_shift + 1, (2,), generator=generator).tolist()
    out = torch.roll(out, shifts=(dy, dx), dims=(-2, -1))
    scale = 0.7 + 0.6 * torch.rand(n, 1, 1, 1, generator=generator)
    return out * scale.to(x.device) + noise * torch.randn(out.shape, generator=generator).to(x.device)


def nt_xent_loss(z1, z2, temperature=0.2):
    """The NT-Xent loss of ``N`` positive pairs ``(z1[i], z2[i])`` (tensors ``(N, P)``).

    Normalise the ``2N`` vectors ``z = [z1; z2]`` to unit length; their cosine similarities
    divided by ``temperature`` are logits; for each view ``i`` the cross-entropy of picking
    its partner (``i + N`` for ``i < N``, ``i - N`` otherwise) among the ``2N - 1`` others
    (a view is never compared with itself).  Returns the mean over the ``2N`` views.
    """
    ### BEGIN SOLUTION
    z = nn.functional.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    n = z1.shape[0]
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    partners = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return nn.functional.cross_entropy(logits, partners)
    ### END SOLUTION


def contrastive_loss(Z1, Z2, temperature):
    """:func:`nt_xent_loss` on numpy arrays, as a float (for inspection and grading)."""
    return float(nt_xent_loss(torch.as_tensor(np.asarray(Z1, np.float32)),
                              torch.as_tensor(np.asarray(Z2, np.float32)), temperature))


def train_contrastive(X, *, n_epochs=90, batch_size=128, learning_rate=3e-3, temperature=0.2, seed=0):
    """Train an :class:`Encoder` and a :func:`projection_head` on unlabelled images ``X``
    ``(N, S, S)`` with the NT-Xent loss.

    ``set_determinism(seed)``, then build the encoder and the head (in that order) and one
    Adam optimiser over both; a generator seeded with ``seed`` draws the batch order
    (:func:`minibatches`) and the views.  For every batch (skip a last batch of one image)
    draw two views with :func:`augment_views` and step on
    ``nt_xent_loss(g(f(view1)), g(f(view2)), temperature)``.

    Returns
    -------
    state : dict of parameter name -> tensor, the trained *encoder's* weights (not the head's)
    loss_curve : list of float, the mean loss per image of each epoch
    """
    x = to_tensor(X)
    if len(x) < 2:
        raise ValueError("contrastive training needs at least 2 images")
    ### BEGIN SOLUTION
    set_determinism(seed)
    encoder, head = Encoder().to(device()), projection_head().to(device())
    x = x.to(device())
    generator = torch.Generator().manual_seed(int(seed))
    optimiser = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=learning_rate)
    loss_curve = []
    for _ in range(n_epochs):
        total = 0.0
        for idx in minibatches(len(x), batch_size, generator):
            if len(idx) < 2:
                continue
            view1 = augment_views(x[idx], generator)
            view2 = augment_views(x[idx], generator)
            optimiser.zero_grad()
            loss = nt_xent_loss(head(encoder(view1)), head(encoder(view2)), temperature)
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        loss_curve.append(total / len(x))
    return state_of(encoder), loss_curve
    ### END SOLUTION


def encode(state, X):
    """The representations ``h = f(x)`` ``(N, 32)`` of images ``X`` under the encoder with
    weights ``state``: no gradient, no augmentation, no projection head."""
    model = load_weights(Encoder(), state)
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model(to_tensor(X)).numpy()
    ### END SOLUTION
