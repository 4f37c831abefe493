"""``course roster``: the students of the course (kept in the gradebook)."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from course.config import CourseConfig
from course.errors import CourseError
from course.gradebook import Student, check_student_id, check_unix_user, open_gradebook


def add_student(*, config: CourseConfig, student_id: str, name: str = "", email: str = "", unix_user: str = "") -> bool:
    """Add a student (or update name/email/Unix user); True if new.

    ``unix_user`` (a user name or numeric uid) is who may write this student's archives
    into a local exchange (see :mod:`course.exchange`).
    """
    with open_gradebook(config) as book:
        return book.add_student(student_id, name=name, email=email, unix_user=unix_user)


def import_roster(*, config: CourseConfig, path: Path) -> tuple[int, int]:
    """Import a CSV with a header holding ``id`` (or ``student_id``) and optionally
    ``name``, ``email``, ``unix_user``.  All rows are validated first and written in one
    transaction.  Returns (added, updated)."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"roster file {path} does not exist")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in (reader.fieldnames or [])]
            key = "id" if "id" in fields else "student_id" if "student_id" in fields else None
            if key is None:
                raise CourseError(f"{path}: the header must have an 'id' (or 'student_id') column")
            rows = []
            for n, raw in enumerate(reader, start=2):
                row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                sid = row.get(key, "")
                unix_user = row.get("unix_user", "")
                try:
                    check_student_id(sid)
                    if unix_user:
                        check_unix_user(unix_user)
                except CourseError as exc:
                    raise CourseError(f"{path}:{n}: {exc}") from None
                rows.append((sid, row.get("name", ""), row.get("email", ""), unix_user))
    except UnicodeDecodeError:
        raise CourseError(f"{path}: not a UTF-8 CSV file") from None
    except csv.Error as exc:
        raise CourseError(f"{path}: bad CSV: {exc}") from None
    ids = [r[0] for r in rows]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CourseError(f"{path}: duplicate student id(s) {', '.join(dupes)}")
    users = [r[3] for r in rows if r[3]]
    shared = sorted({u for u in users if users.count(u) > 1})
    if shared:
        raise CourseError(f"{path}: unix user(s) {', '.join(shared)} given to more than one student")
    added = updated = 0
    with open_gradebook(config) as book:
        with book.session() as s:
            owners = {st.unix_user: st.id for st in s.scalars(select(Student)) if st.unix_user}
            for sid, _name, _email, unix_user in rows:
                if unix_user and owners.get(unix_user, sid) != sid:
                    raise CourseError(f"{path}: unix user {unix_user!r} already belongs to student "
                                      f"{owners[unix_user]!r}")
            for sid, name, email, unix_user in rows:
                row = s.get(Student, sid)
                if row is None:
                    s.add(Student(id=sid, name=name, email=email, unix_user=unix_user))
                    added += 1
                else:
                    row.name, row.email = name or row.name, email or row.email
                    row.unix_user = unix_user or row.unix_user
                    updated += 1
    return added, updated


def list_students(*, config: CourseConfig) -> list[dict]:
    with open_gradebook(config) as book:
        return [{"id": s.id, "name": s.name, "email": s.email, "unix_user": s.unix_user} for s in book.students()]


def remove_student(*, config: CourseConfig, student_id: str, force: bool = False) -> dict:
    """Remove a student from the roster, in one transaction.

    Refuses when they have submissions unless ``force``; then their submissions, grade
    history, check results, adjustments, extensions and manual points are deleted from the
    gradebook too.  The collected files under ``submissions/`` stay on disk (content-addressed,
    possibly shared with another student's identical submission).  Returns the counts deleted.
    """
    from sqlalchemy import delete, select

    from course.gradebook import Adjustment, CheckResult, Extension, Grade, ManualPoints, Submission

    with open_gradebook(config) as book, book.session() as s:
        if s.get(Student, student_id) is None:
            raise CourseError(f"unknown student {student_id!r}; see `course roster list`")
        sub_ids = list(s.scalars(select(Submission.id).where(Submission.student_id == student_id)))
        if sub_ids and not force:
            raise CourseError(f"{student_id} has {len(sub_ids)} submission(s); `--force` removes them and their "
                              "grades from the gradebook too")
        grade_ids = list(s.scalars(select(Grade.id).where(Grade.submission_id.in_(sub_ids)))) if sub_ids else []
        counts = {"submissions": len(sub_ids), "grades": len(grade_ids)}
        if grade_ids:
            s.execute(delete(CheckResult).where(CheckResult.grade_id.in_(grade_ids)))
            s.execute(delete(Grade).where(Grade.id.in_(grade_ids)))
        if sub_ids:
            s.execute(delete(Submission).where(Submission.id.in_(sub_ids)))
        for name, model in (("adjustments", Adjustment), ("extensions", Extension), ("manual points", ManualPoints)):
            counts[name] = s.execute(delete(model).where(model.student_id == student_id)).rowcount
        s.execute(delete(Student).where(Student.id == student_id))
        return counts
