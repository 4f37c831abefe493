"""``course serve``: the submission server (FastAPI), over a course folder and its gradebook.

Identity comes from the bearer token alone (``Authorization: Bearer ck_...``); time from
the server's clock.  Routes (JSON unless said otherwise):

Anyone
    ``GET /api/health``
Students (their own work only)
    ``GET /api/me``, ``GET /api/assignments`` (the released ones: ``course release`` made
    their inbox), ``GET /api/assignments/{id}/release`` (zip),
    ``POST /api/assignments/{id}/submissions`` (multipart, one part per declared file;
    201 once the files are fsynced, renamed into ``submissions/<id>/<hash>/`` and recorded),
    ``GET /api/assignments/{id}/submissions`` (mine, with the on-submit result the policy
    allows), ``GET /api/assignments/{id}/feedback`` (my released report).
Instructor
    ``POST /api/instructor/assignments/{id}/collect`` (the local exchange's inbox),
    ``POST .../grade`` (queued: 202 and a job id), ``GET /api/instructor/jobs/{job}``,
    ``GET .../stats``, ``POST .../feedback`` (write and release the reports),
    ``GET /api/instructor/export?format=csv|json|lms``.

Request handlers never grade: grading on submit and ``grade`` go to :class:`GradingQueue`,
whose one grading call is :func:`course.grading._run_engine`: the local worker pool, or
the Dask cluster of ``[grading] cluster`` in course.toml (or ``course serve --cluster``),
where the queue submits each job through one Dask client it keeps; results come back to
this process, which alone writes the gradebook.  Every state-changing request, refused or not, is one line in the
append-only audit log ``<course>/server-audit.jsonl``.
"""
import contextlib
import hashlib
import io
import json
import os
import threading
import time
import uuid
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from course.config import CourseConfig
from course.errors import CourseError
from grader.text import clean_text

AUDIT_NAME = "server-audit.jsonl"


@dataclass(frozen=True)
class ServerLimits:
    """Upload and rate limits (per student token; unauthenticated requests per client address)."""

    max_upload_bytes: int = 5 * 1024 * 1024
    max_files: int = 16
    submits_per_minute: int = 6
    requests_per_minute: int = 120
    anonymous_per_minute: int = 30


class RateLimiter:
    """Sliding one-minute windows per key (thread-safe, in memory)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, per_minute: int, now: float | None = None) -> float:
        """0 if allowed (and counted), else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and now - q[0] >= 60.0:
                q.popleft()
            if len(q) >= per_minute:
                return max(0.001, 60.0 - (now - q[0]))
            q.append(now)
            return 0.0


