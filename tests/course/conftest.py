"""Fixtures of the course workflow tests: a tiny course copied per test, a fake engine."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

#: The fixture course's checks are data for the tests, not tests of this suite.
collect_ignore = ["fixtures"]

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "course"

#: The fake engine's checks: (check id, points, functions whose body must be implemented).
FAKE_CHECKS = [
    ("hidden/test_hidden.py::test_mean", 2.0, ["mean"]),
    ("hidden/test_hidden.py::test_standardise", 1.0, ["standardise"]),
    ("hidden/test_hidden.py::TestRegressor::test_predicts_mean", 3.0, ["fit", "predict"]),
]


def _implemented(source: str) -> set[str]:
    """Names of functions in ``source`` whose body does not raise NotImplementedError."""
    done = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            stub = any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(node))
            if not stub:
                done.add(node.name)
    return done


def fake_grade_submissions(spec, paths, *, sandbox="auto", workers=1, progress=None):
    """Stands in for grader.engine.grade_submissions: scores by inspecting the source.

    A path containing a file named ``INFRA_FAIL`` gives a not_graded result.
    """
    subs = []
    for path in paths:
        path = Path(path)
        if (path / "INFRA_FAIL").exists():
            r = {"path": str(path), "status": "not_graded", "score": 0.0, "max_score": 6.0,
                 "error": "sandbox unavailable", "checks": []}
        else:
            done = _implemented((path / "toy.py").read_text())
            checks = []
            for cid, pts, needs in FAKE_CHECKS:
                ok = all(n in done for n in needs)
                checks.append({"id": cid, "status": "passed" if ok else "failed", "points": pts if ok else 0.0,
                               "max_points": pts, "message": "" if ok else f"{cid.split('::')[-1]} failed: see the docstring"})
            r = {"path": str(path), "status": "graded", "score": sum(c["points"] for c in checks),
                 "max_score": 6.0, "error": None, "checks": checks}
        subs.append(r)
        if progress:
            progress(r)
    return {"assignment": spec.assignment, "submissions": subs}


@pytest.fixture
def course_root(tmp_path, monkeypatch) -> Path:
    """A copy of the fixture course with its own random secret (never committed)."""
    from course.secret import SECRET_ENV, create_secret

    monkeypatch.delenv(SECRET_ENV, raising=False)  # the course's own file, not the caller's env
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    create_secret(root)
    return root


@pytest.fixture
def config(course_root):
    from course.config import load_config

    return load_config(course_root)


@pytest.fixture
def fake_engine(monkeypatch):
    import course.grading

    monkeypatch.setattr(course.grading, "_grade_submissions", fake_grade_submissions)
    return fake_grade_submissions
