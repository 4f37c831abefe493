"""SECURITY item 27 end to end: a hostile submission in bwrap and Docker finds neither the
course secret nor the hidden seed, and its seed search scores nothing.

The submission dumps what it can see (environment, /proc/*/environ and cmdline, its input
arrays, long ints and strings in gc, files under / for a few seconds) and searches seeds
like the attack that broke the 7-digit seed.  The control run gives it a small seed
(the old world): the same attack then wins, so the test can fail.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.secret import SECRET_ENV, create_secret
from grader.engine import grade_submissions
from grader.spec import GradingSpec, Limits

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "secret_leak"
LIMITS = Limits(check_timeout=40, total_timeout=120, memory_mb=1024, pids=64, scratch_mb=16)


def _course(root: Path) -> Path:
    (root / "assignments" / "leak").mkdir(parents=True)
    (root / "course.toml").write_text('[course]\nname = "leak"\nsandbox = "bwrap"\n')
    (root / "assignments" / "leak" / "assignment.toml").write_text(
        'title = "leak"\n[limits]\ncheck_timeout = 40\nmemory_mb = 1024\n[[files]]\nname = "attack.py"\n')
    shutil.copytree(FIXTURE / "hidden", root / "assignments" / "leak" / "hidden")
    create_secret(root)
    return root


def _submission(tmp_path: Path) -> Path:
    sub = tmp_path / "submission"
    sub.mkdir()
    shutil.copy(FIXTURE / "attack.py", sub / "attack.py")
    return sub


def test_hostile_submission_finds_no_secret_and_no_seed(safe_backend, tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    dump = tmp_path / "dump.txt"
    monkeypatch.setenv("CK_LEAK_DUMP", str(dump))
    root = _course(tmp_path / "course")
    secret = (root / ".course-secret").read_text().strip()
    spec = load_assignment(load_config(root), "leak").grading_spec()
    spec = GradingSpec(spec.assignment, spec.tests_dir, spec.student_files, limits=LIMITS, seed=spec.seed)
    assert spec.seed > 2**128
    result = grade_submissions(spec, [_submission(tmp_path)], sandbox=safe_backend, workers=1)["submissions"][0]
    assert result["status"] == "graded", result["error"]
    assert result["score"] == 0.0 and result["checks"][0]["status"] != "passed"
    assert "no seed found" in result["checks"][0]["message"]          # the attack really ran
    text = json.dumps(result)
    seen = dump.read_text() if dump.exists() else ""
    for needle in (secret, str(spec.seed), f"{spec.seed:x}"):
        assert needle not in text and needle not in seen


def test_control_small_seed_is_found_by_the_same_attack(safe_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("CK_LEAK_DUMP", str(tmp_path / "dump.txt"))
    spec = GradingSpec("leak", FIXTURE / "hidden", ("attack.py",), limits=LIMITS, seed=4321)
    result = grade_submissions(spec, [_submission(tmp_path)], sandbox=safe_backend, workers=1)["submissions"][0]
    assert result["status"] == "graded", result["error"]
    assert result["score"] == result["max_score"] == 3.0, result["checks"]
