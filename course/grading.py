"""``course grade`` and ``course check``: the course side of the grading engine.

- :func:`grade_adhoc`: grade paths with the hidden checks; no gradebook; returns the
  engine's JSON document (``course grade ASSIGNMENT PATH... --json OUT``).
- :func:`grade_collected`: grade the collected submissions that have no grade yet (or all,
  or one student's, with ``regrade``) into the gradebook's grade history.  The engine grades ``workers`` submissions in parallel; every finished result
  is written in its own transaction by one writer (a lock), so killing the run loses at most
  the submissions in flight and a rerun grades exactly those.  A ``not_graded`` result
  (infrastructure failure) never replaces an earlier grade.
- :func:`check_public`: the public tests on a student's own files (``course check``).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import threading
from pathlib import Path
from typing import Callable

from course.assignment import load_assignment
from course.config import CourseConfig
from course.errors import CourseError
from course.progress import GradingProgress
from grader.spec import SANDBOXES, GradingSpec


def _grade_submissions(spec: GradingSpec, paths: list[Path], *, sandbox: str, workers: int,
                       progress: Callable[[dict], None] | None) -> dict:
    """The grading engine (a seam: tests may replace it)."""
    from grader.engine import grade_submissions

    return grade_submissions(spec, paths, sandbox=sandbox, workers=workers, progress=progress)


def _grade_on_cluster(spec: GradingSpec, paths: list[Path], *, address: str, sandbox: str,
                      progress: Callable[[dict], None] | None, client=None) -> dict:
    """The cluster engine (a seam like :func:`_grade_submissions`); ``client``: a connected
    Dask client to reuse (the server's queue keeps one), else one is made for this call."""
    from grader.cluster import grade_on_cluster

    return grade_on_cluster(spec, paths, address=address, sandbox=sandbox, progress=progress, client=client)


def _cluster_address(config: CourseConfig, cluster: str | None) -> str | None:
    """The Dask scheduler to grade on: ``--cluster``, else course.toml; ``local`` = this machine."""
    address = cluster if cluster is not None else config.cluster
    if not address or address == "local":
        return None
    from grader.cluster import valid_address

    problem = valid_address(address)
    if problem:
        raise CourseError(problem)
    return address


def _options(config: CourseConfig, sandbox: str | None, workers: int | None) -> tuple[str, int]:
    sandbox = sandbox or config.sandbox
    if sandbox not in SANDBOXES:
        raise CourseError(f"unknown sandbox {sandbox!r}; choose one of {', '.join(SANDBOXES)}")
    workers = workers or config.workers
    if workers < 1:
        raise CourseError(f"workers must be at least 1, got {workers}")
    return sandbox, workers


def _run_engine(spec, paths, *, sandbox, workers, progress, cluster: str | None = None, client=None) -> dict:
    from grader.cluster import ClusterError

    try:
        if cluster:
            return _grade_on_cluster(spec, paths, address=cluster, sandbox=sandbox, progress=progress,
                                     client=client)
        return _grade_submissions(spec, paths, sandbox=sandbox, workers=workers, progress=progress)
    except ClusterError as exc:
        raise CourseError(str(exc)) from None
    except CourseError:
        raise
    except Exception as exc:  # the engine's own failure: nothing graded, nothing recorded
        raise CourseError(f"grading engine failed: {type(exc).__name__}: {exc}") from exc


def _progress(progress, total: int):
    """``(context manager, callback)`` for ``progress``: True = the rich display on stderr."""
    if progress is True:
        display = GradingProgress(total)
        return display, display
    return contextlib.nullcontext(), (progress or None)


def grade_adhoc(*, config: CourseConfig, assignment_id: str, paths: list[Path], sandbox: str | None = None,
                workers: int | None = None, progress: bool | Callable[[dict], None] | None = True,
                cluster: str | None = None) -> dict:
    """Grade ``paths`` (folders, zips, notebooks) with the hidden checks; no gradebook.

    Returns the engine's document ``{"assignment", "submissions": [...]}``.
    ``progress``: True for a progress display on stderr, a callable for your own, or None.
    ``cluster``: a Dask scheduler address (default: course.toml ``[grading] cluster``;
    ``"local"``: this machine).
    """
    asg = load_assignment(config, assignment_id)
    sandbox, workers = _options(config, sandbox, workers)
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise CourseError(f"no such file or directory: {', '.join(missing)}")
    address = _cluster_address(config, cluster)
    display, callback = _progress(progress, len(paths))
    with display:
        return _run_engine(asg.grading_spec(), [Path(p) for p in paths], sandbox=sandbox, workers=workers,
                           progress=callback, cluster=address)


class _RunLock:
    """An exclusive advisory lock: one ``course grade`` per assignment at a time.

    Released by the kernel when the process dies, so ``kill -9`` never leaves it stale.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self):
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise CourseError("another `course grade` of this assignment is running; wait for it to finish") from None
        except PermissionError as exc:
            raise CourseError(f"cannot create {self.path}: {exc.strerror}") from None
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def _record_one(book, sub_id: int, result: dict) -> dict:
    """Record ``result``; return what the gradebook now says about this run (never raises).

    The gradebook stores a ``not_graded`` row when it refuses a result; a gradebook that
    cannot be written at all (locked) leaves the submission pending for the next run.
    """
    from course.gradebook import unrecordable

    try:
        book.record_result(sub_id, result)
    except Exception as exc:  # noqa: BLE001 - the rest of the batch is still graded and recorded
        return unrecordable(result, exc)
    if result.get("status") == "graded":
        grade = book.grade_of(sub_id)
        if grade is not None and grade.status != "graded":  # refused and replaced by a not_graded row
            return {**result, "status": grade.status, "score": 0.0, "error": grade.error, "checks": []}
    return result


def grade_collected(*, config: CourseConfig, assignment_id: str, sandbox: str | None = None,
                    workers: int | None = None, progress: bool | Callable[[dict], None] | None = True,
                    regrade: bool = False, student: str | None = None, cluster: str | None = None) -> dict:
    """Grade every student's latest collected submission that has no grade yet.

    Parameters
    ----------
    config : CourseConfig
    assignment_id : str
    sandbox : str, optional
        Default: course.toml.
    workers : int, optional
        Submissions graded in parallel (default: course.toml).
    progress : bool or callable
    regrade : bool
        Grade again even submissions that already have a grade.  Every run is kept in the
        grade history; the latest ``graded`` one counts (a ``not_graded`` one never hides it).
    student : str, optional
        Only this student's latest submission.
    cluster : str, optional
        Grade on the Dask cluster at this scheduler address (default: course.toml
        ``[grading] cluster``; ``"local"``: this machine).  Results are recorded here,
        by this process alone, as they arrive.

    Returns
    -------
    dict
        The engine's document for the submissions graded in this run, each with a
        ``student`` field added; ``already_graded`` counts the ones skipped.
    """
    from course.gradebook import open_gradebook

    asg = load_assignment(config, assignment_id)
    address = _cluster_address(config, cluster)
    spec = asg.grading_spec()  # refuses when the course has no secret
    sandbox, workers = _options(config, sandbox, workers)
    with _RunLock(config.root / f".grading-{asg.id}.lock"), open_gradebook(config) as book:
        latest = book.latest_submissions(asg.id)
        if not latest:
            raise CourseError(f"no collected submissions for {asg.id!r}; run `course collect {asg.id}` first")
        if student is not None:
            if student not in latest:
                raise CourseError(f"{student!r} has no collected submission for {asg.id!r}")
            latest = {student: latest[student]}
        pending, already = {}, 0
        for sid, sub in sorted(latest.items()):
            grade = book.grade_of(sub.id)
            if grade is not None and grade.status == "graded" and not regrade:
                already += 1
                continue
            # identical files share one content-addressed folder: grade it once, record it for each
            pending.setdefault(str(Path(sub.path)), []).append((sub.id, sid))
        doc = {"assignment": asg.id, "submissions": [], "already_graded": already}
        if not pending:
            return doc
        write_lock = threading.Lock()
        recorded: set[str] = set()
        display, bar = _progress(progress, len(pending))

        def record(result: dict) -> None:
            key = str(Path(result.get("path", "")))
            with write_lock:  # one writer
                if key not in pending or key in recorded:
                    return
                for sub_id, sid in pending[key]:
                    doc["submissions"].append({"student": sid, **_record_one(book, sub_id, result)})
                recorded.add(key)
            if bar:
                try:
                    bar(result)
                except Exception:  # noqa: BLE001 - a display problem never stops the batch
                    pass

        with display:
            result = _run_engine(spec, [Path(p) for p in pending], sandbox=sandbox,
                                 workers=workers, progress=record, cluster=address)
        for r in result.get("submissions", []):  # engines that report only at the end
            record(r)
        return doc


def check_public(*, assignment_id: str | None, directory: Path, course_dir: Path | None = None,
                 sandbox: str = "none") -> dict:
    """Run the public tests on the student's files in ``directory``.

    ``sandbox="none"`` (the default) runs the student's own code unsandboxed on their own
    machine, which is fine: it is their code.  Returns the engine's document.
    """
    from course.exchange import student_context

    ctx = student_context(assignment_id=assignment_id, directory=directory, course_dir=course_dir)
    if ctx.tests_dir is None or not ctx.tests_dir.is_dir():
        raise CourseError(f"no public tests found for {ctx.assignment!r} (expected {ctx.tests_dir})")
    missing = [n for n in ctx.student_files if not (Path(directory) / n).is_file()]
    if missing:
        raise CourseError(f"missing file {', '.join(missing)} in {directory}")
    limits = load_assignment(ctx.config, ctx.assignment).limits if ctx.config else None
    spec = GradingSpec(assignment=ctx.assignment, tests_dir=ctx.tests_dir, student_files=ctx.student_files,
                       seed=ctx.seed, public=True, **({"limits": limits} if limits else {}))
    return _run_engine(spec, [Path(directory)], sandbox=sandbox, workers=1, progress=None)
