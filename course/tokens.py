"""API tokens of ``course serve`` and the server's own tables (in the course's gradebook).

A token is 256 random bits (``ck_`` + URL-safe base64); the gradebook keeps only its
sha256, so a copy of the database gives nobody a working token.  A token is shown once,
when ``course roster tokens`` issues it; issuing a new one for a student revokes their
earlier ones, and ``--revoke`` revokes without issuing.  The identity of every request is
the token's row alone (SECURITY.md item 33): nothing the client sends names a student.

Tables (created next to the gradebook's on first use):

- ``api_tokens``: digest, role (``student`` | ``instructor``), student id, created, revoked.
- ``submit_results``: the grading-on-submit result of one server submission (queued,
  done, error), stored as the engine's JSON; :func:`course.server.student_view` filters
  what a student sees by the assignment's ``on_submit`` policy.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from course.config import CourseConfig
from course.errors import CourseError
from course.gradebook import Base, Gradebook, Student, _naive, check_student_id, open_gradebook, utcnow

PREFIX = "ck_"
ROLES = ("student", "instructor")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    student_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class SubmitResult(Base):
    __tablename__ = "submit_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    policy: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))  # queued | done | error
    result_json: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def ensure_tables(book: Gradebook) -> None:
    """Create the server's tables in an existing gradebook (idempotent)."""
    with book._errors():
        Base.metadata.create_all(book.engine, tables=[ApiToken.__table__, SubmitResult.__table__])


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def issue_tokens(*, config: CourseConfig, students: list[str] | None = None, all_students: bool = False,
                 instructor: bool = False) -> list[tuple[str, str]]:
    """Issue tokens; returns ``(who, token)`` pairs (the only time a token is visible).

    A new token for a student (or the instructor) revokes their earlier ones.
    """
    if not (students or all_students or instructor):
        raise CourseError("name students, or pass --all or --instructor")
    with open_gradebook(config) as book:
        ensure_tables(book)
        with book.session() as s:
            ids = list(students or [])
            if all_students:
                ids += [sid for sid in s.scalars(select(Student.id).order_by(Student.id)) if sid not in ids]
            for sid in ids:
                check_student_id(sid)
                if s.get(Student, sid) is None:
                    raise CourseError(f"unknown student {sid!r}; add them with `course roster add`")
            out = []
            now = _naive(utcnow())
            who_list = [("student", sid) for sid in ids] + ([("instructor", None)] if instructor else [])
            for role, sid in who_list:
                _revoke(s, role, sid, now)
                token = new_token()
                s.add(ApiToken(digest=digest_of(token), role=role, student_id=sid, created_at=now))
                out.append((sid or "instructor", token))
            return out


def _revoke(s, role: str, student_id: str | None, now: datetime) -> int:
    q = select(ApiToken).where(ApiToken.role == role, ApiToken.revoked_at.is_(None))
    q = q.where(ApiToken.student_id == student_id) if student_id else q.where(ApiToken.student_id.is_(None))
    n = 0
    for row in s.scalars(q):
        row.revoked_at = now
        n += 1
    return n


def revoke_tokens(*, config: CourseConfig, students: list[str] | None = None, instructor: bool = False) -> int:
    """Revoke every live token of these students (and/or the instructor); returns how many."""
    if not (students or instructor):
        raise CourseError("name the students whose tokens to revoke, or pass --instructor")
    with open_gradebook(config) as book:
        ensure_tables(book)
        with book.session() as s:
            now = _naive(utcnow())
            n = sum(_revoke(s, "student", check_student_id(sid), now) for sid in students or [])
            if instructor:
                n += _revoke(s, "instructor", None, now)
            return n


def lookup(book: Gradebook, token: str | None) -> ApiToken | None:
    """The live token row for ``token``, or None (unknown, revoked, malformed)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    with book.session() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.digest == digest_of(token))).first()
        if row is None or row.revoked_at is not None:
            return None
        if row.role == "student" and s.get(Student, row.student_id) is None:
            return None  # removed from the roster
        return row
