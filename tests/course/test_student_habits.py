"""Students' habits: plain `pytest` in a release, `course check` messages that teach."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from course.config import load_config
from course.grading import check_public
from course.release import release

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    base = tmp_path_factory.mktemp("rel")
    config = load_config(ROOT)
    return {kind: release(config=config, assignment_id="trees", out=base / kind, solution=kind == "solution")
            for kind in ("stub", "solution")}


def plain_pytest(folder: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(folder)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=300)


def test_plain_pytest_in_a_release_runs_the_public_checks(releases):
    done = plain_pytest(releases["solution"])
    assert done.returncode == 0, done.stdout[-2000:]
    assert "passed" in done.stdout and "fixture 'student' not found" not in done.stdout
    stub = plain_pytest(releases["stub"])
    assert stub.returncode == 1
    assert "NotImplementedError" in stub.stdout and "fixture 'student' not found" not in stub.stdout


def test_public_check_shows_the_failing_assertion(releases, tmp_path):
    work = tmp_path / "work"
    import shutil

    shutil.copytree(releases["solution"], work)
    trees = work / "trees.py"
    text = trees.read_text()
    # entropy in nats instead of bits: a plausible mistake the public check catches
    assert "np.log2(" in text
    trees.write_text(text.replace("np.log2(", "np.log(", 1))
    doc = check_public(assignment_id=None, directory=work)
    (result,) = doc["submissions"]
    failed = [c for c in result["checks"] if c["status"] == "failed"]
    assert failed, result["checks"]
    message = next(c["message"] for c in failed if "test_impurities" in c["id"])
    assert "assert" in message and "0.69" in message  # the values, as pytest explains them
    passed = [c for c in result["checks"] if c["status"] == "passed"]
    assert passed and all(c["message"] == c["id"].rsplit("::", 1)[-1] for c in passed)


def test_course_check_outside_a_release_says_where_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli.app, ["check"])
    assert r.exit_code == 1
    assert ".assignment.json" in r.output
