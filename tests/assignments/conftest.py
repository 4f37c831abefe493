"""Fixtures of the assignment tests: this repository's course graded with a fresh secret."""
from __future__ import annotations

import secrets

import pytest


@pytest.fixture(scope="module", autouse=True)
def course_secret():
    """A random course secret for this module's hidden grading (never committed).

    Set through ``COURSE_SECRET``, so a developer's own ``.course-secret`` is not needed
    and never used; each run draws new hidden data (the checks must hold for any seed).
    """
    value = secrets.token_hex(32)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COURSE_HIDDEN_SEED", raising=False)
        mp.setenv("COURSE_SECRET", value)
        yield value
