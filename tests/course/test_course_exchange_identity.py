"""Who submitted and when comes from the kernel, never from the archive (SECURITY.md item 30).

Students are simulated by chowning inbox files to other uids, which needs root (the
suite runs as root in CI; elsewhere these tests say why they cannot run).
"""
from __future__ import annotations

import json
import os
import pwd
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.exchange import collect, ensure_inbox, submit
from course.gradebook import open_gradebook
from course.release import release

#: Uids that have no account here (the roster names them by number) ...
ALICE_UID, BOB_UID, STRANGER_UID = 40001, 40002, 40099
FUTURE = datetime(2099, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def as_root():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the exchange identity tests must run as root in CI (they chown files to other uids)")
        pytest.skip("chowning inbox files to other uids needs root")


@pytest.fixture
def course(as_root, config, tmp_path):
    """alice and bob each write as their own uid; carol has no Unix user; two work folders."""
    book = open_gradebook(config)
    book.add_student("alice", unix_user=str(ALICE_UID))
    book.add_student("bob", unix_user=str(BOB_UID))
    book.add_student("carol")
    book.close()
    ensure_inbox(config.exchange_path, "toy")
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    return config, sol, stub


def _as(uid: int, result: dict) -> Path:
    """The inbox file of ``result``, now owned by ``uid`` (as if that user had written it)."""
    path = Path(result["path"])
    os.chown(path, uid, -1)
    return path


def _dated(result: dict, when: datetime) -> dict:
    """Rewrite the archive's submission.json to claim ``when`` (what a student could do)."""
    path = Path(result["path"])
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(entries["submission.json"])
    meta["submitted_at"] = when.isoformat()
    entries["submission.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
    return result


def _latest(config) -> dict:
    book = open_gradebook(config)
    try:
        return {sid: (Path(s.path, "toy.py").read_text(), s.late_seconds)
                for sid, s in book.latest_submissions("toy").items()}
    finally:
        book.close()


def test_an_archive_claiming_another_student_is_rejected_and_the_victim_still_counts(course):
    config, sol, stub = course
    honest = _as(ALICE_UID, submit(assignment_id="toy", student_id="alice", directory=sol))
    # bob writes an archive that claims to be alice's, dated far in the future
    forged = _as(BOB_UID, _dated(submit(assignment_id="toy", student_id="alice", directory=stub), FUTURE))
    # and one dated now, so only the identity can catch it
    forged_now = _as(BOB_UID, submit(assignment_id="toy", student_id="alice", directory=stub))
    r = collect(config=config, assignment_id="toy")
    rejected = dict(r["rejected"])
    assert set(rejected) == {forged.name, forged_now.name}
    for name in (forged.name, forged_now.name):
        assert rejected[name] == (f"archive claims student alice but was written by unix user {BOB_UID} "
                                  "(the roster maps that user to bob)")
    assert [(c["student"], c["file"], c["uid"]) for c in r["collected"]] == [("alice", honest.name, ALICE_UID)]
    assert _latest(config) == {"alice": ((sol / "toy.py").read_text(), 0.0)}


def test_a_future_or_edited_date_is_rejected_even_from_the_right_student(course):
    config, sol, stub = course
    honest = _as(ALICE_UID, submit(assignment_id="toy", student_id="alice", directory=sol))
    future = _as(ALICE_UID, _dated(submit(assignment_id="toy", student_id="alice", directory=stub), FUTURE))
    r = collect(config=config, assignment_id="toy")
    (name, why), = r["rejected"]
    assert name == future.name and "claims submitted_at 2099-01-01" in why and "in the future" in why
    assert [c["file"] for c in r["collected"]] == [honest.name]
    # nothing of 2099 reached the gradebook: the honest submission is the latest, on time
    assert _latest(config) == {"alice": ((sol / "toy.py").read_text(), 0.0)}


@pytest.mark.parametrize("skew_minutes, accepted", [(-2, True), (2, True), (-10, False), (10, False)])
def test_a_claim_minutes_off_the_kernel_time_is_accepted_more_is_rejected(config, tmp_path, skew_minutes, accepted):
    """Runs as any user: the files stay the course owner's; the exchange clock is shifted."""
    from course.exchange import kernel_time

    book = open_gradebook(config)
    book.add_student("alice")
    book.close()
    ensure_inbox(config.exchange_path, "toy")
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    submit(assignment_id="toy", student_id="alice", directory=stub)
    shift = timedelta(minutes=skew_minutes)
    r = collect(config=config, assignment_id="toy", received_at=lambda p, st: kernel_time(p, st) + shift)
    assert (len(r["collected"]), len(r["rejected"])) == ((1, 0) if accepted else (0, 1))
    if accepted:  # the time recorded is the exchange's, not the claim
        recorded = datetime.fromisoformat(r["collected"][0]["submitted_at"])
        assert recorded - datetime.now(timezone.utc) == pytest.approx(shift, abs=timedelta(seconds=30))


def test_honest_submissions_of_mapped_students_are_accepted_with_the_kernel_time(course):
    config, sol, stub = course
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    a = _as(ALICE_UID, submit(assignment_id="toy", student_id="alice", directory=sol))
    b = _as(BOB_UID, submit(assignment_id="toy", student_id="bob", directory=stub))
    r = collect(config=config, assignment_id="toy")
    assert r["rejected"] == []
    got = {c["student"]: c for c in r["collected"]}
    assert (got["alice"]["file"], got["alice"]["uid"]) == (a.name, ALICE_UID)
    assert (got["bob"]["file"], got["bob"]["uid"]) == (b.name, BOB_UID)
    for c in got.values():
        assert before <= datetime.fromisoformat(c["submitted_at"]) <= datetime.now(timezone.utc)


def test_unknown_uids_and_unmapped_students_are_rejected_the_course_owner_is_trusted(course):
    config, sol, stub = course
    stranger = _as(STRANGER_UID, submit(assignment_id="toy", student_id="bob", directory=stub))
    for_carol = _as(ALICE_UID, submit(assignment_id="toy", student_id="carol", directory=stub))
    by_owner = submit(assignment_id="toy", student_id="carol", directory=sol)  # the instructor (this uid)
    r = collect(config=config, assignment_id="toy")
    assert dict(r["rejected"]) == {
        stranger.name: f"archive claims student bob but was written by unix user {STRANGER_UID} (not on the roster)",
        for_carol.name: f"archive claims student carol but was written by unix user {ALICE_UID} "
                        "(the roster maps that user to alice)",
    }
    assert [(c["student"], c["file"]) for c in r["collected"]] == [("carol", Path(by_owner["path"]).name)]


def test_a_roster_unix_user_name_maps_through_the_password_database(course):
    config, sol, stub = course
    account = next((p for p in pwd.getpwall() if p.pw_uid not in (0, os.geteuid())), None)
    assert account is not None, "this system has no account besides root to test name mapping with"
    book = open_gradebook(config)
    book.add_student("dana", unix_user=account.pw_name)
    book.close()
    path = _as(account.pw_uid, submit(assignment_id="toy", student_id="dana", directory=sol))
    forged = _as(account.pw_uid, submit(assignment_id="toy", student_id="alice", directory=stub))
    r = collect(config=config, assignment_id="toy")
    assert [(c["student"], c["file"], c["unix_user"]) for c in r["collected"]] == [
        ("dana", path.name, account.pw_name)]
    assert dict(r["rejected"]) == {forged.name: f"archive claims student alice but was written by unix user "
                                                f"{account.pw_name} (the roster maps that user to dana)"}


def test_collect_reports_hostile_inbox_file_names_cleaned(course):
    config, sol, _ = course
    inbox = config.exchange_path / "inbox" / "toy"
    ok = submit(assignment_id="toy", student_id="alice", directory=sol)
    raw = os.fsencode(inbox) + b"/alice.\xff\x1b[2J.zip"
    with open(raw, "wb") as fh:
        fh.write(Path(ok["path"]).read_bytes())
    r = collect(config=config, assignment_id="toy")
    (name, why), = r["rejected"]
    assert name == "alice.\\udcff\\x1b[2J.zip" and why == "the file name is not plain UTF-8 text"
    name.encode("utf-8")
    assert [c["file"] for c in r["collected"]] == [Path(ok["path"]).name]


def test_a_gradebook_made_before_the_unix_user_column_is_upgraded(tmp_path):
    import sqlite3

    from course.gradebook import Gradebook

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE students (id VARCHAR(64) PRIMARY KEY, name VARCHAR(200) NOT NULL, "
                "email VARCHAR(200) NOT NULL)")
    con.execute("INSERT INTO students VALUES ('old', 'Old Timer', '')")
    con.commit()
    con.close()
    book = Gradebook(f"sqlite:///{db}")
    try:
        book.add_student("new", unix_user="newbie")
        assert [(s.id, s.name, s.unix_user) for s in book.students()] == [("new", "", "newbie"), ("old", "Old Timer", "")]
    finally:
        book.close()
