"""The gradebook: SQLAlchemy 2 ORM over SQLite (default, in the course dir) or any URL.

Tables: students, assignments, submissions (unique key per student and content),
grades (a history: many per submission, the latest graded one counts), check results,
adjustments (a ``refund`` flag marks a refund of the late penalty), extensions (the latest
per student and assignment counts), manual rubric points.

Gradebooks created before grade history (``UNIQUE (submission_id)`` on grades, no
``refund`` column) are migrated when opened: SQLite in one transaction after a backup
copy ``<file>.bak-before-history``; other databases get an error naming the SQL to run.

SQLite runs in WAL mode with a busy timeout; the grading code funnels every write through
one thread (one writer).  A database another process keeps locked past the busy timeout
is reported as ``error: gradebook ... is locked``.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import (
    Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event, exc,
    inspect, select,
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
    late_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # at collect time; shown lateness is recomputed
    grades: Mapped[list["Grade"]] = relationship(back_populates="submission", order_by="Grade.id")

    @property
    def submitted(self) -> datetime:
        return _aware(self.submitted_at)


class Grade(Base):
    """One grading run's result for a submission (``graded`` or ``not_graded``).

    A submission may have many (regrades are kept); :func:`effective_grade` says which counts.
    """

    __tablename__ = "grades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    graded_at: Mapped[datetime] = mapped_column(DateTime)
    submission: Mapped[Submission] = relationship(back_populates="grades")
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
    #: A refund of the late penalty: never worth more than the current penalty.
    refund: Mapped[bool] = mapped_column(Boolean, default=False)


class Extension(Base):
    """Extra days for one student on one assignment; the latest row counts."""

    __tablename__ = "extensions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    assignment_id: Mapped[str] = mapped_column(String(64))
    days: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ManualPoints(Base):
    """Points for one rubric item (a written answer), graded by hand."""

    __tablename__ = "manual_points"
    __table_args__ = (UniqueConstraint("student_id", "assignment_id", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    assignment_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime] = mapped_column(DateTime)


def effective_grade(grades: list[Grade]) -> Grade | None:
    """The grade that counts: the latest ``graded`` one; a ``not_graded`` run never hides
    it.  Without any graded run, the latest ``not_graded`` one (or None)."""
    graded = [g for g in grades if g.status == "graded"]
    pool = graded or list(grades)
    return max(pool, key=lambda g: (g.graded_at, g.id)) if pool else None


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
            self._migrate()
            Base.metadata.create_all(self.engine)
            _add_missing_columns(self.engine)

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- schema migration -----------------------------------------------------------------
    def _old_schema(self) -> tuple[bool, bool]:
        """(grades has UNIQUE(submission_id), adjustments lacks ``refund``)."""
        insp = inspect(self.engine)
        tables = set(insp.get_table_names())
        unique_grade = False
        if "grades" in tables:
            cons = [c["column_names"] for c in insp.get_unique_constraints("grades")]
            cons += [i["column_names"] for i in insp.get_indexes("grades") if i.get("unique")]
            unique_grade = ["submission_id"] in cons
        no_refund = "adjustments" in tables and "refund" not in {c["name"] for c in insp.get_columns("adjustments")}
        return unique_grade, no_refund

    def _migrate(self) -> None:
        unique_grade, no_refund = self._old_schema()
        if not (unique_grade or no_refund):
            return
        if self.engine.url.get_backend_name() != "sqlite" or not self.engine.url.database:
            raise CourseError(
                f"gradebook {self.url} has the schema from before grade history; back it up, then run: "
                + ("ALTER TABLE grades DROP CONSTRAINT <the unique constraint on submission_id>; " if unique_grade else "")
                + ("ALTER TABLE adjustments ADD COLUMN refund BOOLEAN NOT NULL DEFAULT FALSE" if no_refund else "")
            )
        _migrate_sqlite(self.engine.url.database, unique_grade=unique_grade, no_refund=no_refund)

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

    def grade_history(self, submission_id: int) -> list[Grade]:
        """Every grading run of a submission, oldest first (checks loaded)."""
        with self.session() as s:
            rows = list(s.scalars(select(Grade).where(Grade.submission_id == submission_id)
                                  .order_by(Grade.graded_at, Grade.id)))
            for g in rows:
                list(g.checks)  # load while the session is open
            return rows

    def grade_of(self, submission_id: int) -> Grade | None:
        """The grade that counts for a submission (see :func:`effective_grade`)."""
        return effective_grade(self.grade_history(submission_id))

    def record_result(self, submission_id: int, result: dict) -> bool:
        """Append one engine result to the submission's grade history (one transaction).

        Earlier rows are kept; a ``not_graded`` result is recorded but never hides a
        ``graded`` one (:func:`effective_grade`).  Returns True.
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

    def add_adjustment(self, *, student_id: str, assignment_id: str, points: float, reason: str,
                       refund: bool = False) -> int:
        """Record a manual change of points; ``refund=True`` tags a refund of the late
        penalty (positive, and never worth more than the penalty).  Returns its id."""
        if refund and points <= 0:
            raise CourseError(f"a penalty refund must be positive, got {points:g}")
        if not reason.strip():
            raise CourseError("an adjustment needs a reason (--reason)")
        if not math.isfinite(points):
            raise CourseError(f"adjustment points must be a finite number, got {points}")
        with self.session() as s:
            if s.get(Student, student_id) is None:
                raise CourseError(f"unknown student {student_id!r}; add them with `course roster add`")
            if s.get(AssignmentRow, assignment_id) is None:
                raise CourseError(f"assignment {assignment_id!r} has no collected submissions yet")
            row = Adjustment(student_id=student_id, assignment_id=assignment_id, points=points,
                             reason=reason.strip(), created_at=_naive(utcnow()), refund=refund)
            s.add(row)
            s.flush()
            return row.id

    def all_adjustments(self, assignment_id: str | None = None, student_id: str | None = None) -> list[Adjustment]:
        with self.session() as s:
            q = select(Adjustment).order_by(Adjustment.id)
            if assignment_id:
                q = q.where(Adjustment.assignment_id == assignment_id)
            if student_id:
                q = q.where(Adjustment.student_id == student_id)
            return list(s.scalars(q))

    def remove_adjustment(self, adjustment_id: int, *, assignment_id: str | None = None) -> Adjustment:
        """Delete one adjustment by id; returns the deleted row."""
        with self.session() as s:
            row = s.get(Adjustment, adjustment_id)
            if row is None or (assignment_id and row.assignment_id != assignment_id):
                where = f" on {assignment_id!r}" if assignment_id else ""
                raise CourseError(f"no adjustment with id {adjustment_id}{where}; see `course adjust --list`")
            s.delete(row)
            return row

    # -- extensions -----------------------------------------------------------------------
    def add_extension(self, *, student_id: str, assignment_id: str, days: float, reason: str = "") -> None:
        if not math.isfinite(days) or days < 0:
            raise CourseError(f"extension days must be a number >= 0, got {days}")
        with self.session() as s:
            if s.get(Student, student_id) is None:
                raise CourseError(f"unknown student {student_id!r}; add them with `course roster add`")
            s.add(Extension(student_id=student_id, assignment_id=assignment_id, days=float(days),
                            reason=reason.strip(), created_at=_naive(utcnow())))

    def extension(self, student_id: str, assignment_id: str) -> float | None:
        """The latest extension granted in the gradebook (days), or None."""
        with self.session() as s:
            row = s.scalars(select(Extension).where(Extension.student_id == student_id,
                                                    Extension.assignment_id == assignment_id)
                            .order_by(Extension.created_at.desc(), Extension.id.desc())).first()
            return None if row is None else row.days

    # -- manual (rubric) points -----------------------------------------------------------
    def manual_points(self, assignment_id: str, student_id: str | None = None) -> list[ManualPoints]:
        with self.session() as s:
            q = select(ManualPoints).where(ManualPoints.assignment_id == assignment_id)
            if student_id:
                q = q.where(ManualPoints.student_id == student_id)
            return list(s.scalars(q.order_by(ManualPoints.student_id, ManualPoints.item_id)))

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
    """The course's gradebook (created on first use); a context manager that closes it."""
    return Gradebook(config.gradebook)


