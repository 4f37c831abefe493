"""End to end through the grading engine: attack submissions graded in parallel, in bwrap
and in Docker (shared/SECURITY.md 11-17, 25).

The fixture assignment (``fixtures/e2e``) has three one-point checks: ``square`` (honest
in every submission), ``work`` (where each attack lives) and ``square`` again after
``work`` (the worker restarts after a crash).  One batch per backend, two submissions at a
time, every attack next to honest submissions; the tests assert on that batch.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.engine import grade_submissions
from grader.spec import GradingSpec, Limits

from sandbox_helpers import FIXTURES, host_processes_with, wait_until

pytestmark = pytest.mark.slow

E2E = FIXTURES / "e2e"
LIMITS = Limits(check_timeout=3, total_timeout=60, memory_mb=256, pids=32, cpus=1.0, scratch_mb=16,
                output_bytes=4000)
SPEC = GradingSpec("sandbox-e2e", E2E / "hidden", ("mod.py",), limits=LIMITS, seed=7)
BATCH = ["honest", "memory_bomb", "fork_bomb", "busy_loop", "blocking_input", "output_flood",
         "network", "daemon", "disk_bomb", "honest"]
_RESULTS: dict[str, dict] = {}


def _batch(backend_name: str, tmp_path_factory) -> dict:
    if backend_name not in _RESULTS:
        root = tmp_path_factory.mktemp(f"e2e-{backend_name}")
        paths = []
        for i, name in enumerate(BATCH):
            sub = root / f"{i:02d}-{name}"
            sub.mkdir()
            (sub / "mod.py").write_text((E2E / "attacks" / f"{name}.py").read_text())
            paths.append(sub)
        t0 = time.monotonic()
        doc = grade_submissions(SPEC, paths, sandbox=backend_name, workers=2)
        _RESULTS[backend_name] = {
            "elapsed": time.monotonic() - t0,
            "by_name": {name: sub for name, sub in zip(BATCH, doc["submissions"])},
            "all": doc["submissions"],
        }
    return _RESULTS[backend_name]


def _check(result: dict, name: str) -> dict:
    return next(c for c in result["checks"] if c["id"].endswith(f"::{name}"))


@pytest.fixture
def batch(safe_backend, tmp_path_factory):
    return _batch(safe_backend.name, tmp_path_factory)


def test_every_submission_is_graded_and_honest_ones_get_full_marks(batch):
    for result in batch["all"]:
        assert result["status"] == "graded", result
    honest = [r for r in batch["all"] if r["path"].endswith("-honest")]
    assert len(honest) == 2
    for r in honest:
        assert (r["score"], r["max_score"]) == (3.0, 3.0), r


@pytest.mark.parametrize("attack", [a for a in BATCH if a != "honest"])
def test_attack_loses_exactly_the_attacked_check(batch, attack):
    result = batch["by_name"][attack]
    assert result["status"] == "graded", result
    assert _check(result, "test_square")["status"] == "passed"
    assert _check(result, "test_work")["status"] != "passed", _check(result, "test_work")
    # grading goes on after the attack: a fresh worker answers the last check
    assert _check(result, "test_square_again")["status"] == "passed", result
    assert result["score"] == 2.0


def test_limits_are_named_in_the_messages(batch):
    assert "memory limit (256 MB)" in _check(batch["by_name"]["memory_bomb"], "test_work")["message"]
    for attack in ("busy_loop", "blocking_input", "output_flood"):
        check = _check(batch["by_name"][attack], "test_work")
        assert check["status"] == "timeout", (attack, check)


def test_no_daemon_survives_grading(batch):
    assert wait_until(lambda: not host_processes_with("e2e-daemon-MARKER"), 10)
