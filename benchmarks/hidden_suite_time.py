"""Seconds per submission of an assignment's hidden suite (issue 12: at most 60 s on 2 cores).

Everything is measured in ONE run, against a baseline measured in the same run: for each
assignment, the released stub (every check fails at once: what grading costs before any
student code does work: worker and pytest start-up, imports, hidden data) and the
solution release (every check does its full work) are graded ``--repeat`` times, one
submission at a time, with the sandbox "none".  It prints the median wall-clock seconds
and CPU seconds (this process and its children) per submission, the ratio solution /
stub, the slowest checks, and whether the solution stays inside the budget.

On a machine shared with other jobs the wall-clock time grows with the load; the CPU
seconds do not, so both are printed.

Usage::

    COURSE_SECRET=... python benchmarks/hidden_suite_time.py [kernels-gp unsupervised] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.assignment import load_assignment  # noqa: E402
from course.config import load_config  # noqa: E402
from course.release import release  # noqa: E402
from grader.engine import grade_submissions  # noqa: E402

BUDGET_S = 60.0


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _grade(spec, path: Path) -> tuple[float, float, dict]:
    wall, cpu = time.perf_counter(), _cpu()
    result = grade_submissions(spec, [path], sandbox="none", workers=1, timings=True)["submissions"][0]
    return time.perf_counter() - wall, _cpu() - cpu, result


def measure(assignment_id: str, repeat: int, work: Path) -> None:
    config = load_config(ROOT)
    spec = load_assignment(config, assignment_id).grading_spec()
    solution = release(config=config, assignment_id=assignment_id, out=work / assignment_id / "solution", solution=True)
    stub = release(config=config, assignment_id=assignment_id, out=work / assignment_id / "stub")
    rows = {}
    for name, path in (("stub", Path(stub)), ("solution", Path(solution))):
        runs = [_grade(spec, path) for _ in range(repeat)]
        last = runs[-1][2]
        if last["status"] != "graded":
            raise SystemExit(f"{assignment_id} {name}: not graded: {last['error']}")
        if name == "solution" and last["score"] != last["max_score"]:
            raise SystemExit(f"{assignment_id}: the solution scored {last['score']}/{last['max_score']}")
        rows[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), last)
    (sw, sc, _), (w, c, result) = rows["stub"], rows["solution"]
    print(f"{assignment_id}: solution {w:.1f} s wall, {c:.1f} s CPU per submission; "
          f"stub baseline {sw:.1f} s wall, {sc:.1f} s CPU; ratio {w / sw:.2f} (wall), {c / max(sc, 1e-9):.2f} (CPU)")
    slowest = sorted(result["checks"], key=lambda ch: -ch.get("seconds", 0.0))[:3]
    print("  slowest checks: " + ", ".join(f"{ch['id'].rsplit('::', 1)[-1]} {ch['seconds']:.1f} s" for ch in slowest))
    verdict = "within" if max(w, c) <= BUDGET_S else "OVER"
    print(f"  {verdict} the {BUDGET_S:.0f} s budget (load average now {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=["kernels-gp", "unsupervised"])
    parser.add_argument("--repeat", type=int, default=3, help="gradings per submission (median)")
    args = parser.parse_args()
    if args.repeat < 1:
        raise SystemExit("error: --repeat must be at least 1")
    with tempfile.TemporaryDirectory(prefix="hidden-suite-") as tmp:
        for assignment_id in args.assignments:
            measure(assignment_id, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
