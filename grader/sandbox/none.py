"""Backend ``none``: the worker as a plain subprocess.  UNSAFE, for local development.

Student code runs with the grader's own privileges: it can read the hidden tests, the
network and your home directory.  What it still gets: a cleared environment, a fresh
scratch directory as its working directory, stdin = the protocol pipe, its own process
group (killed as a whole), and the harness's wall-clock limits.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.sandbox.base import WORKER_SOURCE_DIR, Backend, PopenWorker, worker_argv
from grader.spec import Limits


def minimal_env(scratch: str, *, cpus: float = 1.0, gpu: bool = False) -> dict[str, str]:
    """The only environment variables the worker gets (no tokens, no paths to answers)."""
    threads = str(max(1, int(cpus)))
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8:backslashreplace",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": scratch,
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
    }
    if not gpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


class NoneWorker(PopenWorker):
    """A worker in its own session; :meth:`kill` kills the whole process group."""

    def __init__(self, proc: subprocess.Popen, scratch: str) -> None:
        super().__init__(proc)
        self.scratch = scratch

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        super().kill()
        self.close_pipes()
        shutil.rmtree(self.scratch, ignore_errors=True)


class NoneBackend(Backend):
    """No sandbox at all: a subprocess of the grader (``safe = False``)."""

    name = "none"
    safe = False

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return True, ""

    def start(self, submission_dir: Path, *, limits: Limits, gpu: bool = False, image: str | None = None) -> NoneWorker:
        scratch = tempfile.mkdtemp(prefix="ck-scratch-")
        argv = worker_argv(sys.executable, str(WORKER_SOURCE_DIR), str(Path(submission_dir).resolve()))
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=scratch,
            env=minimal_env(scratch, cpus=limits.cpus, gpu=gpu),
            close_fds=True,
            start_new_session=True,
        )
        return NoneWorker(proc, scratch)
