"""The one interface every sandbox backend implements.

A backend runs the worker (``grader/_worker/worker.py``, stdlib + numpy only) over a
submission directory and hands back its three pipes.  The harness speaks the wire
protocol on stdin/stdout; stderr carries the student's (merged) output.

Contract
--------
- ``Backend.available()`` -> ``(ok, reason)``: can this backend enforce its policy here?
  ``reason`` is a one-line human explanation when ``ok`` is False.
- ``Backend.start(submission_dir, limits=..., gpu=..., image=...)`` -> :class:`Worker`.
  The submission directory is exposed read-only, the worker directory read-only, only a
  scratch directory is writable, the environment holds nothing but what the worker needs,
  stdin of the student code is the protocol pipe (never a terminal).
- ``Worker.kill()`` stops every process of the submission (the whole sandbox), idempotent.
- ``Worker.exit_reason()`` after death: a one-line student-facing reason such as
  ``"memory limit (2048 MB) exceeded"`` or ``"worker exited with code 0"``.
"""
from __future__ import annotations

import signal
import subprocess
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO

from grader.spec import Limits

#: Directory of the standalone worker files, mounted read-only into every sandbox.
WORKER_SOURCE_DIR = Path(__file__).resolve().parents[1] / "_worker"


def worker_argv(python: str, worker_dir: str, submission_dir: str) -> list[str]:
    """Command line of the worker inside the sandbox (isolated mode, no bytecode writes)."""
    return [python, "-I", "-B", f"{worker_dir}/worker.py", submission_dir]


def exit_reason(code: int | None, limits: Limits | None = None, *, oom: bool = False, pids: bool = False,
                killed: bool = False, shell_status: bool = False) -> str:
    """The one-line, student-facing reason a sandboxed worker stopped (every backend).

    Parameters
    ----------
    code : int or None
        Exit status of the process the backend started (None: still running).
        Negative: killed by that signal (:mod:`subprocess` convention).
    limits : Limits
        The limits the worker ran under (named in the reason).
    oom, pids : bool
        The sandbox's memory / process limit was hit (cgroup or container state).
    killed : bool
        The grader killed the worker (wall-clock limit).
    shell_status : bool
        ``code`` above 128 means 128 + signal (bwrap and ``docker run`` report a
        signalled worker that way).
    """
    if code is None:
        return "worker still running"
    limits = limits or Limits()
    if oom:
        return f"memory limit ({limits.memory_mb} MB) exceeded"
    if pids:
        return f"killed: too many processes (limit {limits.pids})"
    sig = -code if code < 0 else (code - 128 if shell_status and code > 128 else 0)
    if sig == signal.SIGXCPU:
        return "CPU time limit exceeded"
    if sig == signal.SIGXFSZ:
        return f"file size limit ({limits.scratch_mb} MB) exceeded"
    if killed:
        return "killed by the grader (time limit)"
    if sig:
        try:
            return f"worker killed by signal {sig} ({signal.Signals(sig).name})"
        except ValueError:
            return f"worker killed by signal {sig}"
    return f"worker exited with code {code}"


class Worker(ABC):
    """A running sandboxed worker process and its pipes."""

    stdin: IO[bytes]
    stdout: IO[bytes]
    stderr: IO[bytes]

    @abstractmethod
    def kill(self) -> None:
        """Stop every process of this sandbox; safe to call twice."""

    @abstractmethod
    def poll(self) -> int | None:
        """Exit code, or None while running."""

    @abstractmethod
    def exit_reason(self) -> str:
        """One line telling why the worker stopped (limits hit, exit code, signal)."""


class Backend(ABC):
    """A sandbox technology (``docker``, ``bwrap`` or ``none``)."""

    name: str = "?"
    #: False only for ``none``: results are labelled unsafe.
    safe: bool = True

    @classmethod
    @abstractmethod
    def available(cls) -> tuple[bool, str]:
        """(True, "") if usable here, else (False, one-line reason)."""

    @abstractmethod
    def start(
        self,
        submission_dir: Path,
        *,
        limits: Limits,
        gpu: bool = False,
        image: str | None = None,
    ) -> Worker:
        """Start the worker over ``submission_dir`` under ``limits``."""


class PopenWorker(Worker):
    """A :class:`Worker` backed by one :class:`subprocess.Popen` (shared by backends)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.stdin, self.stdout, self.stderr = proc.stdin, proc.stdout, proc.stderr

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - kernel trouble
            pass

    def close_pipes(self) -> None:
        """Close our ends of the worker's three pipes (after a kill)."""
        for stream in (self.stdin, self.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def exit_reason(self) -> str:
        return exit_reason(self.proc.poll())
