"""Harness side of the trust boundary: a transparent proxy to the sandboxed worker.

A hidden check reads like ordinary code::

    model = student.linreg.LinearRegression(fit_intercept=True)
    model.fit(X, y)                  # a message to the worker; returns the same handle
    y_hat = model.predict(X_test)    # a fresh, plain numpy.ndarray
    model.coef_                      # fitted attributes are fetched transparently

Everything that comes back is decoded into exact builtins / plain ndarrays, or is a
:class:`RemoteObject` handle.  Handles never forward dunder methods (``__eq__``,
``__bool__``, ``__array__``, ``__len__``, ``__iter__``, ...): comparing one with
expected data simply fails.

Every request has a deadline.  When the worker hangs, crashes or exits, it is killed and
:class:`CallTimeout` / :class:`WorkerDied` is raised; the next request starts a fresh
worker (handles of the dead one raise :class:`WorkerDied`).
"""
from __future__ import annotations

import builtins
import os
import threading
import time
import weakref
from pathlib import Path

from grader._worker import wire
from grader.spec import Limits
from grader.text import clean_text

__all__ = [
    "StudentError", "WorkerDied", "CallTimeout", "SandboxError", "RemoteObject", "StudentSession",
    "StudentRoot", "escape_output", "student_error_class",
]


# ----------------------------------------------------------------------------- errors
class StudentError(Exception):
    """Student code raised an exception (re-raised on the trusted side as data).

    Concrete classes also subclass the matching builtin, so ``pytest.raises(ValueError)``
    catches a student's ``ValueError`` (and its subclasses such as ``LinAlgError``).

    Attributes
    ----------
    type_name : str
        The exception's class name in the student's code (e.g. ``"LinAlgError"``).
    student_message : str
        ``str(exception)`` in the worker.
    student_traceback : str
        Frames from the submission's own files only.
    """

    type_name = "Exception"
    student_message = ""
    student_traceback = ""

    def describe(self) -> str:
        """``"ValueError: message"`` for student-facing feedback."""
        msg = self.student_message
        return f"{self.type_name}: {msg}" if msg else self.type_name


_ERROR_CLASSES: dict[str, type] = {}
_MESSAGE_LIMIT = 4000
_ERROR_LOCK = threading.Lock()


def student_error_class(builtin_name: str) -> type[StudentError]:
    """The :class:`StudentError` subclass that also subclasses builtin ``builtin_name``."""
    with _ERROR_LOCK:
        cls = _ERROR_CLASSES.get(builtin_name)
        if cls is not None:
            return cls
        base = getattr(builtins, builtin_name, None)
        cls = StudentError
        while isinstance(base, type) and issubclass(base, Exception) and base is not Exception:
            try:
                candidate = type(f"Student{base.__name__}", (StudentError, base), {"__module__": __name__})
                candidate("probe")
                cls = candidate
                break
            except TypeError:  # e.g. UnicodeDecodeError needs five arguments
                base = base.__base__
        _ERROR_CLASSES[builtin_name] = cls
        return cls


def _raise_student_error(info: dict):
    builtin_name = info.get("builtin") if type(info.get("builtin")) is str else "Exception"
    cls = student_error_class(builtin_name)
    message = clean_text(info.get("message", ""), limit=_MESSAGE_LIMIT)  # student text: cleaned once, here
    exc = cls(message)
    exc.type_name = clean_text(info.get("type", builtin_name), limit=200, multiline=False)
    exc.student_message = message
    exc.student_traceback = clean_text(info.get("traceback", ""), limit=_MESSAGE_LIMIT)
    raise exc


class WorkerDied(Exception):
    """The student's worker stopped (crash, ``os._exit``, limit, protocol violation).

    ``str(exc)`` is a one-line student-facing reason.
    """


class CallTimeout(WorkerDied):
    """A call into student code did not finish before the check's deadline."""


class SandboxError(RuntimeError):
    """The sandbox itself failed (backend could not start, worker never answered):
    an infrastructure problem, never the student's fault."""


# ----------------------------------------------------------------------------- output
def escape_output(data: bytes) -> str:
    """Student output as safe text: invalid UTF-8 and control characters escaped
    (:func:`grader.text.clean_text`; the byte limit is :class:`_OutputBuffer`'s)."""
    return clean_text(data, limit=None)