def _migrate_sqlite(database: str, *, unique_grade: bool, no_refund: bool) -> None:
    """Bring a pre-history SQLite gradebook up to date: one transaction, after a backup."""
    import sqlite3
    from pathlib import Path

    from sqlalchemy.schema import CreateTable

    db = Path(database)
    backup = db.with_name(db.name + ".bak-before-history")
    con = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("PRAGMA foreign_keys=OFF")  # the table rebuild below; checked before commit
        if not backup.exists():
            dst = sqlite3.connect(backup)
            try:
                con.backup(dst)
            finally:
                dst.close()
        con.execute("BEGIN IMMEDIATE")
        try:
            if unique_grade:
                ddl = str(CreateTable(Grade.__table__).compile(dialect=_sqlite_dialect()))
                con.execute(ddl.replace("CREATE TABLE grades ", "CREATE TABLE grades_new ", 1))
                cols = "id, submission_id, status, score, max_score, error, graded_at"
                con.execute(f"INSERT INTO grades_new ({cols}) SELECT {cols} FROM grades")
                con.execute("DROP TABLE grades")
                con.execute("ALTER TABLE grades_new RENAME TO grades")
                con.execute("CREATE INDEX IF NOT EXISTS ix_grades_submission_id ON grades (submission_id)")
            if no_refund:
                con.execute("ALTER TABLE adjustments ADD COLUMN refund BOOLEAN NOT NULL DEFAULT 0")
            bad = con.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise CourseError(f"gradebook {db}: migration found broken references {bad[:3]}; nothing changed")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as e:
        raise CourseError(f"gradebook {db}: cannot migrate to grade history ({e}); nothing changed") from None
    finally:
        con.close()