class AuditLog:
    """Append-only JSON lines: one ``os.write`` per record on an ``O_APPEND`` descriptor."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, **record) -> None:
        record = {"time": datetime.now(timezone.utc).isoformat(), **record}
        line = json.dumps(record, sort_keys=True, ensure_ascii=True) + "\n"
        os.write(self.fd, line.encode())

    def close(self) -> None:
        os.close(self.fd)


def student_view(policy: str, state: str, result: dict | None) -> dict:
    """What a student may see of an on-submit result under ``policy`` (SECURITY.md 8)."""
    from course.feedback import check_name

    if policy == "none":
        return {"policy": policy, "state": "off"}
    view = {"policy": policy, "state": state, "checks": "public" if policy == "public" else "hidden"}
    if state != "done" or not result:
        return view
    if result.get("status") != "graded":
        view["state"] = "not_graded"
        return view
    view.update(score=result.get("score", 0.0), max_score=result.get("max_score", 0.0))
    if policy in ("public", "hidden-full"):
        view["results"] = [{"name": check_name(c["id"]), "status": c["status"], "points": c["points"],
                            "max_points": c["max_points"], "message": c.get("message") or ""}
                           for c in result.get("checks", [])]
    return view


class GradingQueue:
    """Grading off the request path: a thread pool in the server process holds the jobs.

    Jobs: grading one submission on submit (:meth:`submit_check`) and grading an
    assignment's collected submissions (:meth:`grade`).  Every grading call goes through
    :func:`course.grading._run_engine`: the local engine (``_grade_submissions``), or, when
    a cluster is configured (``cluster`` here, else course.toml ``[grading] cluster``;
    ``"local"`` forces this machine), the Dask cluster (``_grade_on_cluster``) through one
    client kept for the queue's lifetime.  ``workers`` is the number of jobs in flight.
    """

    def __init__(self, config: CourseConfig, *, sandbox: str | None, workers: int,
                 cluster: str | None = None) -> None:
        from course.grading import _cluster_address

        self.config, self.sandbox = config, sandbox or config.sandbox
        self.cluster = _cluster_address(config, cluster)  # None: the local engine
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grading")
        self.jobs: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._client = None
        self._client_lock = threading.Lock()

    def _cluster_client(self):
        """The queue's Dask client (connected on first use, again after the scheduler was lost)."""
        from grader.cluster import connect

        with self._client_lock:
            if self._client is not None and self._client.status not in ("running", "connecting"):
                with contextlib.suppress(Exception):
                    self._client.close()
                self._client = None
            if self._client is None:
                self._client = connect(self.cluster)
            return self._client

    def _job(self, kind: str, fn, *args) -> str:
        job_id = uuid.uuid4().hex
        with self._lock:
            self.jobs[job_id] = {"id": job_id, "kind": kind, "state": "queued", "result": None, "error": None}

        def run():
            self.jobs[job_id]["state"] = "running"
            try:
                self.jobs[job_id]["result"] = fn(*args)
                self.jobs[job_id]["state"] = "done"
            except Exception as exc:  # noqa: BLE001 - reported through the job
                self.jobs[job_id]["error"] = clean_text(f"{type(exc).__name__}: {exc}", limit=1000, multiline=False)
                self.jobs[job_id]["state"] = "error"

        self.pool.submit(run)
        return job_id

    def grade(self, assignment_id: str, *, regrade: bool, student: str | None) -> str:
        from course.grading import grade_collected

        def work():
            doc = grade_collected(config=self.config, assignment_id=assignment_id, sandbox=self.sandbox,
                                  workers=1, progress=None, regrade=regrade, student=student,
                                  cluster=self.cluster or "local")
            return {"graded": sum(s["status"] == "graded" for s in doc["submissions"]),
                    "not_graded": sum(s["status"] != "graded" for s in doc["submissions"]),
                    "already_graded": doc["already_graded"]}
        return self._job("grade", work)

    def submit_check(self, book, result_id: int, submission_id: int, assignment_id: str, path: str,
                     policy: str) -> str:
        return self._job("on_submit", self._on_submit, book, result_id, submission_id, assignment_id, path, policy)

    def _on_submit(self, book, result_id, submission_id, assignment_id, path, policy):
        from course.assignment import load_assignment
        from course.gradebook import _naive, utcnow
        from course.grading import _run_engine
        from course.tokens import SubmitResult

        state, result = "error", None
        try:
            asg = load_assignment(self.config, assignment_id)
            spec = asg.grading_spec(public=policy == "public")
            client = self._cluster_client() if self.cluster else None
            doc = _run_engine(spec, [Path(path)], sandbox=self.sandbox, workers=1, progress=None,
                              cluster=self.cluster, client=client)
            result = doc["submissions"][0]
            state = "done"
            if policy != "public" and result.get("status") == "graded":
                book.record_result(submission_id, result)  # a hidden grade counts in the gradebook
        finally:
            with book.session() as s:
                row = s.get(SubmitResult, result_id)
                row.state, row.finished_at = state, _naive(utcnow())
                row.result_json = json.dumps(result) if result is not None else ""
        return state

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        with self._client_lock:
            if self._client is not None:
                with contextlib.suppress(Exception):
                    self._client.close()
                self._client = None


