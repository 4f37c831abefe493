"""Fixtures of the sandbox backend tests (helpers live in sandbox_helpers.py)."""
from __future__ import annotations

import textwrap
import threading
import time
import uuid

import pytest

from sandbox_helpers import PROBE_WORKER, SMALL, ProbeResult, _drain, wait_until
from grader.spec import Limits


@pytest.fixture
def probe(tmp_path):
    """Run probe code in a backend; returns a :class:`ProbeResult` (the sandbox is killed)."""
    started = []

    def run(backend, code: str, *, limits: Limits = SMALL, wall: float = 10.0, stdin: bytes | None = None,
            gpu: bool = False, cap: int = 1 << 20, files: dict | None = None, keep: bool = False) -> ProbeResult:
        sub = tmp_path / f"sub-{uuid.uuid4().hex[:8]}"
        sub.mkdir()
        (sub / "main.py").write_text(textwrap.dedent(code))
        for name, text in (files or {}).items():
            (sub / name).write_text(text)
        backend.worker_dir = PROBE_WORKER
        t0 = time.monotonic()
        worker = backend.start(sub, limits=limits, gpu=gpu)
        started.append(worker)
        out, err, out_total, err_total = bytearray(), bytearray(), [0], [0]
        threads = [threading.Thread(target=_drain, args=(worker.stdout, out, cap, out_total), daemon=True),
                   threading.Thread(target=_drain, args=(worker.stderr, err, cap, err_total), daemon=True)]
        for t in threads:
            t.start()
        try:
            if stdin:
                worker.stdin.write(stdin)
                worker.stdin.flush()
            worker.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        timed_out = not wait_until(lambda: worker.poll() is not None, wall)
        if timed_out and not keep:
            worker.kill()
        for t in threads:
            t.join(timeout=10)
        elapsed = time.monotonic() - t0
        code = worker.poll()
        reason = worker.exit_reason()
        if not keep:
            worker.kill()
        return ProbeResult(code, bytes(out), bytes(err), out_total[0], elapsed, reason, timed_out, worker)

    yield run
    for w in started:
        w.kill()
