"""Grading into the gradebook: parallel, idempotent, resumable, never losing a grade."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.errors import CourseError
from course.exchange import collect, ensure_inbox, submit
from course.export import export, gradebook_table
from course.feedback import write_feedback
from course.gradebook import Grade, open_gradebook
from course.grading import grade_adhoc, grade_collected
from course.release import release

HERE = Path(__file__).resolve().parent
DUE = datetime(2030, 1, 1, tzinfo=timezone.utc)


def _partial(reference_text: str) -> str:
    """The reference with only mean() implemented."""
    from course.release import strip_solutions

    full, stub = strip_solutions(reference_text, keep_solutions=True), strip_solutions(reference_text)
    return full.split("def standardise")[0] + "def standardise" + stub.split("def standardise", 1)[1]


@pytest.fixture
def collected(config, tmp_path):
    """Four students submitted (perfect, stub, partial, late-perfect) and were collected."""
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    part = release(config=config, assignment_id="toy", out=tmp_path / "part", solution=True)
    (part / "toy.py").write_text(_partial((config.root / "lib" / "toy.py").read_text()))
    ensure_inbox(config.exchange_path, "toy")
    book = open_gradebook(config)
    for sid in ("perfect", "stub", "partial", "late"):
        book.add_student(sid)
    book.close()
    on_time = DUE - timedelta(days=1)
    received = {}  # the simulated clock of the exchange (a real one reads the kernel's time)
    for sid, d in (("perfect", sol), ("stub", stub), ("partial", part)):
        received[Path(submit(assignment_id="toy", student_id=sid, directory=d, now=on_time)["path"]).name] = on_time
    (sol / "toy.py").write_text((sol / "toy.py").read_text() + "\n# late\n")
    late = DUE + timedelta(hours=36)
    received[Path(submit(assignment_id="toy", student_id="late", directory=sol, now=late)["path"]).name] = late
    assert not collect(config=config, assignment_id="toy", received_at=lambda p, st: received[p.name])["rejected"]
    return config


def _grades(config) -> dict[str, tuple]:
    book = open_gradebook(config)
    try:
        out = {}
        for sid, sub in book.latest_submissions("toy").items():
            g = book.grade_of(sub.id)
            out[sid] = None if g is None else (g.status, g.score, g.graded_at, len(g.checks))
        return out
    finally:
        book.close()


def test_grade_collected_scores_penalises_and_is_idempotent(collected, fake_engine):
    doc = grade_collected(config=collected, assignment_id="toy", workers=2, progress=None)
    assert sorted(s["student"] for s in doc["submissions"]) == ["late", "partial", "perfect", "stub"]
    g = _grades(collected)
    assert {k: v[1] for k, v in g.items()} == {"perfect": 6.0, "stub": 0.0, "partial": 2.0, "late": 6.0}
    again = grade_collected(config=collected, assignment_id="toy", progress=None)
    assert again["submissions"] == [] and again["already_graded"] == 4
    assert _grades(collected) == g  # nothing regraded
    table = gradebook_table(config=collected, assignment_id="toy")
    late_row = next(line for line in table.splitlines() if line.startswith("late"))
    # 36 h late = 2 started days x 25 % of 6 points = 3 points lost
    assert late_row.split() == ["late", "graded", "6/6", "2d", "3", "3"]


def test_not_graded_never_overwrites_a_grade_and_is_retried(collected, fake_engine, monkeypatch):
    import course.grading

    def broken(spec, paths, *, sandbox, workers, progress):
        out = []
        for p in paths:
            r = {"path": str(p), "status": "not_graded", "score": 0.0, "max_score": 0.0,
                 "error": "docker daemon not running", "checks": []}
            progress(r)
            out.append(r)
        return {"assignment": spec.assignment, "submissions": out}

    monkeypatch.setattr(course.grading, "_grade_submissions", broken)
    grade_collected(config=collected, assignment_id="toy", progress=None)
    assert {v[0] for v in _grades(collected).values()} == {"not_graded"}
    rows = {r["student"]: r for r in json.loads(export(config=collected, fmt="json"))["grades"]}
    assert rows["perfect"]["status"] == "not_graded" and rows["perfect"]["final"] == 0.0
    monkeypatch.setattr(course.grading, "_grade_submissions", fake_engine)
    grade_collected(config=collected, assignment_id="toy", progress=None)  # retried, now graded
    graded = _grades(collected)
    assert graded["perfect"][:2] == ("graded", 6.0)
    monkeypatch.setattr(course.grading, "_grade_submissions", broken)
    grade_collected(config=collected, assignment_id="toy", progress=None, regrade=True)
    assert _grades(collected) == graded  # the infrastructure failure did not replace any grade


def test_adjustments_export_and_feedback(collected, fake_engine, tmp_path):
    grade_collected(config=collected, assignment_id="toy", progress=None)
    book = open_gradebook(collected)
    book.add_adjustment(student_id="stub", assignment_id="toy", points=1.5, reason="good README")
    with pytest.raises(CourseError, match="needs a reason"):
        book.add_adjustment(student_id="stub", assignment_id="toy", points=1, reason=" ")
    with pytest.raises(CourseError, match="unknown student"):
        book.add_adjustment(student_id="ghost", assignment_id="toy", points=1, reason="x")
    book.add_student("absent")
    book.close()
    csv_text = export(config=collected, fmt="csv", out=tmp_path / "grades.csv")
    assert (tmp_path / "grades.csv").read_text() == csv_text
    lines = csv_text.splitlines()
    assert lines[0] == ("student,assignment,status,score,max_score,late_days,penalty,adjustment,final,"
                        "manual,manual_max,final_max")
    assert "stub,toy,graded,0,6,0,0,1.5,1.5,0,0,6" in lines  # one number format: no 0 next to 0.0
    assert "absent,toy,missing,0,6,0,0,0,0,0,0,6" in lines
    files = write_feedback(config=collected, assignment_id="toy", out=tmp_path / "fb")
    assert sorted(p.name for p in files) == sorted(f"{s}.{e}" for s in ("late", "partial", "perfect", "stub")
                                                   for e in ("md", "html"))
    md = (tmp_path / "fb" / "late.md").read_text()
    assert "**Score: 3 / 6**" in md and "2 day(s) late" in md and "50 % penalty" in md
    partial = (tmp_path / "fb" / "partial.html").read_text()
    assert "test_standardise" in partial and "failed" in partial and "hidden/" not in partial
    stub_md = (tmp_path / "fb" / "stub.md").read_text()
    assert "good README" in stub_md and "adjustment +1.5" in stub_md
    hidden_src = (collected.root / "assignments" / "toy" / "hidden" / "test_hidden.py").read_text()
    for p in files:
        text = p.read_text()
        assert "hidden-test-source-must-not-leak" not in text and "default_rng(hidden_seed" not in text
    assert "SECRET_EXPECTED_MARKER" in hidden_src  # the check above looks for something real


def test_grade_collected_needs_collected_submissions(config, fake_engine):
    with pytest.raises(CourseError, match="no collected submissions"):
        grade_collected(config=config, assignment_id="toy", progress=None)
    with pytest.raises(CourseError, match="unknown assignment"):
        grade_collected(config=config, assignment_id="nope", progress=None)


def test_grade_adhoc_returns_the_engine_document_with_a_progress_bar(collected, fake_engine, tmp_path, capsys):
    paths = [Path(s.path) for s in open_gradebook(collected).submissions("toy")]
    doc = grade_adhoc(config=collected, assignment_id="toy", paths=paths, workers=2)
    assert doc["assignment"] == "toy" and len(doc["submissions"]) == 4
    assert "4/4" in capsys.readouterr().err
    with pytest.raises(CourseError, match="no such file"):
        grade_adhoc(config=collected, assignment_id="toy", paths=[tmp_path / "missing.zip"])


def test_gradebook_locked_is_a_clear_error(config, monkeypatch):
    import course.gradebook as gb

    open_gradebook(config).close()
    monkeypatch.setattr(gb, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(config.root / "gradebook.sqlite", timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CourseError, match=r"gradebook .* is locked by another process"):
            open_gradebook(config).add_student("zoe")
    finally:
        holder.rollback()
        holder.close()
    mode = sqlite3.connect(config.root / "gradebook.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    book = open_gradebook(config)
    assert [s.id for s in book.students()] == []  # nothing half-written
    book.add_student("zoe")
    assert [s.id for s in book.students()] == ["zoe"]
    book.close()


KILL_SCRIPT = """
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import conftest as fixtures
import course.grading as grading
from course.config import load_config

