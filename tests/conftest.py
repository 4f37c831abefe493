"""Shared fixtures for the project's own test suite."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_client_login(tmp_path_factory, monkeypatch):
    """No test sees the developer's own `course login` (the client config would route
    `course submit` to a server): XDG_CONFIG_HOME points at an empty folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def require(ok: bool, reason: str, what: str) -> None:
    """Skip here, fail in CI: the one policy for tests that need a backend or a daemon.

    In CI every backend is installed and started by ``.ci/run``; there a missing one is
    a failure (``CI=true``), never a skip.  ``what`` names the missing thing, ``reason``
    says why it is missing.
    """
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} must be available in CI: {reason}")
    pytest.skip(f"{what} unavailable here: {reason}")


def backend_or_skip(name: str):
    """The sandbox backend ``name``, or skip (fail in CI) with the reason it cannot exist here."""
    from grader.sandbox import get_backend  # noqa: WPS433 (import where needed)

    backend_cls = get_backend(name)
    require(*backend_cls.available(), f"sandbox backend {name!r}")
    return backend_cls()


@pytest.fixture(scope="session")
def backend_for():
    """:func:`backend_or_skip` for fixtures that choose the backend themselves."""
    return backend_or_skip


@pytest.fixture(params=["bwrap", "docker"])
def safe_backend(request):
    """Each real sandbox backend in turn (bubblewrap, Docker)."""
    return backend_or_skip(request.param)


@pytest.fixture
def bwrap_backend():
    """The bubblewrap backend (a failure in CI when missing, a skip elsewhere)."""
    return backend_or_skip("bwrap")


@pytest.fixture
def docker_backend():
    """A fresh Docker backend (skip here, fail in CI, when Docker or its image is missing)."""
    return backend_or_skip("docker")
