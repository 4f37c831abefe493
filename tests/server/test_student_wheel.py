"""Students install no solutions: the student wheel (``course student-wheel``) is built here,
its file list is searched for solutions and hidden checks, and it is installed into a
fresh virtual environment whose ``course`` logs in, fetches, checks, submits, reads its
status and its feedback against a live server on 127.0.0.1.

The fresh environment gets the third-party libraries (typer, httpx, numpy, pytest, ...)
from this interpreter's site-packages through a ``.pth`` line (offline, fast); that line
adds a plain folder, so this checkout's editable install of the kit is *not* active there:
``course`` and ``grader`` come from the wheel alone, and ``reference``/``cli`` do not exist.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.server.conftest import LiveServer, make_course


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    from course.student_dist import build_student_wheel

    return build_student_wheel(out=tmp_path_factory.mktemp("dist"), repo=ROOT)


def _solution_lines() -> set[str]:
    """Distinctive lines of every solution region of the reference and the assignments."""
    lines: set[str] = set()
    for path in list(ROOT.glob("reference/**/*.py")) + list(ROOT.glob("assignments/*/solution/**/*.py")):
        inside = False
        for line in path.read_text().splitlines():
            s = line.strip()
            if re.match(r"###\s*BEGIN SOLUTION", s):
                inside = True
            elif re.match(r"###\s*END SOLUTION", s):
                inside = False
            elif inside and len(s) >= 30 and not s.startswith("#"):
                lines.add(s)
    return lines


def test_wheel_holds_the_student_side_and_no_solution_or_hidden_check(wheel):
    from course.student_dist import audit_tree, hidden_check_names

    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        texts = {n: zf.read(n).decode("utf-8", "replace") for n in names}
    tops = {n.split("/")[0] for n in names}
    assert tops == {"course", "grader", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}, tops
    for needed in ("course/student_cli.py", "course/client.py", "course/grading.py", "grader/engine.py",
                   "grader/_worker/worker.py"):
        assert needed in names
    for forbidden in ("cli.py", "course/release.py", "course/server.py", "course/authoring.py", "course/demo.py",
                      "grader/image.py"):
        assert forbidden not in names
    assert not [n for n in names if n.startswith(("reference/", "assignments/")) or "/solution" in n
                or "/hidden" in n or "example_assignment" in n]
    hidden = hidden_check_names(ROOT)
    assert len(hidden) >= 6  # every assignment's hidden checks were found to compare with
    assert not [n for n in names if n.rsplit("/", 1)[-1] in hidden - {"__init__.py"}]
    assert not [n for n in names if re.search(r"(^|/)(test_[^/]*|conftest)\.py$", n)]
    # no solution region: no marker line and no distinctive line of any reference solution
    markers = [n for n, t in texts.items()
               if re.search(r"^\s*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$", t, re.M)]
    assert not markers
    solution = _solution_lines()
    assert len(solution) > 100  # the fingerprint is real
    leaked = [(n, s) for n, t in texts.items() for s in solution if s in t]
    assert not leaked, leaked[:3]
    entry = texts[next(n for n in names if n.endswith("entry_points.txt"))]
    assert re.search(r"^course = course\.student_cli:main$", entry, re.M)
    # the audit the build runs does find solutions where there are some (it can fail)
    problems = audit_tree(ROOT / "course", hidden)
    assert any("example_assignment/solution" in p for p in problems)
    assert any("example_assignment/hidden" in p for p in problems)


@pytest.fixture(scope="module")
def student_venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "-q", str(wheel)], check=True)
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_SECRET", "VIRTUAL_ENV")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "student-config")
    return env


def test_installed_wheel_has_only_the_student_commands(student_venv, tmp_path):
    env = _env(tmp_path)
    where = subprocess.run([str(student_venv / "bin" / "python"), "-c",
                            "import course, grader; print(course.__file__); print(grader.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout.split()
    assert all(p.startswith(str(student_venv)) for p in where), where
    for absent in ("reference", "cli", "course.server", "course.release"):
        r = subprocess.run([str(student_venv / "bin" / "python"), "-c", f"import {absent}"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
        assert r.returncode != 0 and "ModuleNotFoundError" in r.stderr, (absent, r.stderr)
    out = subprocess.run([str(student_venv / "bin" / "course"), "--help"], capture_output=True, text=True,
                         env={**env, "COLUMNS": "120"}, cwd=tmp_path, check=True).stdout
    commands = set(re.findall(r"^│ (\w[\w-]*)\s", out, re.M))
    assert commands == {"check", "fetch", "submit", "login", "status", "feedback"}, out


@pytest.mark.slow
def test_installed_wheel_logs_in_fetches_checks_submits_and_reads_feedback(student_venv, tmp_path, monkeypatch):
    from course.config import load_config
    from course.release import release
    from course.secret import SECRET_ENV
    from course.server import create_app
    from course.tokens import issue_tokens

    monkeypatch.delenv(SECRET_ENV, raising=False)
    config = load_config(make_course(tmp_path, on_submit="public"))
    tokens = dict(issue_tokens(config=config, students=["alice"], instructor=True))
    solution = (release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True) / "toy.py").read_text()
    app = create_app(config, sandbox="none")
    srv = LiveServer(app)
    env = _env(tmp_path)
    course = str(student_venv / "bin" / "course")

    def student(*args, cwd=tmp_path, ok=True):
        r = subprocess.run([course, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
        assert (r.returncode == 0) == ok, (args, r.stdout, r.stderr)
        return r.stdout

    try:
        assert "as alice" in student("login", "--server", srv.url, "--token", tokens["alice"])
        assert (Path(env["XDG_CONFIG_HOME"]) / "course-kit" / "client.json").stat().st_mode & 0o777 == 0o600
        assert "toy" in student("status")
        student("fetch", "toy", "--out", "toy")
        work = tmp_path / "toy"
        assert (work / "toy.py").is_file() and (work / ".assignment.json").is_file()
        assert not list(work.rglob("test_hidden*.py"))
        stub = student("check", cwd=work)  # the released stub fails the public checks
        assert re.search(r"public checks: 0/[1-9]", stub) and "NotImplementedError" in stub, stub
        (work / "toy.py").write_text(solution)
        checked = student("check", cwd=work)
        assert re.search(r"public checks: (\d+)/\1 ", checked), checked
        assert "submitted toy" in student("submit", cwd=work)
        deadline = time.monotonic() + 180
        while True:
            rows = json.loads(student("status", "--json", cwd=work))
            if rows and rows[0]["result"]["state"] == "done":
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.5)
        assert rows[0]["result"]["score"] == rows[0]["result"]["max_score"] > 0
        # the instructor grades and releases feedback; the student's wheel fetches it
        with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {tokens['instructor']}"},
                          timeout=60) as http:
            job = http.post("/api/instructor/assignments/toy/grade").json()["job"]
            while (state := http.get(f"/api/instructor/jobs/{job}").json())["state"] in ("queued", "running"):
                assert time.monotonic() < deadline + 180, state
                time.sleep(0.5)
            assert state["state"] == "done" and state["result"]["graded"] == 1, state
            assert http.post("/api/instructor/assignments/toy/feedback").json()["released"] == 1
        fetched = student("feedback", cwd=work)
        report = work / "feedback" / "toy-report.md"
        assert str(report) in fetched or "toy-report.md" in fetched
        assert "alice" in report.read_text() or "toy" in report.read_text()
    finally:
        srv.stop()
        app.state.queue.shutdown()
        app.state.book.close()
