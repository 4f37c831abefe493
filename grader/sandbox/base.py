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
        code = self.proc.poll()
        if code is None:
            return "worker still running"
        if code < 0:
            return f"worker killed by signal {-code}"
        return f"worker exited with code {code}"
