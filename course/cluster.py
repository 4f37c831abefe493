"""``course cluster up``: a local Dask cluster for grading (scheduler + worker processes).

On one machine it is the quickest way to try ``course grade --cluster``; on many
machines start ``dask scheduler`` on one and ``dask worker tcp://HOST:8786`` on each
grading machine instead (docs/cluster.md).
"""
from __future__ import annotations

import signal
import threading
from typing import Callable

from course.errors import CourseError


def start_local_cluster(*, workers: int, host: str = "127.0.0.1", port: int = 8786):
    """A ``distributed.LocalCluster``: ``workers`` processes of one thread each, no dashboard."""
    if workers < 1:
        raise CourseError(f"workers must be at least 1, got {workers}")
    from distributed import LocalCluster

    try:
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host=host,
                            scheduler_port=port, dashboard_address=None)
    except OSError as exc:
        raise CourseError(f"cannot start a scheduler on {host}:{port}: {exc.strerror or exc}") from None


def run_local_cluster(*, workers: int, host: str = "127.0.0.1", port: int = 8786,
                      echo: Callable[[str], None] = print, stop: threading.Event | None = None) -> None:
    """Start the cluster, print its address, and keep it up until SIGINT/SIGTERM (or ``stop``)."""
    stop = stop or threading.Event()
    cluster = start_local_cluster(workers=workers, host=host, port=port)
    try:
        echo(cluster.scheduler_address)
        echo(f"{workers} worker(s) up; grade with `course grade ASSIGNMENT --cluster {cluster.scheduler_address}`; "
             "Ctrl-C stops the cluster")
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
    finally:
        cluster.close()
