"""The pytest plugin that turns hidden pytest checks into recorded, student-facing scores.

Loaded explicitly by the engine (``python -m pytest -p grader.plugin``, plugin autoload
off).  It reads its configuration from the trusted JSON file named by the environment
variable ``COURSEKIT_GRADER_CONFIG`` (written by :mod:`grader.engine`)::

    {"submission_dir": str, "tests_dir": str, "backend": "none"|"bwrap"|"docker"|"inprocess",
     "results": str, "limits": {...}, "gpu": bool, "image": str|null, "seed": int,
     "total_deadline": float (time.time() epoch) | null, "parent_pid": int (optional: the
     harness dies with that process)}

What a check sees
-----------------
- ``student``: the submission as a proxy (``student.linreg.LinearRegression(...)``); one
  worker per submission, restarted lazily after a crash or timeout.
- ``hidden_seed``: the secret seed of the hidden data (never sent to the sandbox).
- ``hidden_rng``: a generator per check from the hidden seed and the check's name.
- ``submission``: read-only access to the submitted source (:class:`grader.checks.Submission`).
- ``@pytest.mark.points(n)`` (default 1) and ``@pytest.mark.timeout(seconds)``.
- ``@pytest.mark.needs("test_a", ...)``: run only when those checks passed, else
  ``not run: needs test_a`` with 0 points (prerequisites are moved first).
- ``@pytest.mark.forbid_imports("pkg.mod", ...)``: import bans, static and at run time.
- :class:`Fail`: an ``AssertionError`` whose text is shown to the student verbatim.

See :mod:`grader.checks` and ``docs/authoring.md``.

What gets recorded
------------------
The plugin (never the student) appends JSON lines to the results file: one
``{"event": "collected", "checks": [{"id", "max_points"}, ...]}``, then one
``{"event": "check", "id", "status", "points", "max_points", "message", "seconds"}`` per finished
check (status ``passed | failed | error | timeout``), and ``{"event": "finished"}`` at
the end.  Messages come from the check's docstring (first paragraph) plus a safe detail:
the student's exception, the timeout, the worker's exit reason, or the text of a
:class:`Fail`; never the check's source, assertion introspection or expected values.

``{"event": "start", "id"}`` precedes each check (so the engine can name the check a
killed harness was running) and ``{"event": "harness", "peak_rss_mb", "memory_limit_mb"}``
precedes ``finished``.

Bounds of the harness itself (SECURITY item 29)
-----------------------------------------------
The harness limits its own memory (:func:`limit_harness_memory`) and arms a timer per
check (:class:`CheckTimer`), so harness-side work on a hostile reply is bounded too.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
import os
import resource
import signal
import sys
import time
from pathlib import Path

import pytest

from grader.checks import Submission, banned_imports, rng_for
from grader.proxy import CallTimeout, SandboxError, StudentError, StudentRoot, StudentSession, WorkerDied
from grader.spec import Limits
from grader.text import clean_text

CONFIG_ENV = "COURSEKIT_GRADER_CONFIG"
_DETAIL_CAP = 600
#: Seconds the per-check timer allows beyond the check's limit: the proxy's own deadline
#: (same limit) reports a hung student call first, with its usual message.
TIMER_GRACE_S = 2.0
#: Once fired, the timer fires again every REFIRE_S seconds until the check ends.
REFIRE_S = 0.5

__all__ = ["Fail", "CONFIG_ENV", "check_message"]


class Fail(AssertionError):
    """A failed check whose text is shown to the student verbatim (a hint).

    Examples
    --------
    >>> raise Fail("predict() must return one value per row of X")  # doctest: +SKIP
    """


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    text = inspect.cleandoc(doc).split("\n\n", 1)[0]
    return " ".join(text.split())


def check_message(name: str, doc: str | None, detail: str = "") -> str:
    """``"<name>: <docstring's first paragraph> -- <detail>"`` (parts omitted when empty)."""
    message = name
    summary = _first_paragraph(doc)
    if summary:
        message += f": {summary}"
    if detail:
        message += f" -- {detail}"
    return message


def _cap(text: str) -> str:
    """One line of at most ``_DETAIL_CAP`` characters, student text cleaned (grader.text)."""
    return clean_text(" ".join(str(text).split()), limit=_DETAIL_CAP, multiline=False)


def limit_harness_memory(mb: int) -> None:
    """Cap this (trusted harness) process's memory at ``mb`` MB with ``RLIMIT_DATA``.

    Why ``RLIMIT_DATA``: it counts the private writable mappings (heap, anonymous
    ``mmap``: every numpy buffer, every Python object) but not the ``PROT_NONE`` address
    space that torch, CUDA and BLAS reserve up front, which makes ``RLIMIT_AS`` unusable
    (``import torch`` alone maps about 640 MB of address space for about 220 MB of data).
    An allocation over the limit fails with ``ENOMEM``, so the harness gets a
    ``MemoryError`` in the check that caused it, records that check as failed and goes
    on; a cgroup would instead OOM-kill the whole harness (and needs a delegated cgroup
    tree, which the docker and none backends do not have).  The limit is per process, so
    harnesses graded in parallel never affect each other.  Only the soft limit is set:
    sandbox backends restore the hard limit for the worker they start.  What it does not
    bound: memory of C code that ignores allocation failure (it aborts, and the engine
    reports the harness's death), and file-backed mappings.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = int(mb) * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    ``VmHWM`` of /proc/self/status: the high-water mark of this program's own memory.
    (``getrusage``'s ``ru_maxrss`` would also count the parent's memory at the fork that
    started the harness, which Linux carries across ``exec``.)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class CheckTimeout(CallTimeout):
    """The per-check timer fired: the check (harness-side work included) ran out of time."""


class CheckTimer:
    """A ``SIGALRM`` timer interrupting Python-level work of the check in progress.

    The proxy's deadline covers waiting for the worker; this covers everything else the
    check does (decoding, comparing, the check's own computations), ``grace`` seconds
    later so that a hung student call keeps its usual report.  When it fires it raises
    :class:`CheckTimeout` in the main thread, unless the worker is being started or killed
    (``session.shielded``): then it retries shortly after.  It fires again every
    :data:`REFIRE_S` seconds until the check ends, and the check is reported as timed out
    even if it caught the exception.  C code that never returns to the interpreter is not
    interrupted; the engine's kill at the total limit covers that.
    """

    def __init__(self, session) -> None:
        self.session = session
        self.deadline: float | None = None
        self.reason = ""
        self.fired = False
        self.armed = False
        signal.signal(signal.SIGALRM, self._on_alarm)

    def start(self, seconds: float, reason: str) -> None:
        self.deadline = time.monotonic() + seconds + TIMER_GRACE_S
        self.reason = reason
        self.fired = False

    def arm(self) -> None:
        if self.deadline is not None and not self.fired:
            self.armed = True
            signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.001))

    def disarm(self) -> None:
        # The flag first: a signal delivered before setitimer(0) runs its Python handler
        # later, maybe outside the check, where it must do nothing.
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _on_alarm(self, signum, frame) -> None:
        if not self.armed or self.deadline is None:
            return
        if self.session is not None and self.session.shielded:
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            return
        self.fired = True
        signal.setitimer(signal.ITIMER_REAL, REFIRE_S)  # again, should the check swallow it
        raise CheckTimeout(self.reason)


