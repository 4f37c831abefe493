"""The exchange: ``course submit`` (student side) and ``course collect`` (instructor side).

Layout (a local directory, ``exchange = "exchange"`` in course.toml)::

    exchange/                         0755, owned by the instructor
      inbox/<assignment>/             1733: anyone may create files, nobody but the owner
                                      may list them; the sticky bit stops students from
                                      renaming or deleting files they do not own
        <student>.<utc>.<token>.zip   0644, written once (O_EXCL) under a temporary
                                      dot-name, then renamed; <token> is 128 random bits

    submissions/<assignment>/<content hash>/   collected copies, read-only (0444/0555)

Security model and its limits (honest): the local exchange is for ONE shared machine and
relies on Unix permissions only; the authenticated path is the submission server (planned).
Another student cannot list the inbox, cannot guess a 128-bit file name, and cannot replace
or delete a file they do not own.  Root, and anyone running as the same Unix user (a
single-user laptop, a shared account), can do anything.

Nothing a student can write decides who submitted or when (SECURITY.md item 30):

- identity: the inbox file's owner uid.  A file owned by the course owner (the uid owning
  the course or the exchange: the instructor; single-machine demos and tests run as one
  user) is trusted for the student id it claims.  A file owned by any other uid must map,
  through the roster's ``unix_user`` (``course roster add ID --unix-user NAME``), to
  exactly the student it claims, else it is rejected ("archive claims student X but was
  written by unix user Y").
- time: the kernel's change time of the inbox file (a user cannot set it), never
  ``submitted_at`` from submission.json.  An archive whose claimed ``submitted_at``
  differs from the kernel time by more than :data:`CLAIM_TOLERANCE` (a date in the future,
  an edited date) is rejected and reported.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pwd
import secrets
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from course.config import CONFIG_NAME, CourseConfig, _as_datetime, find_course_root, load_config
from course.errors import CourseError
from course.gradebook import check_student_id
from grader.text import clean_text

#: Largest total size of one submission's declared files.
MAX_SUBMISSION_BYTES = 5 * 1024 * 1024
META_NAME = "submission.json"
INBOX_MODE = 0o1733
#: Largest difference between an archive's claimed submitted_at and the kernel's time.
CLAIM_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class StudentContext:
    """What the student side needs: from the course (if reachable) or a release's manifest."""

    assignment: str
    student_files: tuple[str, ...]
    due: datetime | None
    exchange: Path
    tests_dir: Path | None
    seed: int
    config: CourseConfig | None = None


def student_context(*, assignment_id: str | None, directory: Path, course_dir: Path | None = None) -> StudentContext:
    """Find the assignment a student works on.

    Order: an explicit ``--course``; else the release manifest ``.assignment.json`` in
    ``directory``; else the nearest course.toml above ``directory``.
    """
    from course.assignment import load_assignment
    from course.manifest import MANIFEST

    directory = Path(directory)
    if not directory.is_dir():
        raise CourseError(f"directory {directory} does not exist")
    man_path = directory / MANIFEST
    if course_dir is None and man_path.is_file():
        try:
            man = json.loads(man_path.read_text())
        except ValueError as exc:
            raise CourseError(f"{man_path}: corrupt manifest: {exc}") from exc
        if assignment_id and assignment_id != man.get("assignment"):
            raise CourseError(f"{directory} holds assignment {man.get('assignment')!r}, not {assignment_id!r}")
        due = _as_datetime(man["due"], f"{man_path}: due") if man.get("due") else None
        cfg = None
        try:  # the instructor's course, if this machine can see it (extensions, roster)
            root = Path(man["exchange"]).parent
            if (root / CONFIG_NAME).is_file():
                cfg = load_config(root)
        except (CourseError, OSError, KeyError):
            cfg = None
        return StudentContext(
            assignment=man["assignment"], student_files=tuple(man["student_files"]), due=due,
            exchange=Path(man["exchange"]), tests_dir=directory / "tests", seed=int(man.get("seed", 0)), config=cfg,
        )
    if course_dir is None:
        try:
            course_dir = find_course_root(directory)
        except CourseError:
            raise CourseError(
                f"{Path(directory).resolve()} is not a release folder (no {MANIFEST}): run this in the folder "
                f"of your assignment that holds {MANIFEST} (where its README.md is), or pass --dir FOLDER"
            ) from None
    config = load_config(course_dir)
    if not assignment_id:
        raise CourseError(f"no {MANIFEST} in {directory}: name the assignment (course check ASSIGNMENT)")
    asg = load_assignment(config, assignment_id)
    return StudentContext(
        assignment=asg.id, student_files=asg.student_files, due=asg.due, exchange=config.exchange_path,
        tests_dir=asg.public_tests, seed=config.seed, config=config,
    )


