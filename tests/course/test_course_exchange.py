"""Submit and collect: what goes into the exchange, who can see it, what comes out."""
from __future__ import annotations

import os
import stat
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.errors import CourseError
from course.exchange import collect, content_hash, ensure_inbox, submit
from course.gradebook import open_gradebook
from course.release import release

DUE = datetime(2030, 1, 1, tzinfo=timezone.utc)
BEFORE = DUE - timedelta(days=1)


@pytest.fixture
def roster(config):
    book = open_gradebook(config)
    for sid in ("alice", "bob", "carol"):
        book.add_student(sid)
    book.close()
    return config


@pytest.fixture
def work(config, tmp_path):
    """A student's working copy: the stub release plus a stray file that must not be sent."""
    out = release(config=config, assignment_id="toy", out=tmp_path / "work")
    ensure_inbox(config.exchange_path, "toy")  # what `course release` does for the instructor
    (out / "notes.txt").write_text("private notes")
    return out


def test_submit_packs_only_declared_files_into_a_private_inbox(roster, work):
    r = submit(assignment_id="toy", student_id="alice", directory=work, now=BEFORE)
    path = Path(r["path"])
    assert path.parent.name == "toy" and path.name.startswith("alice.20291231T000000Z.")
    assert len(path.name.split(".")[2]) == 32  # 128-bit random token: unguessable
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o1733  # write-only, sticky
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["submission.json", "toy.py"]
        assert zf.read("toy.py") == (work / "toy.py").read_bytes()
    assert r["content_hash"] == content_hash({"toy.py": (work / "toy.py").read_bytes()})
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp file left


def test_submit_uses_the_release_manifest_without_naming_the_assignment(roster, work):
    r = submit(assignment_id=None, student_id="bob", directory=work, now=BEFORE)
    assert Path(r["path"]).name.startswith("bob.")


@pytest.mark.parametrize("student, msg", [("../alice", "invalid student id"), ("", "invalid student id"),
                                          ("mallory", "not on the course roster")])
def test_submit_refuses_bad_or_unknown_student_ids(roster, work, student, msg):
    with pytest.raises(CourseError, match=msg):
        submit(assignment_id="toy", student_id=student, directory=work, now=BEFORE)
    assert not any((roster.exchange_path / "inbox" / "toy").iterdir())


def test_submit_missing_file_and_oversized_files_are_refused(roster, work, monkeypatch):
    (work / "toy.py").unlink()
    with pytest.raises(CourseError, match="missing file toy.py"):
        submit(assignment_id="toy", student_id="alice", directory=work, now=BEFORE)
    (work / "toy.py").write_bytes(b"#" * 2048)
    monkeypatch.setattr("course.exchange.MAX_SUBMISSION_BYTES", 1024)
    with pytest.raises(CourseError, match="too large"):
        submit(assignment_id="toy", student_id="alice", directory=work, now=BEFORE)


def test_submit_after_the_cutoff_is_refused_but_late_within_it_is_accepted(roster, work):
    late = submit(assignment_id="toy", student_id="alice", directory=work, now=DUE + timedelta(days=1))
    assert late["late_seconds"] == pytest.approx(86400)
    with pytest.raises(CourseError, match="late submissions are closed"):
        submit(assignment_id="toy", student_id="alice", directory=work, now=DUE + timedelta(days=3, hours=1))
    # carol's 2-day extension moves her deadline
    ok = submit(assignment_id="toy", student_id="carol", directory=work, now=DUE + timedelta(days=4))
    assert ok["late_seconds"] == pytest.approx(2 * 86400)


def test_submit_to_an_unwritable_exchange_is_a_clear_error(roster, work, monkeypatch):
    inbox = roster.exchange_path / "inbox" / "toy"
    inbox.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: make the kernel's answer explicit
        real_open = os.open

        def deny(path, *a, **k):
            if str(path).startswith(str(inbox)):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *a, **k)

        monkeypatch.setattr(os, "open", deny)
    try:
        with pytest.raises(CourseError, match="not writable"):
            submit(assignment_id="toy", student_id="alice", directory=work, now=BEFORE)
    finally:
        inbox.chmod(0o1733)
    assert list(inbox.iterdir()) == []


def _at(times: dict[str, datetime]):
    """A simulated exchange clock for ``collect``: inbox file name -> time received."""
    return lambda path, st: times[path.name]


