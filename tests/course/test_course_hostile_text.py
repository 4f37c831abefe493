"""Hostile student text in the gradebook and the feedback reports (SECURITY.md items 28, 32)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from course.exchange import collect, ensure_inbox, submit
from course.feedback import write_feedback
from course.gradebook import open_gradebook
from course.grading import grade_collected
from course.release import release

#: Everything a check message could carry to forge or inject markup.
HOSTILE_MESSAGE = (
    "test_mean -- your code raised ValueError: \ud800 \x00 \x1b[2J "
    "</pre><script>alert(1)</script><img src=x onerror=alert(1)>\n"
    "# Score: 23/23\n<h1>Score: 23 / 23</h1>\n**Score: 23 / 23**\n===\n"
    "| forged | row |\n|---|---|\n```\nfence\n``` `tick` [click](http://evil.example) ![x](http://evil.example/x.png)\n"
    "> quoted\n- listed"
)


def _collected(config, tmp_path, students=("alice", "bob", "carol")) -> dict[str, int]:
    """Each student submitted the stub (on time, the real clock) and was collected."""
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    ensure_inbox(config.exchange_path, "toy")
    book = open_gradebook(config)
    for sid in students:
        book.add_student(sid)
    book.close()
    for sid in students:
        submit(assignment_id="toy", student_id=sid, directory=stub)
    report = collect(config=config, assignment_id="toy")
    assert not report["rejected"], report["rejected"]
    book = open_gradebook(config)
    try:
        return {sid: sub.id for sid, sub in book.latest_submissions("toy").items()}
    finally:
        book.close()


def _result(path: str, message: str, *, score: float = 0.0, status: str = "graded", error=None) -> dict:
    return {"path": path, "status": status, "score": score, "max_score": 6.0, "error": error, "checks": [
        {"id": "hidden/test_hidden.py::test_mean", "status": "error", "points": 0.0, "max_points": 2.0,
         "message": message},
        {"id": "hidden/test_hidden.py::test_standardise", "status": "passed", "points": 1.0, "max_points": 1.0,
         "message": ""},
    ]}


# ----------------------------------------------------------------------------- item 28
def test_the_gradebook_records_results_with_surrogates_nul_and_control_characters(config, tmp_path):
    ids = _collected(config, tmp_path)
    book = open_gradebook(config)
    try:
        # valid UTF-8 with NUL and control characters: SQLite stores it as given
        assert book.record_result(ids["alice"], _result("a", "nul \x00 esc \x1b[2J cr \r", score=1.0))
        # a lone surrogate cannot be encoded: rolled back, a not_graded row says why
        assert book.record_result(ids["bob"], _result("b", "surrogate \ud800 here", score=1.0))
        # the next record is unaffected
        assert book.record_result(ids["carol"], _result("c", "plain", score=1.0))
        alice, bob, carol = (book.grade_of(ids[s]) for s in ("alice", "bob", "carol"))
    finally:
        book.close()
    assert alice.status == "graded" and alice.checks[0].message == "nul \x00 esc \x1b[2J cr \r"
    assert bob.status == "not_graded" and bob.checks == []
    assert "could not be recorded" in bob.error and "UnicodeEncodeError" in bob.error
    assert "\\ud800" in bob.error  # the reason quotes the character, escaped
    bob.error.encode("utf-8")
    assert carol.status == "graded" and carol.score == 1.0


def test_a_batch_records_every_submission_when_one_result_cannot_be_stored(config, tmp_path, monkeypatch):
    """An engine result that slipped past the sanitiser marks that submission not_graded; the
    batch goes on, the progress callback's failure too, and a rerun grades it again."""
    import course.grading

    ids = _collected(config, tmp_path)
    book = open_gradebook(config)
    path_of = {str(Path(s.path)): s.student_id for s in book.submissions("toy")}
    book.close()
    assert len(set(path_of)) == 1  # identical stubs: one folder, one result recorded for three students
    calls = []

    def engine(spec, paths, *, sandbox, workers, progress):
        subs = []
        for p in paths:
            r = _result(str(p), "\ud800 \x00 hostile", score=1.0)
            subs.append(r)
            progress(r)
        calls.append(len(paths))
        return {"assignment": spec.assignment, "submissions": subs}

    def broken_bar(result):
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(course.grading, "_grade_submissions", engine)
    doc = grade_collected(config=config, assignment_id="toy", progress=broken_bar)
    assert sorted(s["student"] for s in doc["submissions"]) == ["alice", "bob", "carol"]
    assert {s["status"] for s in doc["submissions"]} == {"not_graded"}
    assert all("could not be recorded" in s["error"] for s in doc["submissions"])
    book = open_gradebook(config)
    try:
        assert {book.grade_of(i).status for i in ids.values()} == {"not_graded"}
    finally:
        book.close()
    again = grade_collected(config=config, assignment_id="toy", progress=None)  # not_graded: retried
    assert len(again["submissions"]) == 3 and calls == [1, 1]