def extension_days(config: CourseConfig | None, assignment_id: str, student_id: str) -> float:
    """Extra days for a student: the latest ``course extend`` in the gradebook (when it is
    readable here), else ``[extensions.<assignment>] <student> = days`` in course.toml."""
    from course.gradebook import effective_extension_days

    if config is None:
        return 0.0
    book = _readable_gradebook(config)
    try:
        return effective_extension_days(config, book, assignment_id, student_id)
    except CourseError:
        if book is None:
            raise
        return effective_extension_days(config, None, assignment_id, student_id)
    finally:
        if book is not None:
            book.close()


def deadline(due: datetime | None, config: CourseConfig | None, assignment_id: str, student_id: str) -> datetime | None:
    if due is None:
        return None
    return due + timedelta(days=extension_days(config, assignment_id, student_id))


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 over the sorted (name, sha256(content)) pairs."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).hexdigest().encode() + b"\n")
    return h.hexdigest()


def inbox_path(exchange: Path, assignment_id: str) -> Path:
    return Path(exchange) / "inbox" / assignment_id


def ensure_inbox(exchange: Path, assignment_id: str) -> Path:
    """Create the assignment's inbox (mode 1733) if missing; the instructor does this."""
    inbox = inbox_path(exchange, assignment_id)
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        inbox.chmod(INBOX_MODE)
    except PermissionError as exc:
        raise CourseError(f"exchange {exchange} is not writable: {exc.strerror}") from exc
    return inbox


