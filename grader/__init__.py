"""The autograder: hidden pytest checks on the trusted side, student code in a sandbox.

See ``shared/DESIGN.md`` ("The trust boundary").  Public entry points:

- :class:`grader.spec.GradingSpec` / :class:`grader.spec.Limits`: what to grade and how.
- :func:`grader.engine.grade_submission` / :func:`grader.engine.grade_submissions`:
  grade one or many submissions, returning the JSON contract of ``course grade --json``.
"""
from grader.spec import GradingSpec, Limits

__all__ = ["GradingSpec", "Limits", "Fail"]


def __getattr__(name):
    # ``grader.Fail`` (a check failure shown verbatim) lives in the pytest plugin; loaded
    # lazily so that ``import grader`` does not import pytest.
    if name == "Fail":
        from grader.plugin import Fail

        return Fail
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