def slow_engine(spec, paths, *, sandbox, workers, progress):
    for i, p in enumerate(paths):
        r = fixtures.fake_grade_submissions(spec, [p])["submissions"][0]
        progress(r)
        time.sleep(0.05 if i < 1 else 300)  # hang after two results: the parent kills us
    raise AssertionError("not reached")

grading._grade_submissions = slow_engine
grading.grade_collected(config=load_config(sys.argv[3]), assignment_id="toy", progress=None)
"""


def test_kill_9_mid_batch_then_rerun_finishes_the_rest_without_duplicates(collected, fake_engine):
    repo = HERE.parents[1]
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(repo), str(HERE), str(collected.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [v for v in _grades(collected).values() if v is not None]
            if len(done) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = _grades(collected)
    assert sum(v is not None for v in before.values()) == 2
    doc = grade_collected(config=collected, assignment_id="toy", progress=None)
    assert len(doc["submissions"]) == 2 and doc["already_graded"] == 2
    after = _grades(collected)
    assert all(v is not None and v[0] == "graded" for v in after.values())
    for sid, v in before.items():
        if v is not None:
            assert after[sid] == v  # not graded twice
    book = open_gradebook(collected)
    with book.session() as s:
        assert s.query(Grade).count() == 4
    book.close()


@pytest.mark.parametrize("hours, expected", [(0, 0.0), (1, 0.25), (24, 0.25), (25, 0.5), (72, 0.75), (73, 1.0)])
def test_late_policy_per_started_day_with_cutoff(config, hours, expected):
    """course.toml: 25 % per started day, cutoff after 3 days (then everything is lost)."""
    from course.gradebook import late_fraction

    assert late_fraction(hours * 3600.0, config.late) == pytest.approx(expected)
