"""A real Dask cluster on loopback for tests: ``dask scheduler`` and ``dask worker``
processes started from the command line (shared by tests/course/test_cluster.py and
tests/server/test_server_cluster.py)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import distributed  # a dependency of the kit (pyproject.toml): never skipped
import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskCluster:
    """A scheduler and worker processes started with the `dask` command line, torn down after."""

    def __init__(self, workers: int, log_dir: Path) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        env.pop("COURSE_SECRET", None)  # a worker never holds the course secret
        self.env, self.log_dir = env, log_dir
        self.procs: list[subprocess.Popen] = []
        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
                                     "scheduler")
        self.workers = [self._start(["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                     "--host", "127.0.0.1", "--name", f"w{i}"], f"worker{i}")
                        for i in range(workers)]
        self.client = distributed.Client(self.address, timeout=60, set_as_default=False)
        self.client.wait_for_workers(workers, timeout=120)

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "dask", *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.log_dir)
        log.close()
        self.procs.append(proc)
        return proc

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> pid (asked of each worker)."""
        return self.client.run(os.getpid)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            for proc in reversed(self.procs):
                if proc.poll() is None:
                    proc.terminate()
            for proc in self.procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture
def dask_cluster(tmp_path):
    cluster = DaskCluster(2, tmp_path)
    try:
        yield cluster
    finally:
        cluster.close()
