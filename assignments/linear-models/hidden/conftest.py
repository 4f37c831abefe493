"""Hidden data of the linear-models assignment (trusted side only).

Cluster catalogues come from ``reference.datasets.make_galaxy_clusters`` with the secret
``hidden_seed``; the toy curves for the polynomial, degree-selection and Huber checks
(their slopes, frequencies and phases included) are drawn from the same seed, so no answer
can be hard-coded (SECURITY item 31: the stubs plus constants score 0).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from reference.datasets import make_galaxy_clusters


@lru_cache(maxsize=4)
def _hidden(seed: int) -> dict:
    df = make_galaxy_clusters(600, seed=seed)
    rng = np.random.default_rng(seed)
    X = np.log10(df[["T_X", "Y_SZ", "L_X", "richness"]].to_numpy(float))
    y = np.log10(df["M500"].to_numpy(float))
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)            # standardised for gradient descent
    # a smooth curve with noise for model complexity: few training points, many test ones
    curve = lambda x: 0.6 * np.sin(2.5 * x) + 0.3 * x**2  # noqa: E731
    x_tr = rng.uniform(-1, 1, 30)
    x_va = rng.uniform(-1, 1, 30)
    x_te = rng.uniform(-1, 1, 2000)
    noise = 0.15
    y_tr = curve(x_tr) + noise * rng.normal(size=30)
    y_va = curve(x_va) + noise * rng.normal(size=30)
    y_te = curve(x_te) + noise * rng.normal(size=2000)
    more = np.random.default_rng([seed, 1])  # a separate stream: the data above stays as measured
    # straight lines (one rising, one falling, slopes and intercepts drawn) with 10 % gross
    # outliers on one side, for the Huber check: no fixed slope can be right for both
    huber = []
    for sign in (1.0, -1.0):
        slope, intercept = sign * more.uniform(1.5, 3.0), more.uniform(-1, 1)
        x_h = more.uniform(-2, 2, 200)
        y_h = intercept + slope * x_h + 0.2 * more.normal(size=200)
        bad = more.choice(np.flatnonzero(x_h > 0.5), 20, replace=False)
        y_h[bad] += more.uniform(5, 10, 20)
        huber.append((x_h, y_h, slope))
    # degree selection on curves of different complexity: the curve above, two noisy
    # straight lines with few points (low degrees win) and two fast sines (high degrees
    # win), so no fixed degree generalises on all of them
    selection = [(x_tr, y_tr, x_te, y_te)]
    for kind in ("line", "line", "sine", "sine"):
        if kind == "line":
            a, b = more.uniform(-1, 1, 2)
            f, sd, n = (lambda x, a=a, b=b: a + b * x), 0.3, 12
        else:
            w, phase = more.uniform(7, 8), more.uniform(0, 2 * np.pi)
            f, sd, n = (lambda x, w=w, phase=phase: np.sin(w * x + phase)), 0.05, 60
        xs, xt = more.uniform(-1, 1, n), more.uniform(-1, 1, 2000)
        selection.append((xs, f(xs) + sd * more.normal(size=n), xt, f(xt) + sd * more.normal(size=2000)))
    return {
        "seed": seed, "df": df, "X": X, "Xs": Xs, "y": y,
        "x_tr": x_tr, "y_tr": y_tr, "x_va": x_va, "y_va": y_va, "x_te": x_te, "y_te": y_te,
        "huber": huber, "selection": selection,
    }


@pytest.fixture
def data(hidden_seed):
    return _hidden(int(hidden_seed))
