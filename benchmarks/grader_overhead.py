"""What the sandbox costs: per-submission overhead of each backend, and parallel throughput.

Everything is measured in ONE run, against a baseline measured in the same run:

1. Per submission (median of ``--repeat`` gradings of one honest submission of the small
   fixture assignment ``tests/sandbox/fixtures/e2e``, after one warm-up):

   - ``inprocess``: the same checks with the submission imported into pytest (no worker);
   - ``none``: the worker as a plain subprocess (no sandbox) -- the difference to
     ``inprocess`` is the worker's own cost (Python start-up, numpy import, protocol);
   - ``bwrap`` / ``docker``: the sandboxes.  "sandbox overhead" = backend - ``none``, i.e.
     the overhead beyond the worker's own import time (targets: <= 0.3 s bwrap, <= 1 s docker).

2. Throughput: ``--n`` (default 50) submissions graded with 1 and with 2 workers, per
   sandbox backend; speed-up = time(1 worker) / time(2 workers) (target >= 1.8x on an
   otherwise idle machine with at least 2 cores).

Usage::

    python benchmarks/grader_overhead.py [--repeat 5] [--n 50] [--backends bwrap,docker]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.engine import grade_submission, grade_submissions  # noqa: E402
from grader.sandbox import get_backend  # noqa: E402
from grader.spec import GradingSpec, Limits  # noqa: E402

E2E = ROOT / "tests" / "sandbox" / "fixtures" / "e2e"
SPEC = GradingSpec("sandbox-bench", E2E / "hidden", ("mod.py",),
                   limits=Limits(check_timeout=30, total_timeout=120, memory_mb=1024, pids=64, scratch_mb=16), seed=1)


def _submissions(root: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        sub = root / f"sub{i:03d}"
        sub.mkdir(parents=True)
        shutil.copy(E2E / "attacks" / "honest.py", sub / "mod.py")
        paths.append(sub)
    return paths


def _grade_time(backend: str, path: Path) -> float:
    t0 = time.perf_counter()
    result = grade_submission(SPEC, path, sandbox=backend)
    elapsed = time.perf_counter() - t0
    if result["status"] != "graded" or result["score"] != result["max_score"]:
        raise SystemExit(f"{backend}: the honest submission was not fully graded: {result}")
    return elapsed


def per_submission(backends: list[str], repeat: int, root: Path) -> dict[str, float]:
    [path] = _submissions(root, 1)
    times = {}
    for backend in backends:
        _grade_time(backend, path)  # warm-up (page cache, image layers)
        times[backend] = statistics.median(_grade_time(backend, path) for _ in range(repeat))
    return times


def throughput(backend: str, n: int, root: Path) -> dict[int, float]:
    paths = _submissions(root, n)
    out = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        doc = grade_submissions(SPEC, paths, sandbox=backend, workers=workers)
        out[workers] = time.perf_counter() - t0
        bad = [s for s in doc["submissions"] if s["status"] != "graded" or s["score"] != s["max_score"]]
        if bad:
            raise SystemExit(f"{backend}: {len(bad)} submissions not fully graded, e.g. {bad[0]}")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="gradings per backend for the median")
    parser.add_argument("--n", type=int, default=50, help="submissions for the throughput test")
    parser.add_argument("--backends", default="bwrap,docker", help="sandboxes to measure (if available)")
    args = parser.parse_args(argv)

    sandboxes = []
    for name in args.backends.split(","):
        ok, reason = get_backend(name).available()
        if ok:
            sandboxes.append(name)
        else:
            print(f"skipping {name}: {reason}")
    print(f"host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")

    with tempfile.TemporaryDirectory(prefix="ck-bench-") as tmp:
        root = Path(tmp)
        base = per_submission(["inprocess", "none", *sandboxes], args.repeat, root / "single")
        print(f"\nPer submission (median of {args.repeat}; the fixture's 3 checks)")
        print(f"{'backend':<10} {'seconds':>8} {'vs inprocess':>13} {'ratio':>7} {'sandbox overhead':>17}")
        for name, t in base.items():
            extra = "" if name in ("inprocess", "none") else f"{t - base['none']:+.3f} s"
            if name == "none":
                extra = "(worker itself)"
            print(f"{name:<10} {t:8.3f} {t - base['inprocess']:+12.3f}s {t / base['inprocess']:6.2f}x {extra:>17}")

        print(f"\nThroughput: {args.n} submissions")
        print(f"{'backend':<10} {'1 worker':>9} {'2 workers':>10} {'speed-up':>9} {'s/submission (2w)':>18}")
        for i, name in enumerate(sandboxes):
            t = throughput(name, args.n, root / f"many{i}")
            print(f"{name:<10} {t[1]:8.1f}s {t[2]:9.1f}s {t[1] / t[2]:8.2f}x {t[2] / args.n:17.3f}s")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (other work on the machine skews the speed-up)")


if __name__ == "__main__":
    main()
