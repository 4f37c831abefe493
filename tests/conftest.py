"""Shared fixtures for the project's own test suite."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def backend_or_skip(name: str):
    """The sandbox backend ``name``, or skip with the reason it cannot exist here.

    In CI every backend is installed and started by ``.ci/run``; there a missing backend
    is a failure, not a skip (``CI=true`` turns the skip into an error).
    """
    import os

    from grader.sandbox import get_backend  # noqa: WPS433 (import where needed)

    backend_cls = get_backend(name)
    ok, reason = backend_cls.available()
    if not ok:
        if os.environ.get("CI") == "true" and name != "none":
            pytest.fail(f"sandbox backend {name!r} must be available in CI: {reason}")
        pytest.skip(f"sandbox backend {name!r} unavailable here: {reason}")
    return backend_cls()


@pytest.fixture(params=["bwrap", "docker"])
def safe_backend(request):
    """Each real sandbox backend in turn (bubblewrap, Docker)."""
    return backend_or_skip(request.param)


@pytest.fixture
def bwrap_backend():
    """The bubblewrap backend (a failure in CI when missing, a skip elsewhere)."""
    return backend_or_skip("bwrap")