def test_collect_is_content_addressed_immutable_and_idempotent(roster, work, config):
    submit(assignment_id="toy", student_id="alice", directory=work)  # now: on time, the kernel agrees
    submit(assignment_id="toy", student_id="bob", directory=work)
    r = collect(config=config, assignment_id="toy")
    assert sorted(c["student"] for c in r["collected"]) == ["alice", "bob"]
    assert r["shared_content"] == [["alice", "bob"]]  # identical files flagged
    h = r["collected"][0]["hash"]
    stored = config.root / "submissions" / "toy" / h
    assert (stored / "toy.py").read_bytes() == (work / "toy.py").read_bytes()
    assert stat.S_IMODE((stored / "toy.py").stat().st_mode) == 0o444
    assert stat.S_IMODE(stored.stat().st_mode) == 0o555
    again = collect(config=config, assignment_id="toy")
    assert again["collected"] == [] and again["skipped"] == 2
    book = open_gradebook(config)
    assert len(book.submissions("toy")) == 2
    book.close()


def test_collect_keeps_the_latest_per_student_and_detects_lateness_with_extensions(roster, work, config):
    times = {}
    late = DUE + timedelta(hours=30)
    times[Path(submit(assignment_id="toy", student_id="alice", directory=work, now=BEFORE)["path"]).name] = BEFORE
    (work / "toy.py").write_text((work / "toy.py").read_text() + "\n# second try\n")
    times[Path(submit(assignment_id="toy", student_id="alice", directory=work, now=late)["path"]).name] = late
    times[Path(submit(assignment_id="toy", student_id="carol", directory=work, now=late)["path"]).name] = late
    assert not collect(config=config, assignment_id="toy", received_at=_at(times))["rejected"]
    book = open_gradebook(config)
    latest = book.latest_submissions("toy")
    book.close()
    assert latest["alice"].late_seconds == pytest.approx(30 * 3600)
    assert latest["carol"].late_seconds == 0.0  # 2-day extension
    assert b"second try" in Path(latest["alice"].path, "toy.py").read_bytes()


def test_collect_rejects_corrupt_tampered_and_unknown_archives_but_keeps_good_ones(roster, work, config):
    good = Path(submit(assignment_id="toy", student_id="alice", directory=work)["path"])
    inbox = good.parent
    (inbox / "bob.20291231T000000Z.feed.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    with zipfile.ZipFile(good) as zf:
        meta = zf.read("submission.json")
    with zipfile.ZipFile(inbox / "carol.20291231T000000Z.beef.zip", "w") as zf:
        zf.writestr("toy.py", "def mean(x): return 42\n")  # files no longer match their hashes
        zf.writestr("submission.json", meta.replace(b'"alice"', b'"carol"'))
    with zipfile.ZipFile(inbox / "alice.20291231T000000Z.dead.zip", "w") as zf:
        zf.writestr("../../etc/evil.py", "x")
    r = collect(config=config, assignment_id="toy")
    assert [c["student"] for c in r["collected"]] == ["alice"]
    reasons = dict(r["rejected"])
    assert "corrupt zip" in reasons["bob.20291231T000000Z.feed.zip"]
    assert "tampered" in reasons["carol.20291231T000000Z.beef.zip"]
    assert "unexpected entry" in reasons["alice.20291231T000000Z.dead.zip"]
    assert not (config.root.parent / "etc").exists()


def test_collect_rejects_a_claimed_time_earlier_than_the_kernel_time(roster, work, config):
    """Editing submission.json to an earlier date cannot make a submission on time."""
    submit(assignment_id="toy", student_id="alice", directory=work, now=datetime(2001, 1, 1, tzinfo=timezone.utc))
    r = collect(config=config, assignment_id="toy")
    assert r["collected"] == []
    (name, why), = r["rejected"]
    assert name.startswith("alice.20010101T") and "claims submitted_at 2001-01-01" in why
    assert "received it at" in why


def test_collect_unknown_assignment_and_missing_exchange(config):
    with pytest.raises(CourseError, match="unknown assignment 'nope'"):
        collect(config=config, assignment_id="nope")
    with pytest.raises(CourseError, match="does not exist"):
        collect(config=config, assignment_id="toy")