def _read_student_files(directory: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    files, total = {}, 0
    for name in names:
        path = Path(directory) / name
        try:
            st = path.lstat()
        except FileNotFoundError:
            raise CourseError(f"missing file {name} in {directory}") from None
        if not stat.S_ISREG(st.st_mode):
            raise CourseError(f"{path} must be a regular file (not a link or directory)")
        total += st.st_size
        if total > MAX_SUBMISSION_BYTES:
            raise CourseError(f"submission too large: over {MAX_SUBMISSION_BYTES // (1024 * 1024)} MB")
        files[name] = path.read_bytes()
    return files


def submit(*, assignment_id: str | None, student_id: str, directory: Path, course_dir: Path | None = None,
           now: datetime | None = None) -> dict:
    """Package the declared files of ``directory`` into the exchange.

    Parameters
    ----------
    assignment_id : str or None
        None: the assignment of the release folder ``directory``.
    student_id : str
    directory : Path
        The student's work; only the assignment's declared files are taken.
    course_dir : Path, optional
    now : datetime, optional
        The submit time written into the archive; the current UTC time by default.  Callers
        on the trusted side only (tests, ``course demo``).  It is a claim: ``collect`` takes
        the time from the kernel and rejects an archive whose claim differs.

    Returns
    -------
    dict
        ``path`` (the inbox file), ``content_hash``, ``submitted_at``, ``late_seconds``.
    """
    check_student_id(student_id)
    ctx = student_context(assignment_id=assignment_id, directory=directory, course_dir=course_dir)
    if ctx.config is not None:
        _check_roster(ctx.config, student_id)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    limit = deadline(ctx.due, ctx.config, ctx.assignment, student_id)
    late = max(0.0, (now - limit).total_seconds()) if limit else 0.0
    cutoff = ctx.config.late.cutoff_days if ctx.config else None
    if late and cutoff is not None and late > cutoff * 86400:
        raise CourseError(
            f"the deadline for {ctx.assignment!r} ({limit:%Y-%m-%d %H:%M} UTC) passed more than {cutoff:g} "
            "day(s) ago; late submissions are closed"
        )
    files = _read_student_files(directory, ctx.student_files)
    digest = content_hash(files)
    meta = {
        "assignment": ctx.assignment, "student": student_id, "submitted_at": now.isoformat(),
        "content_hash": digest, "files": {n: hashlib.sha256(b).hexdigest() for n, b in files.items()},
        "uid": os.getuid(),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(name, files[name])
        zf.writestr(META_NAME, json.dumps(meta, indent=2))
    inbox = inbox_path(ctx.exchange, ctx.assignment)
    if not inbox.is_dir():
        if not Path(ctx.exchange).is_dir():
            raise CourseError(f"exchange {ctx.exchange} does not exist; ask your instructor")
        ensure_inbox(ctx.exchange, ctx.assignment)
    token = secrets.token_hex(16)
    final = inbox / f"{student_id}.{now:%Y%m%dT%H%M%SZ}.{token}.zip"
    tmp = inbox / f".tmp-{token}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except PermissionError:
        raise CourseError(f"exchange {inbox} is not writable; ask your instructor") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.rename(tmp, final)
    except BaseException:
        with _quiet():
            os.unlink(tmp)
        raise
    from course.feedback_exchange import write_receipt

    write_receipt(directory, assignment=ctx.assignment, student=student_id, content_hash=digest,
                  submitted_at=now.isoformat())
    return {"path": str(final), "content_hash": digest, "submitted_at": now.isoformat(), "late_seconds": late}


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


def _readable_gradebook(config: CourseConfig):
    """The course's gradebook if this user can read it, else None (the student side)."""
    from course.gradebook import Gradebook

    url = config.gradebook
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///"):])
        if not db.is_file() or not os.access(db, os.R_OK):
            return None
    try:
        return Gradebook(url)
    except CourseError:
        return None


def _check_roster(config: CourseConfig, student_id: str) -> None:
    """Refuse ids missing from a non-empty roster, when the gradebook is readable here."""
    book = _readable_gradebook(config)
    if book is None:
        return
    try:
        with book:
            ids = [s.id for s in book.students()]
    except CourseError:
        return
    if ids and student_id not in ids:
        raise CourseError(f"unknown student id {student_id!r}: not on the course roster")


# -- collect --------------------------------------------------------------------------------
def _safe_read_zip(path: Path, declared: tuple[str, ...]) -> tuple[dict[str, bytes], dict]:
    """Files and metadata of one inbox archive; CourseError with the reason if unusable."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CourseError(f"corrupt zip ({exc})") from None
    files: dict[str, bytes] = {}
    meta = None
    total = 0
    with zf:
        for info in zf.infolist():
            name = info.filename
            mode = info.external_attr >> 16
            if name not in declared and name != META_NAME:
                raise CourseError(f"unexpected entry {name!r}")
            if info.is_dir() or stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise CourseError(f"entry {name!r} is not a regular file")
            total += info.file_size
            if total > MAX_SUBMISSION_BYTES + 65536:
                raise CourseError("archive too large")
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                raise CourseError(f"corrupt zip ({exc})") from None
            if name == META_NAME:
                try:
                    meta = json.loads(data)
                except ValueError:
                    raise CourseError("corrupt submission.json") from None
            elif name in files:
                raise CourseError(f"duplicate entry {name!r}")
            else:
                files[name] = data
    if not isinstance(meta, dict):
        raise CourseError("no submission.json (not made by course submit)")
    missing = sorted(set(declared) - set(files))
    if missing:
        raise CourseError(f"missing file(s) {', '.join(missing)}")
    claimed = meta.get("files", {})
    if claimed != {n: hashlib.sha256(b).hexdigest() for n, b in files.items()}:
        raise CourseError("file hashes do not match submission.json (tampered archive)")
    return files, meta


def _store(root: Path, assignment_id: str, digest: str, files: dict[str, bytes]) -> Path:
    """Content-addressed, read-only copy of the files (atomic; reused if present)."""
    dest = root / "submissions" / assignment_id / digest
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=dest.parent))
    try:
        for name, data in files.items():
            with open(tmp / name, "wb") as fh:  # durable before the rename (the server acknowledges after it)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            (tmp / name).chmod(0o444)
        tmp.chmod(0o555)
        _fsync_dir(tmp)
        try:
            tmp.rename(dest)
        except OSError:
            if not dest.is_dir():
                raise
            _rm_readonly(tmp)
        _fsync_dir(dest.parent)
    except BaseException:
        _rm_readonly(tmp)
        raise
    return dest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _rm_readonly(path: Path) -> None:
    if path.exists():
        path.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


def kernel_time(path: Path, st: os.stat_result) -> datetime:
    """When the exchange received ``path``: the kernel's change time (a user cannot set it)."""
    return datetime.fromtimestamp(st.st_ctime, timezone.utc)


def unix_user_name(uid: int) -> str:
    """The user name of ``uid`` (its number when the system does not know it)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


def course_owner_uids(config: CourseConfig) -> set[int]:
    """The uids trusted to submit for any student: the owners of the course and the exchange."""
    return {config.root.stat().st_uid, config.exchange_path.stat().st_uid}


def _check_writer(student: str, uid: int, trusted: set[int], by_unix_user: dict[str, list[str]]) -> None:
    """Refuse an archive whose owner is neither the course owner nor the student it claims."""
    if uid in trusted:
        return
    who = unix_user_name(uid)
    owners = sorted(set(by_unix_user.get(who, [])) | set(by_unix_user.get(str(uid), [])))
    if owners != [student]:
        whose = f" (the roster maps that user to {', '.join(owners)})" if owners else " (not on the roster)"
        raise CourseError(f"archive claims student {student} but was written by unix user {who}{whose}")


def _check_claimed_time(meta: dict, received: datetime) -> None:
    """Refuse an archive whose claimed submitted_at is not the time the exchange got it."""
    claimed = _as_datetime(meta.get("submitted_at"), "submitted_at")
    if claimed - received > CLAIM_TOLERANCE:
        raise CourseError(f"archive claims submitted_at {claimed.isoformat()}, in the future of the time the "
                          f"exchange received it ({received:%Y-%m-%d %H:%M:%S} UTC)")
    if received - claimed > CLAIM_TOLERANCE:
        raise CourseError(f"archive claims submitted_at {claimed.isoformat()}, but the exchange received it at "
                          f"{received:%Y-%m-%d %H:%M:%S} UTC")


def collect(*, config: CourseConfig, assignment_id: str,
            received_at: Callable[[Path, os.stat_result], datetime] | None = None) -> dict:
    """Copy new inbox archives into immutable, content-addressed submissions.

    Idempotent: archives already collected are skipped.  Each accepted archive is stored
    and recorded in its own transaction.  Identity comes from the file's owner and time
    from the kernel (see the module docstring); an archive that claims otherwise is
    rejected.  Returns ``collected`` (list of dicts: student, submitted_at, late_days,
    hash, uid, unix_user, file), ``skipped`` (count), ``rejected`` (list of (file, reason),
    both cleaned for display) and ``shared_content`` (students whose latest submissions
    are byte-identical).

    ``received_at(path, stat)``: when the exchange received an inbox file; the kernel's
    change time (:func:`kernel_time`) by default.  For trusted callers that simulate time
    (tests, ``course demo``); never read from the archive.
    """
    from sqlalchemy import select

    from course.assignment import load_assignment
    from course.catalog import count_points
    from course.gradebook import (
        Student, Submission, _naive, days_late, effective_extension_days, late_seconds_of, open_gradebook,
    )

    asg = load_assignment(config, assignment_id)
    if not config.exchange_path.is_dir():
        raise CourseError(f"exchange {config.exchange_path} does not exist (nothing was submitted)")
    inbox = inbox_path(config.exchange_path, asg.id)
    with open_gradebook(config) as book:
        max_points = count_points(asg.hidden_tests) if asg.hidden_tests.is_dir() else 0.0
        book.ensure_assignment(asg.id, title=asg.title, max_points=max_points)
        with book.session() as s:
            known_sources = set(s.scalars(select(Submission.source).where(Submission.assignment_id == asg.id)))
        report = {"collected": [], "skipped": 0, "rejected": [], "shared_content": []}
        names = sorted(p.name for p in inbox.iterdir()) if inbox.is_dir() else []
        trusted = course_owner_uids(config)
        by_unix_user: dict[str, list[str]] = {}
        for st_row in book.students():
            if st_row.unix_user:
                by_unix_user.setdefault(st_row.unix_user, []).append(st_row.id)
        clock = received_at or kernel_time
        for name in names:
            if name.startswith(".") or not name.endswith(".zip"):
                continue
            if name in known_sources:
                report["skipped"] += 1
                continue
            path = inbox / name
            try:
                if clean_text(name, limit=255, multiline=False) != name:
                    raise CourseError("the file name is not plain UTF-8 text")
                st = path.lstat()
                if not stat.S_ISREG(st.st_mode):
                    raise CourseError("not a regular file")
                received = clock(path, st)
                files, meta = _safe_read_zip(path, asg.student_files)
                student = str(meta.get("student", ""))
                check_student_id(student)
                if meta.get("assignment") != asg.id:
                    raise CourseError(f"archive is for assignment {meta.get('assignment')!r}")
                if not name.startswith(student + "."):
                    raise CourseError("student id does not match the file name")
                _check_writer(student, st.st_uid, trusted, by_unix_user)
                _check_claimed_time(meta, received)
                digest = content_hash(files)
                submitted = received
                late = late_seconds_of(submitted, asg.due, effective_extension_days(config, book, asg.id, student))
                key = hashlib.sha256(f"{asg.id}\0{student}\0{digest}".encode()).hexdigest()
                with book.session() as s:
                    if s.get(Student, student) is None:
                        raise CourseError(f"unknown student {student!r} (not on the roster)")
                    if s.scalars(select(Submission).where(Submission.key == key)).first() is not None:
                        report["skipped"] += 1  # same student, same content: the earlier copy counts
                        continue
                    stored = _store(config.root, asg.id, digest, files)
                    s.add(Submission(
                        key=key, assignment_id=asg.id, student_id=student, content_hash=digest, path=str(stored),
                        source=name, submitted_at=_naive(submitted), collected_at=_naive(datetime.now(timezone.utc)),
                        late_seconds=late,
                    ))
                report["collected"].append({"student": student, "submitted_at": submitted.isoformat(),
                                            "late_days": days_late(late), "hash": digest, "uid": st.st_uid,
                                            "unix_user": unix_user_name(st.st_uid), "file": name})
            except CourseError as exc:
                report["rejected"].append((clean_text(name, limit=255, multiline=False),
                                           clean_text(str(exc), limit=500, multiline=False)))
        by_hash: dict[str, set[str]] = {}
        for sub in book.latest_submissions(asg.id).values():  # a resubmission clears the warning
            by_hash.setdefault(sub.content_hash, set()).add(sub.student_id)
        report["shared_content"] = sorted(sorted(v) for v in by_hash.values() if len(v) > 1)
        return report

