"""End to end on 127.0.0.1: two students log in, fetch, submit and see public results; the
instructor grades and releases feedback; each student reads only their own (SECURITY.md 33).
Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import cli

runner = CliRunner()


def course(*args: str, ok: bool = True):
    r = runner.invoke(cli.app, [str(a) for a in args])
    if ok:
        assert r.exit_code == 0, r.output
    return r


def as_user(monkeypatch, tmp_path: Path, who: str) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / f"xdg-{who}"))


def wait_until(fn, what: str, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def tokens(root: Path) -> dict[str, str]:
    r = course("roster", "tokens", "--all", "--instructor", "--course", root)
    return dict(line.split("\t") for line in r.output.strip().splitlines())


def counts(config) -> tuple[int, int]:
    from course.gradebook import Grade, open_gradebook
    from sqlalchemy import func, select

    with open_gradebook(config) as book, book.session() as s:
        from course.gradebook import Submission

        return (s.scalar(select(func.count()).select_from(Submission)),
                s.scalar(select(func.count()).select_from(Grade)))


def test_two_students_end_to_end(live, tmp_path, monkeypatch):
    from course.release import release

    root = live.config.root
    tok = tokens(root)
    assert set(tok) == {"alice", "bob", "instructor"} and all(t.startswith("ck_") for t in tok.values())
    solution = release(config=live.config, assignment_id="toy", out=tmp_path / "sol", solution=True) / "toy.py"

    # -- both students log in and fetch
    for who in ("alice", "bob"):
        as_user(monkeypatch, tmp_path, who)
        course("login", "--server", live.url, "--token", tok[who])
        saved = tmp_path / f"xdg-{who}" / "course-kit" / "client.json"
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
        course("fetch", "toy", "--out", tmp_path / who)
        assert (tmp_path / who / "toy.py").is_file() and (tmp_path / who / ".assignment.json").is_file()
        assert "NotImplementedError" in (tmp_path / who / "toy.py").read_text()  # the stub, no solution
        assert not list((tmp_path / who).rglob("test_hidden.py"))
    r = course("fetch", "toy", "--out", tmp_path / "bob", ok=False)  # never overwrites work
    assert r.exit_code == 1 and "already exists" in r.output

    # -- alice submits the solution; bob first sends wrong files, then his untouched stub
    as_user(monkeypatch, tmp_path, "alice")
    (tmp_path / "alice" / "toy.py").write_text(solution.read_text())
    assert "submitted toy" in course("submit", "--dir", tmp_path / "alice").output
    as_user(monkeypatch, tmp_path, "bob")
    before = counts(live.config)
    auth = {"Authorization": f"Bearer {tok['bob']}"}
    wrong = httpx.post(f"{live.url}/api/assignments/toy/submissions", headers=auth,
                       files=[("files", ("solution.py", b"x = 1\n"))])
    assert wrong.status_code == 400 and "unexpected file" in wrong.json()["detail"]
    missing = httpx.post(f"{live.url}/api/assignments/toy/submissions", headers=auth,
                         files=[("files", ("notes.txt", b""))][:0] or {"note": (None, "hi")})
    assert missing.status_code == 400 and "missing file" in missing.json()["detail"]
    assert counts(live.config) == before
    course("submit", "--dir", tmp_path / "bob")

    # -- each sees the public results of their own submission
    def done(who):
        as_user(monkeypatch, tmp_path, who)
        rows = json.loads(course("status", "--dir", tmp_path / who, "--json").output)
        return rows if rows and rows[-1]["result"]["state"] == "done" else None

    alice_rows, bob_rows = wait_until(lambda: done("alice"), "alice's checks"), wait_until(lambda: done("bob"), "bob's")
    assert len(alice_rows) == 1 and len(bob_rows) == 1
    a, b = alice_rows[0]["result"], bob_rows[0]["result"]
    assert a["checks"] == "public" and a["score"] == a["max_score"] == 1
    assert b["score"] == 0 and b["results"][0]["status"] != "passed" and "NotImplementedError" in b["results"][0]["message"]
    text = course("status", "--dir", tmp_path / "bob").output
    assert "public checks: 0/1" in text

    # -- the instructor grades (queued) and releases feedback
    ins = {"Authorization": f"Bearer {tok['instructor']}"}
    job = httpx.post(f"{live.url}/api/instructor/assignments/toy/grade", headers=ins)
    assert job.status_code == 202
    jid = job.json()["job"]
    state = wait_until(lambda: (j := httpx.get(f"{live.url}/api/instructor/jobs/{jid}", headers=ins).json())
                       ["state"] in ("done", "error") and j, "grading")
    assert state["state"] == "done" and state["result"]["graded"] == 2, state
    stats = httpx.get(f"{live.url}/api/instructor/assignments/toy/stats", headers=ins).json()
    assert stats["graded"] == 2
    assert httpx.post(f"{live.url}/api/instructor/assignments/toy/feedback", headers=ins).json()["released"] == 2
    csv = httpx.get(f"{live.url}/api/instructor/export", headers=ins, params={"format": "csv"}).text
    assert "alice" in csv and "bob" in csv

    # -- each reads only their own feedback
    for who, other in (("alice", "bob"), ("bob", "alice")):
        as_user(monkeypatch, tmp_path, who)
        course("feedback", "--fetch", "--dir", tmp_path / who)
        report = (tmp_path / who / "feedback" / "toy-report.md").read_text()
        assert who in report.lower() and other not in report.lower()

    # -- alice's token cannot act as bob, nor reach instructor routes
    alice = {"Authorization": f"Bearer {tok['alice']}"}
    fb = httpx.get(f"{live.url}/api/assignments/toy/feedback", headers=alice).json()
    assert "alice" in fb["markdown"].lower() and "bob" not in fb["markdown"].lower()
    r = httpx.post(f"{live.url}/api/assignments/toy/submissions", headers={**alice, "X-Student": "bob"},
                   data={"student": "bob"}, files=[("files", ("toy.py", b"# forged\n"))])
    assert r.status_code == 201
    from course.gradebook import open_gradebook

    with open_gradebook(live.config) as book:
        subs = book.submissions("toy")
    assert [s.student_id for s in subs if s.id == r.json()["id"]] == ["alice"]
    assert len([s for s in subs if s.student_id == "bob"]) == 1
    mine = httpx.get(f"{live.url}/api/assignments/toy/submissions", headers=alice).json()
    assert {row["id"] for row in mine} == {s.id for s in subs if s.student_id == "alice"}
    for method, path in (("POST", "/api/instructor/assignments/toy/grade"), ("GET", "/api/instructor/export"),
                         ("POST", "/api/instructor/assignments/toy/feedback"),
                         ("POST", "/api/instructor/assignments/toy/collect")):
        assert httpx.request(method, live.url + path, headers=alice).status_code == 403
    assert httpx.post(f"{live.url}/api/assignments/toy/submissions", headers=ins,
                      files=[("files", ("toy.py", b"x\n"))]).status_code == 403  # instructor is not a student

    # -- no token (or a bad one) changes nothing
    before = counts(live.config)
    for headers in ({}, {"Authorization": "Bearer ck_not-a-token"}, {"Authorization": tok["alice"]}):
        assert httpx.post(f"{live.url}/api/assignments/toy/submissions", headers=headers,
                          files=[("files", ("toy.py", b"x\n"))]).status_code == 401
        assert httpx.post(f"{live.url}/api/instructor/assignments/toy/grade", headers=headers).status_code == 401
        assert httpx.get(f"{live.url}/api/assignments/toy/feedback", headers=headers).status_code == 401
    time.sleep(0.5)
    assert counts(live.config) == before
    # -- a revoked token is refused
    course("roster", "tokens", "--revoke", "alice", "--course", root)
    assert httpx.get(f"{live.url}/api/me", headers=alice).status_code == 401

    # -- the audit log holds every state-changing request, refused ones too
    lines = [json.loads(l) for l in (root / "server-audit.jsonl").read_text().splitlines()]
    assert all(l["method"] != "GET" for l in lines)
    assert sum(l["status"] == 401 for l in lines) >= 6
    assert any(l["who"] == "alice" and l["status"] == 403 for l in lines)
    assert {l["who"] for l in lines if l["status"] == 201} == {"alice", "bob"}
    assert stat.S_IMODE((root / "server-audit.jsonl").stat().st_mode) == 0o600
