"""The gradebook: SQLAlchemy 2 ORM over SQLite (default, in the course dir) or any URL.

Tables: students, assignments, submissions (unique key per student and content),
grades (one per submission), check results, manual adjustments.

SQLite runs in WAL mode with a busy timeout; the grading code funnels every write through
one thread (one writer).  A database another process keeps locked past the busy timeout
is reported as ``error: gradebook ... is locked``.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import (
    DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event, exc, select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from course.config import CourseConfig, LatePolicy
from course.errors import CourseError
from grader.text import clean_text

#: Seconds a write waits for another writer before "gradebook locked".
BUSY_TIMEOUT_S = 10.0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _naive(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).replace(tzinfo=None) if dt.tzinfo else dt


class Student(Base):
    __tablename__ = "students"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    #: The Unix user (name or numeric uid) who writes this student's files into a local
    #: exchange; "" = not mapped (then only the course owner may submit for them).
    unix_user: Mapped[str] = mapped_column(String(64), default="")


class AssignmentRow(Base):
    __tablename__ = "assignments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    max_points: Mapped[float] = mapped_column(Float, default=0.0)


class Submission(Base):
    """One collected submission: immutable files stored under ``path``."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256(assignment, student, content)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"))
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")  # inbox file it came from
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    collected_at: Mapped[datetime] = mapped_column(DateTime)
    late_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    grade: Mapped["Grade | None"] = relationship(back_populates="submission", uselist=False)

    @property
    def submitted(self) -> datetime:
        return _aware(self.submitted_at)


class Grade(Base):
    """The grader's result for one submission (``graded`` or ``not_graded``)."""

    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    graded_at: Mapped[datetime] = mapped_column(DateTime)
    submission: Mapped[Submission] = relationship(back_populates="grade")
    checks: Mapped[list["CheckResult"]] = relationship(
        back_populates="grade", cascade="all, delete-orphan", order_by="CheckResult.id"
    )


class CheckResult(Base):
    __tablename__ = "check_results"
    __table_args__ = (UniqueConstraint("grade_id", "check_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"))
    check_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[Grade] = relationship(back_populates="checks")