def _sqlite_dialect():
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


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
    """A student's grade on an assignment, computed now from the gradebook and config.

    ``final = clamp(score + manual - penalty + adjustment, 0, max_score + manual_max + max_bonus)``
    where ``penalty`` is the late penalty net of any refund (a refund is capped at it).
    """

    student_id: str
    assignment_id: str
    status: str  # graded | not_graded | pending | missing
    score: float  # raw engine score
    max_score: float  # the checks' maximum (the grade's, or the current one without a grade)
    late_days: int
    penalty: float  # points lost for lateness, net of refunds
    adjustment: float  # other manual adjustments
    final: float
    submission: Submission | None
    grade: Grade | None
    reasons: list[str]
    manual: float = 0.0
    manual_max: float = 0.0
    late_seconds: float = 0.0
    late_fraction: float = 0.0
    refund: float = 0.0  # part of the penalty refunded
    refund_reasons: list[str] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # rubric items: id, prompt, points, max_points, comment

    @property
    def final_max(self) -> float:
        return self.max_score + self.manual_max


def effective_extension_days(config: CourseConfig, book: "Gradebook | None", assignment_id: str,
                             student_id: str) -> float:
    """Extra days for a student: the latest ``course extend`` in the gradebook wins;
    without one, ``[extensions.<assignment>]`` in course.toml."""
    if book is not None:
        days = book.extension(student_id, assignment_id)
        if days is not None:
            return days
    try:
        return float(config.extensions.get(assignment_id, {}).get(student_id, 0.0))
    except (TypeError, ValueError, AttributeError) as exc:
        raise CourseError(f"course.toml [extensions.{assignment_id}]: {exc}") from exc


def late_seconds_of(submitted: datetime, due: datetime | None, extension_days: float) -> float:
    """Seconds after the (extended) deadline, 0 when on time or without a due date."""
    if due is None:
        return 0.0
    limit = _aware(due) + timedelta(days=extension_days)
    return max(0.0, (_aware(submitted) - limit).total_seconds())


def final_grades(book: Gradebook, config: CourseConfig, assignment_id: str) -> list[FinalGrade]:
    """Final grade of every student on the roster (``missing`` if nothing was collected).

    Lateness is computed now from the submission time, the due date and the extensions
    (never frozen at collect); a student without a grade shows the current maximum.
    """
    from course.assignment import load_assignment
    from course.catalog import count_points

    latest = book.latest_submissions(assignment_id)
    with book.session() as s:
        arow = s.get(AssignmentRow, assignment_id)
        max_points = arow.max_points if arow else 0.0
    try:
        asg = load_assignment(config, assignment_id)
    except CourseError:  # the assignment folder is gone: what the gradebook knows
        asg = None
    if asg is not None and asg.hidden_tests.is_dir():
        max_points = count_points(asg.hidden_tests)
    rubric = list(asg.rubric) if asg is not None else []
    bonus = asg.max_bonus if asg is not None else 0.0
    manual_max = sum(item.points for item in rubric)
    manual_rows: dict[str, dict[str, ManualPoints]] = {}
    for m in book.manual_points(assignment_id):
        manual_rows.setdefault(m.student_id, {})[m.item_id] = m
    rows = []
    for st in book.students():
        sub = latest.get(st.id)
        grade = book.grade_of(sub.id) if sub else None
        adj = book.adjustments(st.id, assignment_id)
        refunds = [a for a in adj if a.refund]
        others = [a for a in adj if not a.refund]
        adj_pts = sum(a.points for a in others)
        mine = manual_rows.get(st.id, {})
        items = [{"id": it.id, "prompt": it.prompt, "max_points": it.points,
                  "points": mine[it.id].points if it.id in mine else None,
                  "comment": mine[it.id].comment if it.id in mine else ""} for it in rubric]
        manual = sum(i["points"] for i in items if i["points"] is not None)
        if sub is None:
            late_s = 0.0
        elif asg is None:
            late_s = sub.late_seconds
        else:
            late_s = late_seconds_of(sub.submitted_at, asg.due,
                                     effective_extension_days(config, book, assignment_id, st.id))
        frac = late_fraction(late_s, config.late)
        if sub is None:
            status, score, max_score = "missing", 0.0, max_points
        elif grade is None:
            status, score, max_score = "pending", 0.0, max_points
        else:
            status, score, max_score = grade.status, grade.score, grade.max_score or max_points
        graded = status == "graded"
        base = (score if graded else 0.0) + manual
        raw_penalty = base * frac if sub is not None else 0.0
        refund = min(raw_penalty, sum(a.points for a in refunds))
        penalty = raw_penalty - refund
        top = max_score + manual_max + bonus
        final = min(top, max(0.0, base - penalty + adj_pts))
        rows.append(FinalGrade(
            st.id, assignment_id, status, score, max_score, days_late(late_s), round(penalty, 6), adj_pts,
            round(final, 6), sub, grade, [a.reason for a in others], manual=manual, manual_max=manual_max,
            late_seconds=late_s, late_fraction=frac, refund=round(refund, 6),
            refund_reasons=[a.reason for a in refunds], items=items,
        ))
    return rows
