"""SECURITY item 29, harness side: a check's time limit covers harness-side work, the
harness runs under its own memory limit, and a harness that dies is reported clearly.

These use the ``none`` backend (the bounds are the harness's, not the sandbox's); the
hostile replies themselves are graded on bwrap and Docker in
``tests/sandbox/test_item29_hostile_replies.py``.
"""
from __future__ import annotations

import pytest

from grader.engine import grade_submission
from grader.spec import GradingSpec, Limits

TOY = '''
import time


def add(a, b):
    return a + b


def hang():
    time.sleep(10 ** 6)
'''

CHECKS = '''
import os
import signal
import time

import numpy as np
import pytest


@pytest.mark.timeout(1)
def test_student_hangs(student):
    """A student call that never returns."""
    student.toy.hang()


@pytest.mark.timeout(1)
def test_harness_work_is_slow(student):
    """The check's own work after a student call."""
    assert student.toy.add(1, 2) == 3
    while True:
        pass


@pytest.mark.timeout(1)
def test_harness_work_swallows_the_timeout(student):
    """A check that catches everything still times out (the timer fires again)."""
    assert student.toy.add(1, 2) == 3
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4:
        try:
            while True:
                pass
        except BaseException:
            pass


def test_after_timeouts(student):
    """Runs normally after the timeouts."""
    assert student.toy.add(2, 2) == 4


def test_harness_runs_out_of_memory(student):
    """The check's work needs more than the harness may use."""
    assert student.toy.add(1, 2) == 3
    np.ones(HUGE // 8)


def test_after_memory_error(student):
    """Runs normally after the memory error."""
    assert student.toy.add(3, 2) == 5
'''

HARNESS_MB = 768
LIMITS = Limits(check_timeout=10, total_timeout=60, harness_memory_mb=HARNESS_MB)


@pytest.fixture
def toy(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "toy.py").write_text(TOY)
    return sub


def spec_with(tmp_path, source: str) -> GradingSpec:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_bounds.py").write_text(source)
    return GradingSpec("bounds", hidden, ("toy.py",), limits=LIMITS, seed=1)


def test_time_and_memory_limits_cover_harness_side_work(tmp_path, toy):
    spec = spec_with(tmp_path, CHECKS.replace("HUGE", str(2 * HARNESS_MB * 1024 * 1024)))
    result = grade_submission(spec, toy, sandbox="none", details=True)
    assert result["status"] == "graded", result["error"]
    checks = {c["id"].rsplit("::", 1)[-1]: c for c in result["checks"]}
    # A hung student call: the proxy's deadline, reported exactly as before the timer.
    assert checks["test_student_hangs"]["status"] == "timeout"
    assert checks["test_student_hangs"]["message"].endswith("-- timed out after 1 s")
    for name in ("test_harness_work_is_slow", "test_harness_work_swallows_the_timeout"):
        assert checks[name]["status"] == "timeout", checks[name]
        assert checks[name]["message"].endswith("-- timed out after 1 s"), checks[name]
    memory = checks["test_harness_runs_out_of_memory"]
    assert memory["status"] == "error" and f"its limit is {HARNESS_MB} MB" in memory["message"], memory
    for name in ("test_after_timeouts", "test_after_memory_error"):
        assert checks[name]["status"] == "passed", checks[name]
    assert result["score"] == 2.0
    assert result["harness"]["memory_limit_mb"] == HARNESS_MB
    assert result["harness"]["peak_rss_mb"] < HARNESS_MB


def test_a_killed_harness_leaves_the_submission_not_graded_naming_the_check(tmp_path, toy):
    spec = spec_with(tmp_path, '''
import os
import signal


def test_first(student):
    """Fine."""
    assert student.toy.add(1, 1) == 2


def test_dies(student):
    """The harness dies here (as C code aborting at the memory limit would)."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_never_reached(student):
    """Not run."""
''')
    result = grade_submission(spec, toy, sandbox="none")
    assert result["status"] == "not_graded" and result["checks"] == []
    assert "killed by SIGKILL while running test_bounds.py::test_dies" in result["error"], result["error"]
    assert f"memory limit is {HARNESS_MB} MB" in result["error"]
