"""Load on the submission server: ``--students`` (default 200) students submit at once.

Everything on 127.0.0.1, bounded in count (one submission per student) and in time
(``--timeout`` seconds for the whole burst).  One run measures:

1. the baseline: the same number of concurrent ``GET /api/health`` requests (no token,
   no database, no disk) on the same server;
2. the burst: every student uploads one submission at the same moment (multipart, token
   check, fsync + rename into the content store, one gradebook transaction), grading on
   submit off.

It prints p50/p95 latency of both and their ratio, and checks that the gradebook holds
every one of the submissions exactly once.  Goal: p95 of the burst under 1 s.

Usage::

    python benchmarks/server_load.py [--students 200] [--gradebook URL] [--timeout 120]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

FIXTURE = ROOT / "tests" / "course" / "fixtures" / "course"
LAUNCH = """
import sys
from course.config import load_config
from course.server import ServerLimits, serve
serve(config=load_config(sys.argv[1]), port=int(sys.argv[2]), sandbox="none")
"""


def make_course(base: Path, n: int, gradebook: str) -> tuple[Path, dict[str, str]]:
    from course.config import load_config
    from course.exchange import ensure_inbox
    from course.gradebook import open_gradebook
    from course.secret import create_secret
    from course.tokens import issue_tokens

    root = base / "course"
    shutil.copytree(FIXTURE, root)
    create_secret(root)
    if gradebook:
        toml = root / "course.toml"
        toml.write_text(toml.read_text().replace('exchange = "exchange"\n',
                                                 f'exchange = "exchange"\ngradebook = "{gradebook}"\n'))
    config = load_config(root)
    with open_gradebook(config) as book:
        for i in range(n):
            book.add_student(f"s{i:04d}")
    ensure_inbox(config.exchange_path, "toy")
    return root, dict(issue_tokens(config=config, all_students=True))


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


async def burst(url: str, requests: list[tuple[str, dict]], timeout: float) -> tuple[list[float], list[int]]:
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        start = asyncio.Event()

        async def one(method: str, kw: dict) -> tuple[float, int]:
            await start.wait()
            t0 = time.perf_counter()
            r = await client.request(method, kw.pop("path"), **kw)
            if r.status_code >= 400:
                print(f"  {r.status_code}: {r.text[:200]}", file=sys.stderr)
            return time.perf_counter() - t0, r.status_code

        tasks = [asyncio.create_task(one(m, dict(kw))) for m, kw in requests]
        await asyncio.sleep(0.2)
        start.set()
        done = await asyncio.wait_for(asyncio.gather(*tasks), timeout=timeout)
    return [d for d, _ in done], [s for _, s in done]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--gradebook", default="", help="SQLAlchemy URL (default: the course's SQLite file)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds allowed for each burst")
    args = ap.parse_args()
    if not 1 <= args.students <= 1000:
        print("error: --students must be within 1..1000", file=sys.stderr)
        return 2
    from sqlalchemy import func, select

    from course.config import load_config
    from course.gradebook import Submission, open_gradebook
    from tests.server.conftest import free_port

    base = Path(tempfile.mkdtemp(prefix="server-load-"))
    proc = None
    try:
        root, tokens = make_course(base, args.students, args.gradebook)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(root), str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=open(base / "server.log", "wb"))
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                print("error: the server did not start:", (base / "server.log").read_text()[-1000:], file=sys.stderr)
                return 1
            time.sleep(0.2)
        base_lat, base_status = asyncio.run(burst(url, [("GET", {"path": "/api/health"})] * args.students,
                                                  args.timeout))
        uploads = [("POST", {"path": "/api/assignments/toy/submissions",
                             "headers": {"Authorization": f"Bearer {tok}"},
                             "files": [("files", ("toy.py", f"# {sid}\n".encode() + os.urandom(1500).hex().encode()))]})
                   for sid, tok in tokens.items()]
        t0 = time.perf_counter()
        lat, status = asyncio.run(burst(url, uploads, args.timeout))
        wall = time.perf_counter() - t0
        with open_gradebook(load_config(root)) as book, book.session() as s:
            rows = s.execute(select(Submission.student_id, func.count()).group_by(Submission.student_id)).all()
        per_student = dict(rows)
        once = sum(1 for sid in tokens if per_student.get(sid) == 1)
        p50, p95 = percentile(lat, 0.50), percentile(lat, 0.95)
        b50, b95 = percentile(base_lat, 0.50), percentile(base_lat, 0.95)
        print(f"students: {args.students}   gradebook: {args.gradebook.split('@')[-1] or 'sqlite'}")
        print(f"baseline GET /api/health: p50 {b50 * 1000:7.1f} ms   p95 {b95 * 1000:7.1f} ms   "
              f"(all 200: {all(s == 200 for s in base_status)})")
        print(f"concurrent submissions:   p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
              f"(burst {wall:.1f} s, mean {statistics.mean(lat) * 1000:.1f} ms)")
        print(f"ratio to baseline:        p50 {p50 / b50:7.1f} x    p95 {p95 / b95:7.1f} x")
        print(f"acknowledged 201: {status.count(201)}/{args.students}; recorded exactly once: "
              f"{once}/{args.students}; extra rows: {sum(per_student.values()) - once}")
        refused = sorted(set(status) - {201})
        if refused:
            print("refused:", {code: status.count(code) for code in refused},
                  "; server log:", (base / "server.log").read_text()[-500:])
        ok = status.count(201) == args.students and once == args.students and len(per_student) == args.students
        print(f"goal p95 < 1 s: {'met' if p95 < 1.0 else 'NOT met'}; exactly once: {'yes' if ok else 'NO'}")
        return 0 if ok else 1
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