class _InProcessRoot:
    """Benchmark/test baseline: the submission imported straight into pytest (no sandbox)."""

    def __init__(self, submission_dir: str) -> None:
        self._dir = submission_dir
        if submission_dir not in sys.path:
            sys.path.append(submission_dir)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return importlib.import_module(name)

    def kill(self) -> None:
        pass


class GraderState:
    """Per-run state: configuration, the student session and the results file."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.tests_dir = Path(cfg["tests_dir"]).resolve()
        self.limits = Limits(**cfg.get("limits", {}))
        limit_harness_memory(self.limits.harness_memory_mb)
        self.total_deadline = cfg.get("total_deadline")
        self.results = open(cfg["results"], "a", encoding="utf-8")  # noqa: SIM115 - closed at the end
        self.checks: dict[str, dict] = {}
        self.outcomes: dict[str, tuple] = {}
        self.not_reached: set[str] = set()
        #: check name -> passed?, for ``@pytest.mark.needs``
        self.passed_by_name: dict[str, bool] = {}
        self.unmet: dict[str, list[str]] = {}
        self.started: dict[str, float] = {}
        backend_name = cfg["backend"]
        if backend_name == "inprocess":
            self.session = None
            self.root = _InProcessRoot(cfg["submission_dir"])
        else:
            from grader.sandbox import get_backend

            backend = get_backend(backend_name)()
            self.session = StudentSession(
                backend, cfg["submission_dir"], limits=self.limits, gpu=bool(cfg.get("gpu")), image=cfg.get("image")
            )
            self.root = StudentRoot(self.session)
        self.timer = CheckTimer(self.session)

    @property
    def submission(self) -> Submission:
        return Submission(self.cfg["submission_dir"], None if self.session is None else self.root)

    def write(self, record: dict) -> None:
        self.results.write(json.dumps(record) + "\n")
        self.results.flush()

    def check_id(self, item) -> str:
        try:
            rel = Path(item.path).resolve().relative_to(self.tests_dir).as_posix()
        except ValueError:
            rel = Path(item.path).name
        rest = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else item.name
        return f"{rel}::{rest}"

    # ------------------------------------------------------------------ hooks
    def pytest_collectreport(self, report) -> None:
        if report.failed:
            where = report.nodeid or "tests"
            self.write({"event": "collect_error", "message": f"hidden checks could not be collected: {where}"})

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        items[:] = order_by_needs(items)
        checks = []
        for item in items:
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker and marker.args else 1.0
            info = {"id": self.check_id(item), "max_points": points}
            self.checks[item.nodeid] = info
            checks.append(info)
        self.write({"event": "collected", "checks": checks})

    def _before_check(self, item) -> None:
        """Deadlines and the timer, prerequisites (``needs``) and static import bans."""
        marker = item.get_closest_marker("timeout")
        seconds = float(marker.args[0]) if marker and marker.args else float(self.limits.check_timeout)
        reason = f"timed out after {seconds:g} s"
        if self.total_deadline is not None:
            left = self.total_deadline - time.time()
            if left <= 0:
                self.not_reached.add(item.nodeid)
                pytest.skip("total time limit reached")
            if left < seconds:
                seconds = left
                reason = f"the submission's total time limit ({self.limits.total_timeout:g} s) was reached"
        if self.session is not None:
            self.session.set_timeout(seconds, reason)
        self.timer.start(seconds, reason)
        self.timer.arm()
        self.started[item.nodeid] = time.monotonic()
        unmet = [n for n in needed_checks(item) if not self.passed_by_name.get(n, False)]
        if unmet:
            self.unmet[item.nodeid] = unmet
            pytest.skip("prerequisite failed")
        banned = forbidden_modules(item)
        if banned:
            found = banned_imports(self.submission.imports(), banned)
            if found:
                raise Fail(f"this part must be written from scratch: do not use {', '.join(found)}")

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item):
        """Before the check's fixtures: :meth:`_before_check`; after them, disarm the timer."""
        try:
            self._before_check(item)
            yield
        finally:
            self.timer.disarm()

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item):
        """The check itself, under the timer; then the run-time import ban."""
        self.timer.arm()
        try:
            outcome = yield
            banned = forbidden_modules(item)
            if banned and self.session is not None and outcome.excinfo is None:
                found = banned_imports(self.submission.loaded_modules(), banned)
                if found:
                    raise Fail(f"this part must be written from scratch: do not use {', '.join(found)}")
        finally:
            self.timer.disarm()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when in ("setup", "call") and item.nodeid not in self.outcomes:
            if report.failed or report.skipped or call.when == "call":
                self.outcomes[item.nodeid] = (call.when, report.outcome, call.excinfo)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        info = self.checks.get(item.nodeid) or {"id": self.check_id(item), "max_points": 1.0}
        self.write({"event": "start", "id": info["id"]})
        self.timer.deadline = None
        yield
        if self.session is not None and (self.timer.fired or self._memory_error(item)):
            self.session.kill()  # interrupted mid-request, or out of memory: start afresh
        status, detail = self.classify(item)
        ok, base = status == "passed", getattr(item, "originalname", item.name)
        self.passed_by_name[item.name] = ok
        self.passed_by_name[base] = self.passed_by_name.get(base, True) and ok  # all parameters
        doc = getattr(getattr(item, "function", None), "__doc__", None)
        started = self.started.get(item.nodeid)
        self.write({
            "event": "check",
            "id": info["id"],
            "status": status,
            "points": info["max_points"] if status == "passed" else 0.0,
            "max_points": info["max_points"],
            # a passed check carries its name only: docstrings often describe the failure
            "message": check_message(item.name, doc, detail) if status != "passed" else item.name,
            "seconds": round(time.monotonic() - started, 4) if started is not None else 0.0,
        })

    def classify(self, item) -> tuple[str, str]:
        when, outcome, excinfo = self.outcomes.get(item.nodeid, ("call", "failed", None))
        if item.nodeid in self.not_reached:
            return "timeout", "not run: the submission's total time limit was reached"
        if item.nodeid in self.unmet:
            return "failed", "not run: needs " + ", ".join(self.unmet[item.nodeid])
        if self.timer.fired:  # also when the check swallowed the CheckTimeout
            return "timeout", _cap(self.timer.reason)
        if outcome == "passed":
            return "passed", ""
        exc = excinfo.value if excinfo is not None else None
        if outcome == "skipped":
            return "error", "this check was skipped"
        if isinstance(exc, CallTimeout):
            return "timeout", _cap(str(exc))
        if isinstance(exc, SandboxError):
            self.write({"event": "infra_error", "message": _cap(str(exc))})
            return "error", "the grader's sandbox failed (not your fault)"
        if isinstance(exc, WorkerDied):
            return "error", _cap(f"your code stopped the worker: {exc}")
        if isinstance(exc, StudentError):
            return "error", _cap(f"your code raised {exc.describe()}{where_in_student_code(exc.student_traceback)}")
        if isinstance(exc, MemoryError):
            return "error", ("the grader ran out of memory checking your code's results (its limit is "
                             f"{self.limits.harness_memory_mb} MB)")
        if isinstance(exc, Fail):
            return "failed", _cap(str(exc))
        if isinstance(exc, (AssertionError, pytest.fail.Exception)):  # incl. pytest.raises' DID NOT RAISE
            # public checks are the student's own to read: show the assertion and its values
            return "failed", _cap(assertion_text(exc)) if self.cfg.get("public") else ""
        if exc is not None and self.session is None:  # in-process baseline: raw exceptions
            return "error", _cap(f"your code raised {type(exc).__name__}: {exc}")
        name = type(exc).__name__ if exc is not None else "an error"
        return "error", f"the check could not use your result ({name})"

    def _memory_error(self, item) -> bool:
        excinfo = self.outcomes.get(item.nodeid, (None, None, None))[2]
        exc = excinfo.value if excinfo is not None else None
        return isinstance(exc, MemoryError) and not isinstance(exc, StudentError)

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        self.timer.disarm()
        if self.session is not None:
            self.session.kill()
            self.write({"event": "output", "text": self.session.output_text(), "starts": self.session.starts})
        self.write({"event": "harness", "peak_rss_mb": round(peak_rss_mb(), 1),
                    "memory_limit_mb": int(self.limits.harness_memory_mb)})
        self.write({"event": "finished", "exitstatus": int(exitstatus)})
        self.results.close()


