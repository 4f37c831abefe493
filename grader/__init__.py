"""The autograder: hidden pytest checks on the trusted side, student code in a sandbox.

See ``shared/DESIGN.md`` ("The trust boundary").  Public entry points:

- :class:`grader.spec.GradingSpec` / :class:`grader.spec.Limits`: what to grade and how.
- :func:`grader.engine.grade_submission` / :func:`grader.engine.grade_submissions`:
  grade one or many submissions, returning the JSON contract of ``course grade --json``.
"""
from grader.spec import GradingSpec, Limits

__all__ = ["GradingSpec", "Limits"]
