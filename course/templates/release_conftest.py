"""Lets plain ``pytest`` run these public checks in your release folder.

``course check`` runs them through the course kit; this file gives plain ``pytest`` the
same ``student`` fixture: your own modules from this folder, imported directly (no
sandbox: it is your code on your machine).  Written by ``course release``; do not edit.
"""
import importlib
import os
import sys
from pathlib import Path

import pytest

_RELEASE = str(Path(__file__).resolve().parents[1])


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points of a check")
    config.addinivalue_line("markers", "timeout(seconds): time limit of a check")
    config.addinivalue_line("markers", "needs(*checks): prerequisites of a check")
    config.addinivalue_line("markers", "forbid_imports(*modules): modules a check bans")


class _YourModules:
    """``student.trees`` is your ``trees.py``."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if _RELEASE not in sys.path:
            sys.path.insert(0, _RELEASE)
        return importlib.import_module(name)


if "COURSEKIT_GRADER_CONFIG" not in os.environ:  # under `course check` the grader provides these

    @pytest.fixture(scope="session")
    def student():
        """Your modules (``student.<module>``), imported from the release folder."""
        return _YourModules()
