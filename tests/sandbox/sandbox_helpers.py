"""Helpers for the sandbox backend tests (imported by conftest.py and the tests): run attack code where student code runs.

``probe(code, ...)`` writes ``code`` as ``main.py`` of a fresh submission directory, starts
the backend with the probe worker (``fixtures/probe_worker/worker.py``, mounted read-only
at ``/opt/worker`` instead of the real worker), drains stdout/stderr with a byte cap, and
kills the sandbox after ``wall`` seconds (the harness's wall-clock limit) unless it ended.
"""
from __future__ import annotations

import json
import os
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader.spec import Limits

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROBE_WORKER = FIXTURES / "probe_worker"

#: Small limits keep the suite fast.
SMALL = Limits(check_timeout=5, total_timeout=20, memory_mb=256, pids=64, cpus=1.0, scratch_mb=16)


@dataclass
class ProbeResult:
    code: int | None
    out: bytes
    err: bytes
    out_total: int
    elapsed: float
    reason: str
    timed_out: bool
    worker: object = field(repr=False)

    def json(self) -> dict:
        """The last line of stdout parsed as JSON (probes report their findings that way)."""
        lines = self.out.decode(errors="replace").strip().splitlines()
        assert lines, f"probe printed nothing; stderr: {self.err[-2000:]!r}; reason: {self.reason}"
        return json.loads(lines[-1])


def _drain(stream, sink: bytearray, cap: int, total: list) -> None:
    try:
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                return
            total[0] += len(chunk)
            if len(sink) < cap:
                sink.extend(chunk[: cap - len(sink)])
    except (OSError, ValueError):
        return


def host_processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker`` (sees into every sandbox)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if marker.encode() in fh.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