class Adjustment(Base):
    """A manual change of a student's points on an assignment, with its reason."""

    __tablename__ = "adjustments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Gradebook:
    """A connection to a course's gradebook.

    Parameters
    ----------
    url : str
        Any SQLAlchemy URL; ``sqlite:///<course>/gradebook.sqlite`` by default.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict = {}
        is_sqlite = url.startswith("sqlite")
        if is_sqlite:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        try:
            self.engine = create_engine(url, **kwargs)
        except Exception as exc:  # bad URL, missing driver
            raise CourseError(f"cannot open gradebook {url!r}: {exc}") from exc
        if is_sqlite:
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                except Exception:  # a locked database cannot switch modes; it already is WAL
                    pass
                cur.close()

        with self._errors():
            Base.metadata.create_all(self.engine)
            _add_missing_columns(self.engine)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except exc.OperationalError as e:
            text = str(e.orig) if getattr(e, "orig", None) else str(e)
            if "locked" in text or "busy" in text:
                raise CourseError(
                    f"gradebook {self.url} is locked by another process; try again when it has finished"
                ) from None
            raise CourseError(f"gradebook {self.url}: {text}") from None

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._errors():
            with Session(self.engine, expire_on_commit=False) as s:
                with s.begin():
                    yield s

    def close(self) -> None:
        self.engine.dispose()

    # -- roster ---------------------------------------------------------------------------
    def add_student(self, student_id: str, *, name: str = "", email: str = "", unix_user: str = "") -> bool:
        """Add (or update the name/email/Unix user of) a student; True if new."""
        check_student_id(student_id)
        if unix_user:
            check_unix_user(unix_user)
        with self.session() as s:
            if unix_user:
                other = s.scalars(select(Student).where(Student.unix_user == unix_user,
                                                        Student.id != student_id)).first()
                if other is not None:
                    raise CourseError(f"unix user {unix_user!r} already belongs to student {other.id!r}")
            row = s.get(Student, student_id)
            if row is None:
                s.add(Student(id=student_id, name=name, email=email, unix_user=unix_user))
                return True
            row.name, row.email = name or row.name, email or row.email
            row.unix_user = unix_user or row.unix_user
            return False

    def students(self) -> list[Student]:
        with self.session() as s:
            return list(s.scalars(select(Student).order_by(Student.id)))

    def has_student(self, student_id: str) -> bool:
        with self.session() as s:
            return s.get(Student, student_id) is not None

    def ensure_assignment(self, assignment_id: str, *, title: str, max_points: float) -> None:
        with self.session() as s:
            row = s.get(AssignmentRow, assignment_id)
            if row is None:
                s.add(AssignmentRow(id=assignment_id, title=title, max_points=max_points))
            else:
                row.title, row.max_points = title, max_points

    # -- submissions and grades -----------------------------------------------------------
    def submissions(self, assignment_id: str | None = None) -> list[Submission]:
        with self.session() as s:
            q = select(Submission).order_by(Submission.student_id, Submission.submitted_at)
            if assignment_id:
                q = q.where(Submission.assignment_id == assignment_id)
            return list(s.scalars(q))

    def latest_submissions(self, assignment_id: str) -> dict[str, Submission]:
        """The latest submission of each student (by server-side timestamp)."""
        latest: dict[str, Submission] = {}
        for sub in self.submissions(assignment_id):
            cur = latest.get(sub.student_id)
            if cur is None or (sub.submitted_at, sub.id) > (cur.submitted_at, cur.id):
                latest[sub.student_id] = sub
        return latest

    def grade_of(self, submission_id: int) -> Grade | None:
        with self.session() as s:
            g = s.scalars(select(Grade).where(Grade.submission_id == submission_id)).first()
            if g is not None:
                list(g.checks)  # load while the session is open
            return g

    def record_result(self, submission_id: int, result: dict) -> bool:
        """Store one engine result in its own transaction.

        A ``not_graded`` result never replaces a ``graded`` one.  Returns True if stored.
        A result the database refuses (text that is not valid UTF-8, a NUL PostgreSQL
        will not store, any other database error) is rolled back and a ``not_graded`` row
        giving the reason is stored instead, so one submission never stops a batch.  Only
        when even that cannot be written (a locked gradebook) does this raise CourseError.
        """
        try:
            return self._store_result(submission_id, result)
        except CourseError as e:
            if "is locked" in str(e):
                raise
            error: Exception = e
        except Exception as e:  # noqa: BLE001 - UnicodeEncodeError, DataError, a malformed result, ...
            error = e
        return self._store_result(submission_id, unrecordable(result, error))

    def _store_result(self, submission_id: int, result: dict) -> bool:
        with self.session() as s:
            old = s.scalars(select(Grade).where(Grade.submission_id == submission_id)).first()
            if old is not None:
                if old.status == "graded" and result.get("status") != "graded":
                    return False
                s.delete(old)
                s.flush()
            grade = Grade(
                submission_id=submission_id,
                status=result.get("status", "not_graded"),
                score=float(result.get("score") or 0.0),
                max_score=float(result.get("max_score") or 0.0),
                error=result.get("error"),
                graded_at=_naive(utcnow()),
            )
            seen = set()
            for c in result.get("checks", []):
                if c["id"] in seen:
                    continue
                seen.add(c["id"])
                grade.checks.append(CheckResult(
                    check_id=c["id"], status=c.get("status", "error"), points=float(c.get("points", 0.0)),
                    max_points=float(c.get("max_points", 0.0)), message=c.get("message", "") or "",
                ))
            s.add(grade)
            return True

    def add_adjustment(self, *, student_id: str, assignment_id: str, points: float, reason: str) -> None:
        if not reason.strip():
            raise CourseError("an adjustment needs a reason (--reason)")
        if not math.isfinite(points):
            raise CourseError(f"adjustment points must be a finite number, got {points}")
        with self.session() as s:
            if s.get(Student, student_id) is None:
                raise CourseError(f"unknown student {student_id!r}; add them with `course roster add`")
            if s.get(AssignmentRow, assignment_id) is None:
                raise CourseError(f"assignment {assignment_id!r} has no collected submissions yet")
            s.add(Adjustment(student_id=student_id, assignment_id=assignment_id, points=points,
                             reason=reason.strip(), created_at=_naive(utcnow())))

    def adjustments(self, student_id: str, assignment_id: str) -> list[Adjustment]:
        with self.session() as s:
            q = select(Adjustment).where(Adjustment.student_id == student_id,
                                         Adjustment.assignment_id == assignment_id).order_by(Adjustment.id)
            return list(s.scalars(q))

    def assignments(self) -> list[AssignmentRow]:
        with self.session() as s:
            return list(s.scalars(select(AssignmentRow).order_by(AssignmentRow.id)))


def unrecordable(result: dict, error: BaseException) -> dict:
    """The ``not_graded`` result stored when the gradebook refused ``result``."""
    reason = clean_text(f"the result could not be recorded ({type(error).__name__}: {error}); grade it again",
                        limit=1000, multiline=False)
    try:
        max_score = float(result.get("max_score") or 0.0)
    except (TypeError, ValueError, AttributeError):
        max_score = 0.0
    path = result.get("path", "") if isinstance(result, dict) else ""
    return {"path": clean_text(path, limit=1000, multiline=False), "status": "not_graded", "score": 0.0,
            "max_score": max_score, "error": reason, "checks": []}


def open_gradebook(config: CourseConfig) -> Gradebook:
    """The course's gradebook (created on first use)."""
    return Gradebook(config.gradebook)