class _OutputDrain(threading.Thread):
    """Reads the worker's stderr to EOF, keeping at most ``keep`` bytes overall."""

    def __init__(self, stream, sink: "_OutputBuffer") -> None:
        super().__init__(daemon=True, name="student-output")
        self.stream = stream
        self.sink = sink

    def run(self) -> None:
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):
            return
        while True:
            try:
                chunk = os.read(fd, 65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.sink.add(chunk)


class _OutputBuffer:
    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.data = bytearray()
        self.dropped = 0
        self.lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self.lock:
            room = self.keep - len(self.data)
            if room > 0:
                self.data += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        with self.lock:
            out = escape_output(bytes(self.data))
            if self.dropped:
                out += f"\n[... {self.dropped} more bytes of output dropped]"
            return out


# ----------------------------------------------------------------------------- session
class StudentSession:
    """One submission's worker, started lazily and restarted after a death.

    Parameters
    ----------
    backend : grader.sandbox.base.Backend
    submission_dir : path
        The prepared submission (read-only inside the sandbox).
    limits : grader.spec.Limits
    gpu : bool
    image : str or None
    """

    def __init__(self, backend, submission_dir, *, limits: Limits = Limits(), gpu: bool = False, image=None) -> None:
        self.backend = backend
        self.submission_dir = Path(submission_dir)
        self.limits = limits
        self.gpu = gpu
        self.image = image
        #: :func:`time.monotonic` time after which requests time out (set per check).
        self.deadline: float | None = None
        #: What the deadline stands for, e.g. ``"timed out after 30 s"``.
        self.deadline_reason = f"timed out after {limits.check_timeout:g} s"
        self.output = _OutputBuffer(limits.output_bytes)
        self.generation = 0
        self.starts = 0
        self._worker = None
        self._drain = None
        self._modules: dict[str, RemoteObject] = {}
        self._proxies: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._pending_release: set[int] = set()
        self._release_lock = threading.Lock()
        #: > 0 while the worker is being started or killed: the plugin's per-check timer
        #: waits for that to finish instead of interrupting it half-way.
        self.shielded = 0

    # ---------------------------------------------------------------- lifecycle
    def set_timeout(self, seconds: float, reason: str | None = None) -> None:
        """Requests from now on must finish within ``seconds``."""
        self.deadline = time.monotonic() + seconds
        self.deadline_reason = reason or f"timed out after {seconds:g} s"

    def _start(self):
        self.shielded += 1
        try:
            return self._start_worker()
        finally:
            self.shielded -= 1

    def _start_worker(self):
        try:
            worker = self.backend.start(self.submission_dir, limits=self.limits, gpu=self.gpu, image=self.image)
        except Exception as exc:  # noqa: BLE001 - any backend failure is infrastructure
            raise SandboxError(f"sandbox {getattr(self.backend, 'name', '?')!r} could not start: {exc}") from exc
        self.generation += 1
        self.starts += 1
        self._worker = worker
        self._modules = {}
        self._proxies = weakref.WeakValueDictionary()  # handle ids restart at 1 in a new worker
        with self._release_lock:
            self._pending_release = set()
        self._drain = _OutputDrain(worker.stderr, self.output)
        self._drain.start()
        for stream in (worker.stdin, worker.stdout):
            os.set_blocking(stream.fileno(), False)
        saved = self.deadline
        self.deadline = time.monotonic() + max(60.0, self.limits.check_timeout)
        try:
            self._request({"op": "init"}, {"message_bytes": int(self.limits.message_bytes),
                                           "elements": int(self.limits.reply_elements)})
        except (WorkerDied, StudentError) as exc:
            self.kill()
            raise SandboxError(f"the sandboxed worker did not start: {exc}") from None
        finally:
            self.deadline = saved
        return worker

    def kill(self) -> None:
        """Stop the worker (if any); the next request starts a fresh one."""
        self.shielded += 1
        try:
            worker, self._worker = self._worker, None
            if worker is not None:
                worker.kill()
                if self._drain is not None:
                    self._drain.join(timeout=2)
        finally:
            self.shielded -= 1

    close = kill

    @property
    def alive(self) -> bool:
        return self._worker is not None and self._worker.poll() is None

    def output_text(self) -> str:
        """Everything the student printed so far (truncated, escaped)."""
        return self.output.text()

    # ---------------------------------------------------------------- requests
    def _died(self, worker, fallback: str) -> WorkerDied:
        for _ in range(40):  # give the kernel a moment to report the exit status
            if worker.poll() is not None:
                break
            time.sleep(0.05)
        reason = worker.exit_reason() if worker.poll() is not None else fallback
        self.kill()
        return WorkerDied(reason)

    def _encode_ref(self, value):
        if type(value) is RemoteObject:
            if value._session is self and value._generation == self.generation:
                return {"$": "ref", "id": value._id}
            raise WorkerDied("this student object belonged to a worker that has since stopped")
        raise wire.EncodeError(
            f"cannot send a {type(value).__name__} to student code (only numbers, strings, "
            "lists, tuples, dicts, numpy arrays, tensors, DataFrames and student objects)"
        )

    def _decode_ref(self, tag):
        hid = tag["id"]
        proxy = self._proxies.get(hid)
        if proxy is None:
            proxy = RemoteObject(self, self.generation, hid, clean_text(tag.get("type", "?"), limit=200, multiline=False),
                                 clean_text(tag.get("kind", "object"), limit=40, multiline=False))
            self._proxies[hid] = proxy
            weakref.finalize(proxy, self._schedule_release, self.generation, hid)
        with self._release_lock:
            self._pending_release.discard(hid)
        return proxy

    def _schedule_release(self, generation: int, hid: int) -> None:
        if generation == self.generation:
            with self._release_lock:
                if hid not in self._proxies:
                    self._pending_release.add(hid)

    def request(self, meta: dict, value=None):
        """Send one request and return the decoded answer (starting a worker if needed)."""
        if self._worker is None:
            self._start()
        return self._request(meta, value)

    def _request(self, meta: dict, value=None):
        worker = self._worker
        deadline = self.deadline if self.deadline is not None else time.monotonic() + self.limits.check_timeout
        if time.monotonic() >= deadline:
            self.kill()
            raise CallTimeout(self.deadline_reason)
        with self._release_lock:
            if self._pending_release:
                meta = {**meta, "release": sorted(self._pending_release)}
                self._pending_release = set()
        try:
            frame = wire.pack(meta, value, ref=self._encode_ref, limit=self.limits.message_bytes,
                              elements=self.limits.reply_elements)
        except wire.MessageTooLarge as exc:
            raise ValueError(f"arguments too large for the sandbox: {exc}") from None
        except wire.EncodeError as exc:
            raise TypeError(str(exc)) from None
        try:
            wire.write_frame(worker.stdin.fileno(), frame, deadline=deadline)
            payload = wire.read_frame(worker.stdout.fileno(), limit=self.limits.message_bytes, deadline=deadline)
            answer, result = wire.unpack(payload, ref=self._decode_ref, elements=self.limits.reply_elements)
        except wire.Deadline:
            self.kill()
            raise CallTimeout(self.deadline_reason) from None
        except wire.ChannelClosed:
            raise self._died(worker, "the worker stopped unexpectedly") from None
        except wire.MessageTooLarge as exc:
            self.kill()
            raise WorkerDied(f"your code sent a reply that is too large for the grader ({exc}); "
                             "the worker was restarted") from None
        except MemoryError:
            self.kill()
            raise WorkerDied("your code sent a reply that is too large for the grader's memory "
                             f"({self.limits.harness_memory_mb} MB); the worker was restarted") from None
        except wire.DecodeError as exc:
            self.kill()
            raise WorkerDied(f"your code sent a reply the grader cannot accept ({exc}); "
                             "the worker was restarted") from None
        except (wire.WireError, OSError, ValueError) as exc:
            self.kill()
            raise WorkerDied(f"protocol violation on the worker's pipe ({type(exc).__name__})") from None
        if answer.get("ok") is True:
            return result
        error = answer.get("error")
        _raise_student_error(error if type(error) is dict else {})

    def import_module(self, name: str) -> "RemoteObject":
        """The student's module ``name`` as a remote handle (cached per worker)."""
        if self._worker is None:
            self._start()
        module = self._modules.get(name)
        if module is None:
            module = self._request({"op": "import"}, name)
            self._modules[name] = module
        return module


# ----------------------------------------------------------------------------- handles
class RemoteObject:
    """A handle to an object living in the worker.

    Attribute access, attribute assignment and calls become requests.  No dunder
    method is forwarded: equality is identity, truth is ``True``, there is no
    ``len``, iteration or array conversion.
    """

    __slots__ = ("_session", "_generation", "_id", "_type", "_kind", "__weakref__")

    def __init__(self, session: StudentSession, generation: int, hid: int, type_name: str, kind: str) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_id", hid)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_kind", kind)

    def _check(self) -> StudentSession:
        session = self._session
        if session._worker is None or session.generation != self._generation:
            raise WorkerDied("this student object belonged to a worker that has since stopped")
        return session

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._check()._request({"op": "getattr", "target": self._id, "name": name})

    def __setattr__(self, name: str, value) -> None:
        if name in RemoteObject.__slots__:
            raise AttributeError(f"cannot set {name}")
        self._check()._request({"op": "setattr", "target": self._id, "name": name}, value)

    def __call__(self, *args, **kwargs):
        return self._check()._request({"op": "call", "target": self._id}, (list(args), kwargs))

    def __repr__(self) -> str:
        return f"<student {self._kind} {self._type}>"


class StudentRoot:
    """The ``student`` fixture: ``student.<module>`` imports that module in the worker."""

    def __init__(self, session: StudentSession) -> None:
        object.__setattr__(self, "_session", session)

    def __getattr__(self, name: str) -> RemoteObject:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._session.import_module(name)

    def __setattr__(self, name, value):
        raise AttributeError("the student root is read-only")

    def __repr__(self) -> str:
        return f"<student submission {self._session.submission_dir.name}>"