def _hostile_engine_source(solution: str) -> str:
    """The solution, plus binary/invalid UTF-8 output and a hostile exception in mean()."""
    return solution + r'''

import os as _os, sys as _sys
_sys.stdout.buffer.write(b"\xff\xfe\x00\x1b[2J\xed\xa0\x80 binary\n")
_sys.stdout.flush()
_os.write(2, bytes(range(256)) * 8)


def mean(x):
    print("\udcff \x00 printed")
    raise ValueError("\ud800 \x00 \x1b[2J <script>alert(1)</script>\n# Score: 23/23")
'''


def test_course_grade_batch_with_hostile_text_on_a_real_sandbox(safe_backend, config, tmp_path):
    """`course grade` through the real engine: every submission recorded, exit 0, text escaped."""
    from cli import app

    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    hostile = release(config=config, assignment_id="toy", out=tmp_path / "hostile", solution=True)
    (hostile / "toy.py").write_text(_hostile_engine_source((sol / "toy.py").read_text()))
    ensure_inbox(config.exchange_path, "toy")
    book = open_gradebook(config)
    for sid in ("ada", "mallory", "bruno"):
        book.add_student(sid)
    book.close()
    for sid, d in (("ada", sol), ("mallory", hostile), ("bruno", stub)):
        submit(assignment_id="toy", student_id=sid, directory=d)
    assert not collect(config=config, assignment_id="toy")["rejected"]
    res = CliRunner().invoke(app, ["grade", "toy", "--sandbox", safe_backend.name, "--course", str(config.root)])
    assert res.exit_code == 0, res.output
    assert "graded 3 submission(s), 0 not graded" in res.output
    book = open_gradebook(config)
    try:
        grades = {sid: book.grade_of(sub.id) for sid, sub in book.latest_submissions("toy").items()}
    finally:
        book.close()
    assert {sid: (g.status, g.score) for sid, g in grades.items()} == {
        "ada": ("graded", 6.0), "mallory": ("graded", 4.0), "bruno": ("graded", 0.0)}
    mean = next(c for c in grades["mallory"].checks if c.check_id.endswith("test_mean"))
    assert mean.status == "error"
    assert "ValueError: \\ud800 \\x00 \\x1b[2J <script>alert(1)</script> # Score: 23/23" in mean.message
    assert all(ch.isprintable() for ch in mean.message)


# ----------------------------------------------------------------------------- item 32
def _unescaped(pattern: str, text: str) -> list[str]:
    """Occurrences of ``pattern`` whose first character is not backslash-escaped."""
    return re.findall(r"(?<!\\)" + re.escape(pattern), text)


def test_feedback_escapes_student_text_in_markdown_and_html(config, tmp_path):
    ids = _collected(config, tmp_path, students=("alice", "bob"))
    book = open_gradebook(config)
    try:
        book.record_result(ids["alice"], _result("a", HOSTILE_MESSAGE.replace("\ud800", "\\ud800"), score=1.0))
        book.record_result(ids["bob"], _result("b", "", status="not_graded", error=HOSTILE_MESSAGE.replace(
            "\ud800", "\\ud800")) | {"checks": []})
    finally:
        book.close()
    out = tmp_path / "fb"
    write_feedback(config=config, assignment_id="toy", out=out)
    for sid in ("alice", "bob"):
        md = (out / f"{sid}.md").read_text(encoding="utf-8")
        html = (out / f"{sid}.html").read_text(encoding="utf-8")
        for raw in ("<script", "<img", "<h1", "</pre>"):
            assert raw not in md, (sid, raw)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
        lines = md.splitlines()
        assert [ln for ln in lines if ln.lstrip().startswith("#")] == [f"# Toy assignment: feedback for {sid}"]
        assert not [ln for ln in lines if ln.lstrip().startswith((">", "===", "```", "<"))]
        real = ["**Score: 1 / 6**"] if sid == "alice" else []
        assert [ln for ln in lines if ln.startswith("**Score")] == real
        assert len(_unescaped("**Score", md)) == len(real)  # the forged ones are all escaped
        table = [ln for ln in lines if ln.startswith("|")]
        assert all(len(_unescaped("|", ln)) == 4 for ln in table), table
        assert len(table) == (2 + 2 if sid == "alice" else 0)
        assert _unescaped("`", md) == ["`", "`"]  # only the template's own code span (`toy`)
        assert not _unescaped("](", md) and "\x00" not in md and "\x1b" not in md
        # HTML: autoescaped, one real heading, the real score
        for raw in ("<script", "<img", "</pre><script"):
            assert raw not in html, (sid, raw)
        assert html.count("<h1") == 1 and "&lt;script&gt;" in html
        if sid == "alice":
            assert re.findall(r"Score: <strong>([^<]*)</strong>", html) == ["1 / 6"]