_FRAME_RE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)(?:\n\s+(?P<code>[^\n]*))?')


def where_in_student_code(traceback_text: str) -> str:
    """`` (at trees.py, line 42, in fit: y = X_tr[0])``: the innermost frame of the
    student's own files, from the worker's traceback (which holds only those frames)."""
    frames = list(_FRAME_RE.finditer(traceback_text or ""))
    if not frames:
        return ""
    f = frames[-1]
    code = (f["code"] or "").strip()
    return f" (at {f['file']}, line {f['line']}, in {f['func']}" + (f": {code})" if code else ")")


def assertion_text(exc: BaseException) -> str:
    """A failed assertion as pytest explains it (``assert 0.69 < 1e-12``, with values)."""
    text = str(exc).strip()
    return " / ".join(line.strip() for line in text.splitlines()[:6] if line.strip()) or type(exc).__name__


def needed_checks(item) -> list[str]:
    """Names given to ``@pytest.mark.needs`` on ``item`` (and its class / module)."""
    return [str(n) for m in item.iter_markers("needs") for n in m.args]


def forbidden_modules(item) -> list[str]:
    """Modules banned by ``@pytest.mark.forbid_imports`` on ``item`` (and its class / module)."""
    return [str(n) for m in item.iter_markers("forbid_imports") for n in m.args]


