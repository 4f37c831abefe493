"""Fixtures of the assignment tests: this repository's course graded with a fresh secret."""
from __future__ import annotations

import secrets

import pytest


@pytest.fixture(scope="module", autouse=True)
def course_secret():
    """A random course secret for this module's hidden grading (never committed).

    Set through ``COURSE_SECRET``, so a developer's own ``.course-secret`` is not needed
    and never used.  The grading tests then replace the derived seed with the fixed test
    seed ``test_assignments_grading.GRADING_SEED`` (reproducible runs); the seeds tests
    grade many fixed seeds.
    """
    value = secrets.token_hex(32)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COURSE_HIDDEN_SEED", raising=False)
        mp.setenv("COURSE_SECRET", value)
        yield value
