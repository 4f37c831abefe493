"""Backend ``inprocess``: no worker at all, for benchmarks and the grader's own tests.

The ``student`` fixture imports the submission straight into the pytest process, so
student code shares a process with the hidden checks: never use it to grade real work.
It exists to measure what the sandbox costs (``benchmarks/``).
"""
from __future__ import annotations

from grader.sandbox.base import Backend


class InProcessBackend(Backend):
    """Marker backend: :mod:`grader.plugin` imports the submission directly."""

    name = "inprocess"
    safe = False

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, ""

    def start(self, submission_dir, *, limits, gpu=False, image=None):
        raise RuntimeError("the inprocess backend runs no worker; grader.plugin imports the submission itself")
