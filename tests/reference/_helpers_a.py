"""Helpers for the tests of the first half of the reference library (H4's modules)."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference"
MODULES_A = ["losses", "linear_model", "preprocessing", "neighbors", "naive_bayes",
             "kernel_regression", "metrics", "model_selection", "inspection"]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def stub_source(source: str, where: str = "<reference>") -> str:
    """The student version of a reference module, made by the course's own release code."""
    from course.release import strip_solutions

    return strip_solutions(source, where=where)


def load_source(name: str, source: str):
    """Import ``source`` as a fresh module called ``name`` (not registered in sys.modules)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def public_api(module) -> dict[str, set[str]]:
    """Public names of a module, with the public methods of each class."""
    api = {}
    for name in getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")]):
        obj = getattr(module, name)
        api[name] = {m for m in dir(obj) if not m.startswith("_")} if isinstance(obj, type) else set()
    return api


def numeric_grad(f, x, eps=1e-6):
    """Central finite-difference gradient of the scalar function ``f`` at ``x``."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


IMPORT_RE = re.compile(r"^\s*(from|import)\s+([\w.]+)", re.M)
