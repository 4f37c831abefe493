"""The deep assignments' hidden suites on the solution: CPU, then GPU; times and ratio.

For each assignment that declares ``gpu = "optional"`` or ``"required"`` (today:
``deep-learning``, ``generative`` and ``neural-networks``), release the solution and grade it with its hidden checks twice, in ONE
run: first with the GPU hidden from the worker (``CUDA_VISIBLE_DEVICES=""``), then with the
GPU visible.  Prints per run the score, the wall-clock seconds and the CPU seconds of the
grading (harness and worker together), and the ratio CPU wall / GPU wall.  Without a GPU
(no ``/dev/nvidia*`` or ``torch.cuda.is_available()`` false) it grades on the CPU only and
says "no GPU".  Sandbox ``none`` by default; ``--sandbox bwrap`` hands the device nodes to
bubblewrap.

Usage (a course secret is needed; a throwaway one is fine)::

    COURSE_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))') \\
        python benchmarks/gpu_check.py [--sandbox none|bwrap] [--assignments deep-learning]

On a GPU machine without the release tools (nbgrader), release the solutions here first
(``course release ID --out rel/ID --solution``) and pass ``--releases rel``.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.assignment import list_assignments, load_assignment  # noqa: E402
from course.config import load_config  # noqa: E402
from course.release import release  # noqa: E402
from grader.engine import grade_submissions, host_has_gpu  # noqa: E402


def gpu_available() -> tuple[bool, str]:
    if not host_has_gpu():
        return False, "no GPU (no /dev/nvidia* device node)"
    try:
        import torch
    except ImportError:
        return False, "no GPU (torch is not installed)"
    if not torch.cuda.is_available():
        return False, "no GPU (torch.cuda.is_available() is false)"
    return True, torch.cuda.get_device_name(0)


def _cpu_seconds() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def grade_once(spec, solution: Path, sandbox: str) -> dict:
    wall, cpu = time.perf_counter(), _cpu_seconds()
    result = grade_submissions(spec, [solution], sandbox=sandbox, workers=1)["submissions"][0]
    return {"wall": time.perf_counter() - wall, "cpu": _cpu_seconds() - cpu, "result": result}


def _line(label: str, run: dict) -> str:
    r = run["result"]
    failed = [c["id"].split("::")[-1] for c in r["checks"] if c["status"] != "passed"]
    return (f"  {label:4s} {r['status']:10s} {r['score']:g}/{r['max_score']:g}  wall {run['wall']:7.1f} s"
            f"  cpu {run['cpu']:7.1f} s" + (f"  not passed: {', '.join(failed)}" if failed else "")
            + (f"  error: {r['error']}" if r.get("error") else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sandbox", default="none", choices=["none", "bwrap"],
                        help="sandbox backend for both runs (default: none)")
    parser.add_argument("--assignments", default="",
                        help="comma-separated ids (default: every assignment with gpu optional/required)")
    parser.add_argument("--releases", default="",
                        help="folder with solution releases made beforehand (DIR/<id>), for a machine "
                             "without the release tools (nbgrader); default: release here")
    args = parser.parse_args(argv)
    config = load_config(ROOT)
    if args.assignments:
        ids = [a for a in args.assignments.split(",") if a]
    else:
        ids = [a.id for a in list_assignments(config) if a.gpu != "none"]
    if not ids:
        print("error: no assignment declares gpu = optional or required", file=sys.stderr)
        return 2
    has_gpu, device = gpu_available()
    print(f"device: {device}; sandbox: {args.sandbox}")
    status = 0
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        for aid in ids:
            asg = load_assignment(config, aid)
            spec = asg.grading_spec()
            if args.releases:
                solution = Path(args.releases) / aid
            else:
                solution = Path(release(config=config, assignment_id=aid, out=Path(tmp) / aid, solution=True))
            print(f"{aid}:")
            cpu_run = grade_once(replace(spec, gpu="none"), solution, args.sandbox)
            print(_line("CPU", cpu_run), flush=True)
            ok = cpu_run["result"]["score"] == cpu_run["result"]["max_score"]
            if has_gpu:
                gpu_run = grade_once(replace(spec, gpu="optional" if spec.gpu == "none" else spec.gpu),
                                     solution, args.sandbox)
                print(_line("GPU", gpu_run))
                print(f"  ratio CPU/GPU wall: {cpu_run['wall'] / gpu_run['wall']:.2f}x")
                ok = ok and gpu_run["result"]["score"] == gpu_run["result"]["max_score"]
            else:
                print("  GPU  skipped: no GPU")
            status = status or (0 if ok else 1)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