def order_by_needs(items: list) -> list:
    """``items`` in their order, except that a check runs after the checks it needs.

    A stable depth-first topological order; a cycle or an unknown name is left as is (the
    check then reports ``not run: needs ...``).
    """
    by_name: dict[str, list] = {}
    for it in items:
        by_name.setdefault(getattr(it, "originalname", it.name), []).append(it)
        by_name.setdefault(it.name, []).append(it)
    ordered, placed, active = [], set(), set()

    def place(it) -> None:
        if id(it) in placed or id(it) in active:
            return
        active.add(id(it))
        for name in needed_checks(it):
            for dep in by_name.get(name, []):
                place(dep)
        active.discard(id(it))
        placed.add(id(it))
        ordered.append(it)

    for it in items:
        place(it)
    return ordered


def _state(request) -> GraderState:
    state = request.config.pluginmanager.get_plugin("grader-state")
    if state is None:
        raise RuntimeError(f"the 'student' fixture needs the grading engine ({CONFIG_ENV} is not set)")
    return state


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "points(n): points this check is worth (default 1)")
    config.addinivalue_line("markers", "timeout(seconds): wall-clock limit of this check")
    config.addinivalue_line("markers", "needs(*checks): run only when these checks passed")
    config.addinivalue_line("markers", "forbid_imports(*modules): the submission must not import these")
    path = os.environ.get(CONFIG_ENV)
    if path and config.pluginmanager.get_plugin("grader-state") is None:
        with open(path, encoding="utf-8") as fh:
            cfg = json.load(fh)
        if cfg.get("parent_pid"):
            _die_with_parent(int(cfg["parent_pid"]))
        config.pluginmanager.register(GraderState(cfg), "grader-state")


def _die_with_parent(parent: int) -> None:
    """End this harness with SIGKILL when the grading process that started it dies.

    A grading machine killed mid-job (a Dask worker's SIGKILL, an OOM kill) would otherwise
    leave its harness grading on for nobody, its sandbox with it (bwrap dies with the
    harness; a docker worker sees its stdin close).  Linux ``PR_SET_PDEATHSIG``; it fires
    when the *thread* that started the harness exits, and the engine's thread waits for the
    harness.  If the parent is already gone, exit now: nobody will read the results.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


@pytest.fixture(scope="session")
def student(request):
    """The submission, as a proxy: ``student.<module>.<name>``."""
    return _state(request).root


@pytest.fixture(scope="session")
def hidden_seed(request) -> int:
    """The secret seed of the hidden data (trusted side only)."""
    return int(_state(request).cfg.get("seed", 0))


@pytest.fixture
def hidden_rng(request, hidden_seed):
    """A fresh generator per check, from the hidden seed and the check's name."""
    return rng_for(hidden_seed, request.node.name)


@pytest.fixture(scope="session")
def submission(request) -> Submission:
    """The submitted files, read-only (source, static imports, import bans)."""
    return _state(request).submission
