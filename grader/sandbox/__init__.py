"""Sandbox backends behind one interface (see :mod:`grader.sandbox.base`).

- :func:`get_backend` maps a name (``"docker"``, ``"bwrap"``, ``"none"``; ``"inprocess"``
  for benchmarks and tests only) to its :class:`~grader.sandbox.base.Backend` class,
  importing it lazily.
- :func:`resolve_backend` returns a ready backend instance; ``"auto"`` picks the strongest
  one available here (docker, then bwrap, then the unsafe ``none`` with a loud warning).
"""
from __future__ import annotations

import importlib
import sys
import warnings

from grader.sandbox.base import Backend

__all__ = ["BACKENDS", "SandboxUnavailable", "UnsafeSandboxWarning", "get_backend", "resolve_backend"]

#: name -> (module, class); imported on first use.
BACKENDS = {
    "docker": ("grader.sandbox.docker", "DockerBackend"),
    "bwrap": ("grader.sandbox.bwrap", "BwrapBackend"),
    "none": ("grader.sandbox.none", "NoneBackend"),
    "inprocess": ("grader.sandbox.inprocess", "InProcessBackend"),
}
#: Order in which ``auto`` tries the real sandboxes.
AUTO_ORDER = ("docker", "bwrap")


class SandboxUnavailable(RuntimeError):
    """The requested sandbox backend cannot run here (the message says why)."""


class UnsafeSandboxWarning(UserWarning):
    """Student code runs without a sandbox (backend ``none``)."""


def _missing_backend(name: str, reason: str) -> type[Backend]:
    """A stand-in class for a backend whose module cannot be imported."""

    class MissingBackend(Backend):
        safe = True

        @classmethod
        def available(cls) -> tuple[bool, str]:
            return False, reason

        def start(self, submission_dir, *, limits, gpu=False, image=None):
            raise SandboxUnavailable(f"sandbox backend {name!r} unavailable: {reason}")

    MissingBackend.name = name
    MissingBackend.__name__ = MissingBackend.__qualname__ = f"Missing{name.capitalize()}Backend"
    return MissingBackend


def get_backend(name: str) -> type[Backend]:
    """The backend class called ``name``.

    A known backend whose module cannot be imported yields a stand-in class whose
    ``available()`` is ``(False, reason)``, so callers report it instead of crashing.

    Raises
    ------
    ValueError
        ``name`` is not a known backend.
    """
    if name not in BACKENDS:
        raise ValueError(f"unknown sandbox backend {name!r}; choose one of {', '.join(BACKENDS)}")
    module_name, class_name = BACKENDS[name]
    try:
        module = importlib.import_module(module_name)
        return getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        return _missing_backend(name, f"cannot load {module_name}.{class_name}: {exc}")


def resolve_backend(name: str = "auto") -> Backend:
    """A ready-to-use backend instance.

    ``"auto"`` returns docker if available, else bwrap, else ``none`` with a loud
    :class:`UnsafeSandboxWarning` (also printed to stderr).  A named backend that is not
    available raises :class:`SandboxUnavailable` with the reason.
    """
    if name == "auto":
        reasons = []
        for candidate in AUTO_ORDER:
            cls = get_backend(candidate)
            ok, reason = cls.available()
            if ok:
                return cls()
            reasons.append(f"{candidate}: {reason}")
        message = ("NO SANDBOX: student code will run as a plain subprocess with your privileges "
                   "(sandbox 'none', unsafe; " + "; ".join(reasons) + ")")
        warnings.warn(message, UnsafeSandboxWarning, stacklevel=2)
        sys.stderr.write(f"WARNING: {message}\n")
        return get_backend("none")()
    cls = get_backend(name)
    ok, reason = cls.available()
    if not ok:
        raise SandboxUnavailable(f"sandbox backend {name!r} unavailable: {reason}")
    return cls()
