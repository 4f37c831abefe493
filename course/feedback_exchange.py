"""``course feedback --release`` and ``--fetch``: reports handed to students through the
local exchange (a submission server will serve them later).

Layout::

    exchange/feedback/                        0711: nobody but the instructor can list it
      <assignment>/                           0711
        <student>.<content hash>/             0755, files 0644: report.md, report.html

A student's folder is named after the full sha256 of the files they submitted, which only
they (and the instructor) know, inside folders no one else can list: on a shared machine
another student can neither find nor guess it.  The same limits as the inbox apply (root
and the same Unix user can read anything).  ``course submit`` keeps a receipt of the hash
in the student's folder (``.course-receipts.json``); fetching also tries the hash of the
files as they are now.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from course.config import CourseConfig
from course.errors import CourseError

RECEIPTS = ".course-receipts.json"
PRIVATE_DIR = 0o711


def feedback_root(exchange: Path, assignment_id: str) -> Path:
    return Path(exchange) / "feedback" / assignment_id


def release_feedback(*, config: CourseConfig, assignment_id: str, reports: Path) -> list[Path]:
    """Copy each student's ``<student>.md``/``.html`` from ``reports`` into the exchange,
    keyed by their latest submission; earlier releases for that student are replaced."""
    from course.gradebook import open_gradebook

    with open_gradebook(config) as book:
        latest = book.latest_submissions(assignment_id)
    root = feedback_root(config.exchange_path, assignment_id)
    try:
        root.mkdir(parents=True, exist_ok=True)
        root.parent.chmod(PRIVATE_DIR)
        root.chmod(PRIVATE_DIR)
    except OSError as exc:
        raise CourseError(f"cannot create {root}: {exc.strerror}") from exc
    released = []
    for student, sub in sorted(latest.items()):
        files = [Path(reports) / f"{student}{ext}" for ext in (".md", ".html")]
        if not all(f.is_file() for f in files):
            continue
        dest = root / f"{student}.{sub.content_hash}"
        tmp = Path(tempfile.mkdtemp(prefix=f".{student}-", dir=root))
        try:
            for f in files:
                target = tmp / f"report{f.suffix}"
                shutil.copyfile(f, target)
                target.chmod(0o644)
            tmp.chmod(0o755)
            if dest.exists():
                shutil.rmtree(dest)
            tmp.rename(dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for old in root.glob(f"{student}.*"):  # reports on earlier submissions
            if old != dest and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        released.append(dest)
    return released


def write_receipt(directory: Path, *, assignment: str, student: str, content_hash: str, submitted_at: str) -> None:
    """Remember a submission's hash in the student's folder (best effort)."""
    path = Path(directory) / RECEIPTS
    try:
        receipts = json.loads(path.read_text()) if path.is_file() else []
        if not isinstance(receipts, list):
            receipts = []
        receipts.append({"assignment": assignment, "student": student, "content_hash": content_hash,
                         "submitted_at": submitted_at})
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(receipts, indent=1) + "\n")
        tmp.replace(path)
    except (OSError, ValueError):
        pass


def fetch_feedback(*, assignment_id: str | None, student_id: str, directory: Path, course_dir: Path | None = None,
                   out: Path | None = None) -> list[Path]:
    """Copy the released report on your submission into ``out`` (default ``<dir>/feedback``)."""
    from course.exchange import _read_student_files, content_hash, student_context
    from course.gradebook import check_student_id

    check_student_id(student_id)
    directory = Path(directory)
    ctx = student_context(assignment_id=assignment_id, directory=directory, course_dir=course_dir)
    hashes = []
    try:
        receipts = json.loads((directory / RECEIPTS).read_text())
        hashes += [r["content_hash"] for r in reversed(receipts)
                   if r.get("assignment") == ctx.assignment and r.get("student") == student_id]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    try:
        hashes.append(content_hash(_read_student_files(directory, ctx.student_files)))
    except CourseError:
        pass
    root = feedback_root(ctx.exchange, ctx.assignment)
    for h in hashes:
        src = root / f"{student_id}.{h}"
        if src.is_dir():
            out = Path(out) if out else directory / "feedback"
            try:
                out.mkdir(parents=True, exist_ok=True)
                written = []
                for f in sorted(src.iterdir()):
                    target = out / f"{ctx.assignment}-{f.name}"
                    shutil.copyfile(f, target)
                    written.append(target)
            except OSError as exc:
                raise CourseError(f"cannot copy the feedback to {out}: {exc.strerror}") from exc
            return written
    raise CourseError(f"no feedback released for {student_id} on {ctx.assignment!r} yet "
                      f"(looked for your latest submission in {root})")
