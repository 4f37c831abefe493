"""The ``course`` command line: every command's happy path and its bad input."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from cli import app
from cli_helpers import fails, run



@pytest.fixture
def course(course_root):
    run("roster", "add", "alice", "--name", "Alice A", "--course", course_root)
    run("roster", "add", "bob", "--course", course_root)
    return course_root


def test_help_lists_every_command():
    out = run("--help").output
    for cmd in ("assignments", "release", "check", "submit", "roster", "collect", "grade", "feedback", "export",
                "gradebook", "adjust", "demo", "image"):
        assert cmd in out


def test_assignments_json_counts_hidden_points(course_root):
    rows = json.loads(run("assignments", "--json", "--course", course_root).output)
    assert rows == [{"id": "toy", "title": "Toy assignment", "max_points": 6.0, "student_files": ["toy.py"],
                     "due": "2030-01-01T00:00:00+00:00"}]


def test_no_course_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fails("assignments", match="no course.toml found")


def test_release_and_unknown_assignment(course, tmp_path):
    out = run("release", "toy", "--out", tmp_path / "rel", "--course", course).output
    assert "released toy" in out and (tmp_path / "rel" / "toy.py").is_file()
    fails("release", "nope", "--out", tmp_path / "x", "--course", course, match="unknown assignment 'nope'")
    assert not (tmp_path / "x").exists()


def test_check_runs_the_public_tests_through_the_engine(course, tmp_path):
    run("release", "toy", "--out", tmp_path / "stub", "--course", course)
    run("release", "toy", "--out", tmp_path / "sol", "--solution", "--course", course)
    good = run("check", "--dir", tmp_path / "sol").output
    assert "PASS" in good and "public checks: 1/1" in good
    named = run("check", "toy", "--dir", tmp_path / "sol", "--course", course).output  # tests from the course
    assert "public checks: 1/1" in named
    bad = run("check", "--dir", tmp_path / "stub").output
    assert "public checks: 0/1" in bad and "NotImplementedError" in bad
    (tmp_path / "stub" / "toy.py").unlink()
    fails("check", "--dir", tmp_path / "stub", match="missing file toy.py")


def test_submit_and_its_bad_input(course, tmp_path):
    run("release", "toy", "--out", tmp_path / "rel", "--course", course)
    out = run("submit", "--student", "alice", "--dir", tmp_path / "rel").output
    assert out.startswith("submitted at ")
    fails("submit", "--student", "mallory", "--dir", tmp_path / "rel", match="not on the course roster")
    fails("submit", "--student", "a/b", "--dir", tmp_path / "rel", match="invalid student id")
    fails("submit", "other", "--student", "alice", "--dir", tmp_path / "rel", match="not 'other'")
    (tmp_path / "rel" / "toy.py").unlink()
    fails("submit", "--student", "alice", "--dir", tmp_path / "rel", match="missing file toy.py")


def test_submit_to_an_unwritable_exchange(course, tmp_path, monkeypatch):
    import os

    run("release", "toy", "--out", tmp_path / "rel", "--course", course)
    inbox = course / "exchange" / "inbox" / "toy"
    inbox.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: make the kernel's answer explicit
        real_open = os.open

        def deny(path, *a, **k):
            if str(path).startswith(str(inbox)):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *a, **k)

        monkeypatch.setattr(os, "open", deny)
    try:
        fails("submit", "--student", "alice", "--dir", tmp_path / "rel", match="is not writable")
    finally:
        inbox.chmod(0o1733)
    assert list(inbox.iterdir()) == []


def test_gradebook_at_any_sqlalchemy_url(course_root, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'book.db'}"
    (tmp_path / "elsewhere").mkdir()
    toml = course_root / "course.toml"
    toml.write_text(toml.read_text().replace('sandbox = "none"', f'sandbox = "none"\ngradebook = "{url}"'))
    run("roster", "add", "zoe", "--course", course_root)
    assert (tmp_path / "elsewhere" / "book.db").is_file() and not (course_root / "gradebook.sqlite").exists()
    assert "zoe" in run("roster", "list", "--course", course_root).output


def test_submit_after_the_deadline(course, tmp_path):
    toml = course / "course.toml"
    toml.write_text(toml.read_text().replace("toy = 2030-01-01T00:00:00Z", "toy = 2001-01-01T00:00:00Z"))
    run("release", "toy", "--out", tmp_path / "rel", "--course", course)
    fails("submit", "--student", "alice", "--dir", tmp_path / "rel", match="late submissions are closed")
    assert not any((course / "exchange" / "inbox" / "toy").iterdir())


def test_roster_import_list_and_bad_csv(course_root, tmp_path):
    good = tmp_path / "roster.csv"
    good.write_text("id,name,email,unix_user\nzoe,Zoe Z,zoe@example.org,zz\nyan,Yan Y,,\n")
    assert "imported 2 new" in run("roster", "import", good, "--course", course_root).output
    rows = json.loads(run("roster", "list", "--json", "--course", course_root).output)
    assert rows == [{"id": "yan", "name": "Yan Y", "email": "", "unix_user": ""},
                    {"id": "zoe", "name": "Zoe Z", "email": "zoe@example.org", "unix_user": "zz"}]
    assert "updated yan" in run("roster", "add", "yan", "--unix-user", "1234", "--course", course_root).output
    fails("roster", "add", "xia", "--unix-user", "zz", "--course", course_root, match="already belongs to student 'zoe'")
    fails("roster", "add", "xia", "--unix-user", "no way", "--course", course_root, match="invalid unix user")
    shared = tmp_path / "shared.csv"
    shared.write_text("id,unix_user\nw1,same\nw2,same\n")
    fails("roster", "import", shared, "--course", course_root, match="given to more than one student")
    taken = tmp_path / "taken.csv"
    taken.write_text("id,unix_user\nw3,zz\n")
    fails("roster", "import", taken, "--course", course_root, match="already belongs to student 'zoe'")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nok1,A\nnot ok!,B\n")
    fails("roster", "import", bad, "--course", course_root, match="bad.csv:3: invalid student id")
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("name\nA\n")
    fails("roster", "import", nohead, "--course", course_root, match="'id'")
    fails("roster", "import", tmp_path / "missing.csv", "--course", course_root, match="does not exist")
    ids = [r["id"] for r in json.loads(run("roster", "list", "--json", "--course", course_root).output)]
    assert ids == ["yan", "zoe"]  # nothing half-imported


def _submitted(course, tmp_path):
    run("release", "toy", "--out", tmp_path / "stub", "--course", course)
    run("release", "toy", "--out", tmp_path / "sol", "--solution", "--course", course)
    run("submit", "--student", "alice", "--dir", tmp_path / "sol")
    run("submit", "--student", "bob", "--dir", tmp_path / "stub")


def test_collect_grade_feedback_export_gradebook_adjust(course, tmp_path, fake_engine):
    _submitted(course, tmp_path)
    out = run("collect", "toy", "--course", course).output
    assert "2 new, 0 already collected, 0 rejected" in out
    assert "0 new, 2 already collected" in run("collect", "toy", "--course", course).output
    assert "graded 2 submission(s), 0 not graded, 0 already graded" in run("grade", "toy", "--course", course).output
    assert "graded 0 submission(s), 0 not graded, 2 already graded" in run("grade", "toy", "--course", course).output
    run("adjust", "toy", "--student", "bob", "--points", "2", "--reason", "regrade request", "--course", course)
    table = run("gradebook", "toy", "--course", course).output
    assert [ln.split()[:3] for ln in table.splitlines()[2:]] == [["alice", "graded", "6/6"], ["bob", "graded", "0/6"]]
    assert table.splitlines()[3].split()[-2:] == ["+2", "2"]
    overview = run("gradebook", "--course", course).output
    assert overview.splitlines()[0].split() == ["student", "toy", "total"]
    text = run("export", "--course", course).output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["student"], r["final"]) for r in rows] == [("alice", "6"), ("bob", "2")]
    run("export", "--format", "json", "--out", tmp_path / "g.json", "--course", course)
    doc = json.loads((tmp_path / "g.json").read_text())
    assert doc["grades"][0]["checks"][0]["status"] == "passed"
    out = run("feedback", "toy", "--out", tmp_path / "fb", "--course", course).output
    assert "wrote 4 report file(s)" in out and (tmp_path / "fb" / "bob.html").is_file()
    fails("adjust", "toy", "--student", "ghost", "--points", "1", "--reason", "x", "--course", course,
          match="unknown student 'ghost'")
    fails("export", "--format", "xml", "--course", course, match="unknown export format")
    fails("feedback", "nope", "--course", course, match="unknown assignment")
    fails("gradebook", "nope", "--course", course, match="no collected submissions")


def test_collect_reports_a_corrupt_zip_and_keeps_the_good_ones(course, tmp_path):
    _submitted(course, tmp_path)
    (course / "exchange" / "inbox" / "toy" / "alice.20291231T000000Z.x.zip").write_bytes(b"not a zip at all")
    result = fails("collect", "toy", "--course", course, match="1 submission(s) rejected")
    assert "corrupt zip" in result.stderr
    assert "2 new" in result.output


def test_grade_adhoc_json_to_stdout(course, tmp_path, fake_engine):
    run("release", "toy", "--out", tmp_path / "sol", "--solution", "--course", course)
    result = run("grade", "toy", tmp_path / "sol", "--json", "-", "--course", course)
    doc = json.loads(result.stdout)
    assert doc["assignment"] == "toy" and doc["submissions"][0]["score"] == 6.0
    fails("grade", "toy", tmp_path / "missing", "--course", course, match="no such file or directory")
    fails("grade", "nope", tmp_path / "sol", "--course", course, match="unknown assignment")
    fails("grade", "toy", "--course", course, match="no collected submissions")


def test_gradebook_locked(course, monkeypatch):
    import course.gradebook as gb

    monkeypatch.setattr(gb, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(course / "gradebook.sqlite")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        fails("roster", "add", "zed", "--course", course, match="is locked by another process")
    finally:
        holder.rollback()
        holder.close()


def test_demo_runs_the_whole_loop_with_the_real_engine(tmp_path):
    """The embedded example, graded by the real engine (sandbox none: no Docker needed)."""
    out = run("demo", "--dir", tmp_path / "demo", "--assignment", "example", "--sandbox", "none").output
    rows = list(csv.DictReader((tmp_path / "demo" / "export" / "grades.csv").open()))
    final = {r["student"]: float(r["final"]) for r in rows}
    assert final == {"ada": 8.0, "bruno": 0.0, "chandra": 4.0, "dmitri": 6.4, "eve": 0.0}
    assert {r["status"] for r in rows} == {"graded"}
    assert (tmp_path / "demo" / "feedback" / "example" / "eve.html").is_file()
    assert "feedback reports:" in out and "dmitri" in out
    fails("demo", "--dir", tmp_path / "demo", match="is not empty")


def test_demo_default_uses_a_real_assignment_and_the_cheat_scores_zero(tmp_path):
    """README's first command: the demo picks a real assignment; every file of the
    malicious student exits at import, so it scores 0 despite a fake results file."""
    out = run("demo", "--dir", tmp_path / "demo", "--sandbox", "none").output
    assert "assignment:  linear-models" in out
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "demo" / "export" / "grades.csv").open())}
    final = {sid: float(r["final"]) for sid, r in rows.items()}
    top = final["ada"]
    assert top > 0 and final["bruno"] == 0.0 and final["eve"] == 0.0
    assert 0 < final["chandra"] < top
    assert final["dmitri"] == pytest.approx(top * 0.8)  # 36 h late: two started days at 10 %