def create_app(config: CourseConfig, *, sandbox: str | None = None, workers: int = 1,
               limits: ServerLimits | None = None, cluster: str | None = None):
    """The FastAPI application of a course (also used by the tests)."""
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse, Response

    from course.gradebook import open_gradebook
    from course.tokens import ensure_tables, lookup

    limits = limits or ServerLimits()
    book = open_gradebook(config)
    ensure_tables(book)
    audit = AuditLog(config.root / AUDIT_NAME)
    limiter = RateLimiter()
    queue = GradingQueue(config, sandbox=sandbox, workers=workers, cluster=cluster)
    release_lock = threading.Lock()
    # SQLite has one writer: queue the upload transactions here rather than in SQLite's
    # busy handler (which sleeps and may time out under a burst).  Other databases: no lock.
    write_lock = threading.Lock() if book.engine.url.get_backend_name() == "sqlite" else contextlib.nullcontext()

    app = FastAPI(title=f"course serve: {config.name}", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.book, app.state.queue, app.state.audit, app.state.config = book, queue, audit, config

    @app.middleware("http")
    async def audit_and_limit(request: Request, call_next):
        request.state.who, request.state.audit = "anonymous", {}
        response = await call_next(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            audit.write(method=request.method, path=clean_text(request.url.path, limit=300, multiline=False),
                        status=response.status_code, who=request.state.who,
                        client=request.client.host if request.client else "", **request.state.audit)
        return response

    @app.exception_handler(CourseError)
    async def _course_error(request: Request, exc: CourseError):
        return JSONResponse({"detail": clean_text(str(exc), limit=1000, multiline=False)}, status_code=400)

    def _limited(key: str, per_minute: int) -> None:
        wait = limiter.allow(key, per_minute)
        if wait:
            raise HTTPException(429, "too many requests; try again later",
                                headers={"Retry-After": str(int(wait) + 1)})

    def identity(request: Request):
        header = request.headers.get("authorization", "")
        return identify(request, header[7:].strip() if header.lower().startswith("bearer ") else None)

    def identify(request: Request, token: str | None):
        row = lookup(book, token)
        if row is None:
            _limited(f"anon:{request.client.host if request.client else ''}", limits.anonymous_per_minute)
            raise HTTPException(401, "a valid token is required (course login --server URL --token TOKEN)",
                                headers={"WWW-Authenticate": "Bearer"})
        who = row.student_id if row.role == "student" else "instructor"
        request.state.who = who
        _limited(f"req:{who}", limits.requests_per_minute)
        return {"role": row.role, "student": row.student_id, "token_id": row.id}

    def student(me=Depends(identity)):
        if me["role"] != "student":
            raise HTTPException(403, "this route is for students")
        return me

    def instructor(me=Depends(identity)):
        if me["role"] != "instructor":
            raise HTTPException(403, "this route is for the instructor")
        return me

    def released(assignment_id: str):
        from course.assignment import load_assignment
        from course.exchange import inbox_path

        try:
            asg = load_assignment(config, assignment_id)
        except CourseError:
            raise HTTPException(404, "no such assignment") from None
        if not inbox_path(config.exchange_path, asg.id).is_dir():
            raise HTTPException(404, "no such assignment")
        return asg

    @app.get("/api/health")
    def health():
        return {"ok": True}

    @app.get("/api/me")
    def me(me=Depends(identity)):
        return {"role": me["role"], "student": me["student"]}

    @app.get("/api/assignments")
    def assignments(me=Depends(identity)):
        from course.assignment import list_assignments
        from course.catalog import count_points
        from course.exchange import inbox_path

        return [{"id": a.id, "title": a.title, "student_files": list(a.student_files),
                 "due": a.due.isoformat() if a.due else None, "on_submit": a.on_submit,
                 "max_points": count_points(a.hidden_tests) if a.hidden_tests.is_dir() else 0.0}
                for a in list_assignments(config) if inbox_path(config.exchange_path, a.id).is_dir()]

    @app.get("/api/assignments/{assignment_id}/release")
    def fetch_release(assignment_id: str, me=Depends(identity)):
        import tempfile

        from course.release import release

        asg = released(assignment_id)
        with release_lock, tempfile.TemporaryDirectory() as tmp:
            out = release(config=config, assignment_id=asg.id, out=Path(tmp) / asg.id)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in sorted(out.rglob("*")):
                    if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts:
                        zf.write(p, p.relative_to(out).as_posix())
        return Response(buf.getvalue(), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{asg.id}.zip"'})

    async def _read_upload(request: Request, declared: tuple[str, ...],
                           fields: dict[str, str] | None = None) -> dict[str, bytes]:
        """The declared files of a multipart body, within the byte and file-count limits.

        Text parts are ignored, except that those named in ``fields`` (a dict) are put there
        (the web page's CSRF token)."""
        from starlette.requests import Request as StarletteRequest

        declared_len = request.headers.get("content-length")
        if declared_len and declared_len.isdigit() and int(declared_len) > limits.max_upload_bytes + 65536:
            raise HTTPException(413, f"upload too large: over {limits.max_upload_bytes} bytes")
        body, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_upload_bytes + 65536:
                raise HTTPException(413, f"upload too large: over {limits.max_upload_bytes} bytes")
            body.append(chunk)
        data = b"".join(body)

        async def receive():
            return {"type": "http.request", "body": data, "more_body": False}

        replay = StarletteRequest(request.scope, receive)
        try:
            form = await replay.form(max_files=limits.max_files, max_fields=limits.max_files)
        except HTTPException:
            raise
        except Exception as exc:  # malformed multipart, too many parts
            raise HTTPException(400, clean_text(f"bad upload: {exc}", limit=300, multiline=False)) from None
        files: dict[str, bytes] = {}
        total = 0
        for key, part in form.multi_items():
            if isinstance(part, str):
                if fields is not None and key in fields and not fields[key]:
                    fields[key] = part[:200]
                continue
            name = part.filename or ""
            if name not in declared:
                shown = clean_text(name, limit=100, multiline=False)
                raise HTTPException(400, f"unexpected file {shown!r}; this assignment takes {', '.join(declared)}")
            if name in files:
                raise HTTPException(400, f"file {name!r} sent twice")
            files[name] = await part.read()
            total += len(files[name])
        await form.close()
        if total > limits.max_upload_bytes:
            raise HTTPException(413, f"upload too large: over {limits.max_upload_bytes} bytes")
        missing = [n for n in declared if n not in files]
        if missing:
            raise HTTPException(400, f"missing file(s) {', '.join(missing)}")
        return files

    @app.post("/api/assignments/{assignment_id}/submissions", status_code=201)
    async def submit(assignment_id: str, request: Request, me=Depends(student)):
        from starlette.concurrency import run_in_threadpool

        asg = released(assignment_id)
        _limited(f"submit:{me['student']}", limits.submits_per_minute)
        files = await _read_upload(request, asg.student_files)
        row, duplicate = await run_in_threadpool(_record_submission, asg, me["student"], files)
        request.state.audit = {"assignment": asg.id, "content_hash": row["content_hash"],
                               "submission": row["id"], "duplicate": duplicate}
        if duplicate:
            return JSONResponse({**row, "duplicate": True}, status_code=200)
        return {**row, "duplicate": False}

    def _record_submission(asg, student_id: str, files: dict[str, bytes]) -> tuple[dict, bool]:
        """Store durably (fsync, rename), then record; returns (row, duplicate)."""
        from sqlalchemy import exc as sa_exc
        from sqlalchemy import select

        from course.exchange import _store, content_hash
        from course.gradebook import Submission, _naive, effective_extension_days, late_seconds_of, utcnow
        from course.tokens import SubmitResult

        now = utcnow()
        limit_days = effective_extension_days(config, book, asg.id, student_id)
        late = late_seconds_of(now, asg.due, limit_days)
        cutoff = config.late.cutoff_days
        if late and cutoff is not None and late > cutoff * 86400:
            raise HTTPException(403, f"the deadline for {asg.id!r} passed more than {cutoff:g} day(s) ago; "
                                "late submissions are closed")
        digest = content_hash(files)
        key = hashlib.sha256(f"{asg.id}\0{student_id}\0{digest}".encode()).hexdigest()
        stored = _store(config.root, asg.id, digest, files)
        _ensure_assignment_row(asg)
        try:
            with write_lock, book.session() as s:
                old = s.scalars(select(Submission).where(Submission.key == key)).first()
                if old is not None:
                    return _sub_json(old), True
                sub = Submission(key=key, assignment_id=asg.id, student_id=student_id, content_hash=digest,
                                 path=str(stored), source=f"server:{uuid.uuid4().hex}", submitted_at=_naive(now),
                                 collected_at=_naive(now), late_seconds=late)
                s.add(sub)
                s.flush()
                res = None
                if asg.on_submit != "none":
                    res = SubmitResult(submission_id=sub.id, policy=asg.on_submit, state="queued",
                                       created_at=_naive(now))
                    s.add(res)
                    s.flush()
                out = _sub_json(sub)
        except sa_exc.IntegrityError:  # the same content raced in twice: the first one counts
            with book.session() as s:
                return _sub_json(s.scalars(select(Submission).where(Submission.key == key)).one()), True
        if res is not None:
            queue.submit_check(book, res.id, sub.id, asg.id, str(stored), asg.on_submit)
        return out, False

    def _ensure_assignment_row(asg) -> None:
        from sqlalchemy import exc as sa_exc

        from course.catalog import count_points
        from course.gradebook import AssignmentRow

        with book.session() as s:
            if s.get(AssignmentRow, asg.id) is not None:
                return
        try:
            with book.session() as s:
                s.add(AssignmentRow(id=asg.id, title=asg.title,
                                    max_points=count_points(asg.hidden_tests) if asg.hidden_tests.is_dir() else 0.0))
        except sa_exc.IntegrityError:  # a concurrent upload created it first
            pass

    def _sub_json(sub) -> dict:
        return {"id": sub.id, "assignment": sub.assignment_id, "content_hash": sub.content_hash,
                "submitted_at": sub.submitted.isoformat(), "late_seconds": sub.late_seconds}

    @app.get("/api/assignments/{assignment_id}/submissions")
    def my_submissions(assignment_id: str, me=Depends(student)):
        from sqlalchemy import select

        from course.gradebook import Submission
        from course.tokens import SubmitResult

        asg = released(assignment_id)
        out = []
        with book.session() as s:
            subs = s.scalars(select(Submission).where(Submission.assignment_id == asg.id,
                                                      Submission.student_id == me["student"])
                             .order_by(Submission.submitted_at, Submission.id)).all()
            for sub in subs:
                res = s.scalars(select(SubmitResult).where(SubmitResult.submission_id == sub.id)
                                .order_by(SubmitResult.id.desc())).first()
                view = (student_view(res.policy, res.state, json.loads(res.result_json) if res.result_json else None)
                        if res else student_view("none", "off", None))
                out.append({**_sub_json(sub), "result": view})
        return out

    @app.get("/api/assignments/{assignment_id}/feedback")
    def my_feedback(assignment_id: str, me=Depends(student)):
        from course.feedback_exchange import feedback_root

        asg = released(assignment_id)
        latest = book.latest_submissions(asg.id).get(me["student"])
        folder = feedback_root(config.exchange_path, asg.id) / f"{me['student']}.{latest.content_hash}" if latest else None
        if folder is None or not folder.is_dir():
            raise HTTPException(404, f"no feedback released for you on {asg.id!r} yet")
        return {"assignment": asg.id, "content_hash": latest.content_hash,
                "markdown": (folder / "report.md").read_text(), "html": (folder / "report.html").read_text()}

    # -- instructor --------------------------------------------------------------------
    @app.post("/api/instructor/assignments/{assignment_id}/collect")
    def collect(assignment_id: str, me=Depends(instructor)):
        from course.exchange import collect as do_collect

        r = do_collect(config=config, assignment_id=assignment_id)
        return {"collected": len(r["collected"]), "skipped": r["skipped"], "rejected": r["rejected"]}

    @app.post("/api/instructor/assignments/{assignment_id}/grade", status_code=202)
    def grade(assignment_id: str, request: Request, regrade: bool = False, student: str | None = None,
              me=Depends(instructor)):
        from course.assignment import load_assignment

        load_assignment(config, assignment_id)
        job = queue.grade(assignment_id, regrade=regrade, student=student)
        request.state.audit = {"job": job}
        return {"job": job}

    @app.get("/api/instructor/jobs/{job_id}")
    def job(job_id: str, me=Depends(instructor)):
        if job_id not in queue.jobs:
            raise HTTPException(404, "no such job")
        return queue.jobs[job_id]

    @app.get("/api/instructor/assignments/{assignment_id}/stats")
    def stats(assignment_id: str, me=Depends(instructor)):
        from course.stats import assignment_stats

        return assignment_stats(config=config, assignment_id=assignment_id)

    @app.post("/api/instructor/assignments/{assignment_id}/feedback")
    def release_feedback(assignment_id: str, me=Depends(instructor)):
        from course.feedback import write_feedback
        from course.feedback_exchange import release_feedback as do_release

        paths = write_feedback(config=config, assignment_id=assignment_id, out=None)
        done = do_release(config=config, assignment_id=assignment_id, reports=paths[0].parent)
        return {"released": len(done)}

    @app.get("/api/instructor/export")
    def export(format: str = "csv", me=Depends(instructor)):
        from course.export import export as do_export

        text = do_export(config=config, fmt=format, out=None)
        return Response(text, media_type="application/json" if format == "json" else "text/csv")

    from types import SimpleNamespace

    from course.web import install_pages

    install_pages(app, SimpleNamespace(config=config, book=book, queue=queue, identify=identify,
                                       released=released, read_upload=_read_upload,
                                       record_submission=_record_submission, my_submissions=my_submissions,
                                       limited=_limited, limits=limits))
    return app


def serve(*, config: CourseConfig, host: str = "127.0.0.1", port: int = 8000, sandbox: str | None = None,
          workers: int = 1, ssl_keyfile: Path | None = None, ssl_certfile: Path | None = None,
          limits: ServerLimits | None = None, cluster: str | None = None) -> None:
    """Run the server with uvicorn until interrupted."""
    import uvicorn

    if (ssl_keyfile is None) != (ssl_certfile is None):
        raise CourseError("TLS needs both --ssl-keyfile and --ssl-certfile")
    for p in (ssl_keyfile, ssl_certfile):
        if p is not None and not Path(p).is_file():
            raise CourseError(f"no such file: {p}")
    app = create_app(config, sandbox=sandbox, workers=workers, limits=limits, cluster=cluster)
    uvicorn.run(app, host=host, port=port, log_level="warning", ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
                ssl_certfile=str(ssl_certfile) if ssl_certfile else None, access_log=False)
