"""Train time and quality of each deep reference model, on the CPU and (if present) a GPU.

Usage: ``python benchmarks/deep_models.py [--threads N] [--scale S]``.  ``--scale``
multiplies the training-set sizes (1 = the sizes of the test suite).  Prints one line per
model and device; with a GPU, also the CPU/GPU time ratio measured in this same run.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.datasets import make_moons  # noqa: E402

from reference.datasets.images import make_galaxy_stamps, make_real_bogus_stamps  # noqa: E402
from reference.deep import (GAN, CNNClassifier, ContrastiveEncoder, Denoiser, NormalizingFlow,  # noqa: E402
                            fgsm_attack, gaussian_log_likelihood, linear_probe_accuracy, mmd2, psnr)


def _moons(n, seed):
    X, _ = make_moons(n, noise=0.06, random_state=seed)
    return (X - np.array([0.5, 0.25])) / np.array([0.87, 0.5])


def bench_cnn(device, s):
    X, y = make_galaxy_stamps(int(800 * s), size=32, random_state=1)
    Xt, yt = make_galaxy_stamps(400, size=32, random_state=2)
    t = time.perf_counter()
    m = CNNClassifier(n_epochs=8, device=device).fit(X, y)
    dt = time.perf_counter() - t
    acc = m.score(Xt, yt)
    adv = m.score(fgsm_attack(m, Xt, yt, 0.05), yt)
    return dt, f"test accuracy {acc:.3f}; FGSM eps=0.05 accuracy {adv:.3f}"


def bench_denoiser(arch):
    def run(device, s):
        clean, _ = make_galaxy_stamps(int(300 * s), size=32, noise=0.0, random_state=3)
        noisy = clean + 0.15 * np.random.default_rng(0).standard_normal(clean.shape).astype(np.float32)
        ct, _ = make_galaxy_stamps(100, size=32, noise=0.0, random_state=4)
        nt = ct + 0.15 * np.random.default_rng(1).standard_normal(ct.shape).astype(np.float32)
        t = time.perf_counter()
        d = Denoiser(arch, n_epochs=6, device=device).fit(noisy, clean)
        dt = time.perf_counter() - t
        return dt, f"PSNR gain {psnr(ct, d.predict(nt)) - psnr(ct, nt):.1f} dB"
    return run


def bench_flow(device, s):
    X, Xt = _moons(int(1000 * s), 0), _moons(1000, 1)
    t = time.perf_counter()
    f = NormalizingFlow(hidden=32, n_epochs=30, device=device).fit(X)
    dt = time.perf_counter() - t
    return dt, f"test log-lik {f.score(Xt):.3f} vs Gaussian {gaussian_log_likelihood(X, Xt):.3f}"


def bench_gan(device, s):
    X, Xt = _moons(int(2000 * s), 0), _moons(500, 1)
    t = time.perf_counter()
    g = GAN(n_steps=1500, device=device).fit(X)
    dt = time.perf_counter() - t
    gauss = np.random.default_rng(0).multivariate_normal(X.mean(0), np.cov(X, rowvar=False), 500)
    return dt, f"MMD^2 {mmd2(g.sample(500, 1), Xt):.5f} vs Gaussian fit {mmd2(gauss, Xt):.5f}"


def bench_contrastive(device, s):
    X, _, k = make_real_bogus_stamps(int(800 * s), size=20, random_state=5, return_kinds=True)
    Xt, _, kt = make_real_bogus_stamps(400, size=20, random_state=6, return_kinds=True)
    X, Xt = X / 10, Xt / 10
    t = time.perf_counter()
    enc = ContrastiveEncoder(n_epochs=10, device=device).fit(X)
    dt = time.perf_counter() - t
    rnd = ContrastiveEncoder(device=device).random_encoder(X)
    probe = lambda e: linear_probe_accuracy(e.transform(X[:40]), k[:40], e.transform(Xt), kt)  # noqa: E731
    return dt, f"probe accuracy (40 labels) {probe(enc):.3f} vs random encoder {probe(rnd):.3f}"


MODELS = {
    "cnn+fgsm": bench_cnn,
    "unet": bench_denoiser("unet"),
    "autoencoder": bench_denoiser("autoencoder"),
    "realnvp": bench_flow,
    "gan": bench_gan,
    "simclr": bench_contrastive,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply training-set sizes")
    parser.add_argument("--only", nargs="*", choices=sorted(MODELS), help="run only these models")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    else:
        print("GPU: none found; CPU timings only")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, scale {args.scale}")
    for name in args.only or MODELS:
        times = {}
        for dev in devices:
            if dev == "cuda":  # warm up CUDA context and kernels outside the timed run
                MODELS[name](dev, 0.1)
                torch.cuda.synchronize()
            dt, quality = MODELS[name](dev, args.scale)
            times[dev] = dt
            print(f"{name:12s} {dev:5s} train {dt:7.2f} s   {quality}", flush=True)
        if "cuda" in times:
            print(f"{name:12s} CPU/GPU train-time ratio {times['cpu'] / times['cuda']:.2f}")


if __name__ == "__main__":
    main()
