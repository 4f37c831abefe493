"""Grading on a Dask cluster: ``--n`` submissions (default 200) on 1 and on 2 Dask workers.

Both clusters are local (``course cluster up``'s LocalCluster: a scheduler and worker
processes of one thread each, on loopback), measured in ONE run; the baseline is the
local engine with ``-j 1`` on the same submissions, in the same run.  Every submission
must come back fully graded exactly once, or the script stops.

The submissions are the honest one of the small fixture assignment
``tests/sandbox/fixtures/e2e`` (3 checks), as in ``benchmarks/grader_overhead.py``.

Usage::

    python benchmarks/cluster_throughput.py [--n 200] [--sandbox none] [--skip-local]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from grader.engine import grade_submissions  # noqa: E402
from grader.spec import GradingSpec, Limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grader_overhead import _submissions  # noqa: E402  (the same honest submissions)

SPEC = GradingSpec("cluster-bench", ROOT / "tests" / "sandbox" / "fixtures" / "e2e" / "hidden", ("mod.py",),
                   limits=Limits(check_timeout=60, total_timeout=300, memory_mb=1024, pids=64, scratch_mb=16), seed=1)


def _check(doc: dict, paths: list[Path], what: str) -> None:
    got = [s["path"] for s in doc["submissions"]]
    if got != [str(p) for p in paths]:
        raise SystemExit(f"{what}: results do not match the submissions one to one")
    bad = [s for s in doc["submissions"] if s["status"] != "graded" or s["score"] != s["max_score"]]
    if bad:
        raise SystemExit(f"{what}: {len(bad)} submissions not fully graded, e.g. {bad[0]}")


def on_cluster(workers: int, paths: list[Path], sandbox: str) -> float:
    from course.cluster import start_local_cluster
    from grader.cluster import connect, grade_on_cluster

    cluster = start_local_cluster(workers=workers, port=0)
    try:
        client = connect(cluster.scheduler_address)
        try:
            client.wait_for_workers(workers, timeout=120)
            seen: list[str] = []
            t0 = time.perf_counter()
            doc = grade_on_cluster(SPEC, paths, address=cluster.scheduler_address, sandbox=sandbox,
                                   progress=lambda r: seen.append(r["path"]), client=client)
            elapsed = time.perf_counter() - t0
        finally:
            client.close()
    finally:
        cluster.close()
    _check(doc, paths, f"{workers} dask worker(s)")
    if sorted(seen) != sorted(map(str, paths)):
        raise SystemExit(f"{workers} dask worker(s): a submission was reported twice or never")
    return elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="submissions per run")
    parser.add_argument("--sandbox", default="none", help="sandbox on the workers (auto|docker|bwrap|none)")
    parser.add_argument("--skip-local", action="store_true", help="skip the local -j 1 baseline")
    args = parser.parse_args(argv)
    print(f"host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"{args.n} submissions, sandbox {args.sandbox}")
    with tempfile.TemporaryDirectory(prefix="ck-clbench-") as tmp:
        paths = _submissions(Path(tmp), args.n)
        rows = []
        if not args.skip_local:
            t0 = time.perf_counter()
            doc = grade_submissions(SPEC, paths, sandbox=args.sandbox, workers=1)
            rows.append(("local engine, -j 1", time.perf_counter() - t0))
            _check(doc, paths, "local -j 1")
        rows.append(("1 dask worker", on_cluster(1, paths, args.sandbox)))
        rows.append(("2 dask workers", on_cluster(2, paths, args.sandbox)))
    one = dict(rows)["1 dask worker"]
    print(f"\n{'engine':<20} {'total s':>8} {'s/submission':>13} {'vs 1 dask worker':>17}")
    for name, t in rows:
        print(f"{name:<20} {t:8.1f} {t / args.n:13.3f} {one / t:16.2f}x")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (other work on the machine skews the speed-up)")


if __name__ == "__main__":
    main()