def check_unix_user(unix_user: str) -> str:
    """A Unix user name or a numeric uid (what ``course roster add --unix-user`` accepts)."""
    import re

    if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}\$?$", unix_user or ""):
        raise CourseError(f"invalid unix user {unix_user!r}: a user name or a numeric uid")
    return unix_user


def _add_missing_columns(engine) -> None:
    """Columns added after a gradebook was created (``create_all`` adds tables, not columns)."""
    from sqlalchemy import inspect, text

    if "unix_user" not in {c["name"] for c in inspect(engine).get_columns("students")}:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE students ADD COLUMN unix_user VARCHAR(64) NOT NULL DEFAULT ''"))


def check_student_id(student_id: str) -> str:
    import re

    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", student_id or ""):
        raise CourseError(f"invalid student id {student_id!r}: use letters, digits, '.', '_' or '-'")
    return student_id


# -- late policy and final grades -------------------------------------------------------
def days_late(late_seconds: float) -> int:
    """Started days late (0 when on time)."""
    return 0 if late_seconds <= 0 else math.ceil(late_seconds / 86400.0)


def late_fraction(late_seconds: float, policy: LatePolicy) -> float:
    """Fraction of the score lost for being ``late_seconds`` late."""
    days = days_late(late_seconds)
    if days == 0:
        return 0.0
    if policy.cutoff_days is not None and late_seconds > policy.cutoff_days * 86400.0:
        return 1.0
    return min(policy.max_fraction, policy.per_day * days)


@dataclass
class FinalGrade:
    student_id: str
    assignment_id: str
    status: str  # graded | not_graded | pending | missing
    score: float  # raw engine score
    max_score: float
    late_days: int
    penalty: float  # points lost for lateness
    adjustment: float
    final: float
    submission: Submission | None
    grade: Grade | None
    reasons: list[str]


def final_grades(book: Gradebook, config: CourseConfig, assignment_id: str) -> list[FinalGrade]:
    """Final grade of every student on the roster (``missing`` if nothing was collected)."""
    latest = book.latest_submissions(assignment_id)
    rows = []
    with book.session() as s:
        arow = s.get(AssignmentRow, assignment_id)
        max_points = arow.max_points if arow else 0.0
    for st in book.students():
        sub = latest.get(st.id)
        grade = book.grade_of(sub.id) if sub else None
        adj = book.adjustments(st.id, assignment_id)
        adj_pts = sum(a.points for a in adj)
        if sub is None:
            status, score, max_score, late, pen = "missing", 0.0, max_points, 0, 0.0
        elif grade is None:
            status, score, max_score, late, pen = "pending", 0.0, max_points, days_late(sub.late_seconds), 0.0
        else:
            status, score, max_score = grade.status, grade.score, grade.max_score or max_points
            late = days_late(sub.late_seconds)
            pen = score * late_fraction(sub.late_seconds, config.late) if status == "graded" else 0.0
        final = max(0.0, score - pen + adj_pts) if status == "graded" else max(0.0, adj_pts)
        rows.append(FinalGrade(st.id, assignment_id, status, score, max_score, late, pen, adj_pts,
                               round(final, 6), sub, grade, [a.reason for a in adj]))
    return rows
