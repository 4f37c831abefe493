"""The grading engine: prepare each submission, run the hidden checks, collect the scores.

For every submission:

1. the submission is copied safely into a private temporary directory
   (:func:`grader.submission.prepare_submission`);
2. pytest runs the hidden checks in a separate, trusted subprocess::

       python -m pytest -p grader.plugin -p no:cacheprovider --rootdir=<tmp> -c <tmp>/pytest.ini
              --confcutdir=<tests_dir> <tests_dir>

   with plugin autoload off; :mod:`grader.plugin` starts the sandboxed worker and records
   every check's result in a JSON-lines file of that private directory;
3. the score is computed from that file only: the sum of points of passed checks.

Infrastructure failures (sandbox unavailable, harness crash, pytest internal error, no
results) give ``status = "not_graded"`` with an ``error``: never a zero grade.

The harness is bounded too (SECURITY item 29): it caps its own memory
(``Limits.harness_memory_mb``, see :func:`grader.plugin.limit_harness_memory`), arms a
timer per check, and is killed here at the submission's total time limit plus
:data:`HARNESS_GRACE_S` as a backstop for work no timer can interrupt.  A harness that
dies (e.g. C code aborting at its memory limit) makes that submission ``not_graded``
with the check it was running; other submissions graded in parallel have their own
harness process and are unaffected.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

from grader.plugin import CONFIG_ENV
from grader.spec import GradingSpec
from grader.submission import SubmissionError, prepare_submission
from grader.text import clean_text

__all__ = ["grade_submission", "grade_submissions", "not_graded"]

#: Extra seconds the pytest process gets beyond the submission's total time limit.
HARNESS_GRACE_S = 60.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
_TAIL = 2000
#: Environment variables holding the course secret (course.secret.SECRET_ENV): never passed on.
_SECRET_ENVS = frozenset({"COURSE_SECRET"})


def not_graded(path, error: str) -> dict:
    """The result of a submission that could not be graded (infrastructure failure).

    ``error`` may quote student text (a harness tail, a file name): it is cleaned here.
    """
    return {"path": str(path), "status": "not_graded", "score": 0.0, "max_score": 0.0,
            "error": clean_text(error, limit=2000), "checks": []}


def _backend_name(sandbox) -> str:
    """Resolve ``sandbox`` (a name, ``"auto"``, or a Backend) to a concrete backend name."""
    if not isinstance(sandbox, str):
        return sandbox.name
    if sandbox == "inprocess":
        return sandbox
    from grader.sandbox import resolve_backend

    return resolve_backend(sandbox).name


def _harness_env(config_path: Path) -> dict[str, str]:
    # The harness gets the seed in its config file: the course secret itself never leaves
    # this process, not even to the trusted harness (defence in depth against /proc readers).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COURSEKIT_")) and k not in _SECRET_ENVS}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env[CONFIG_ENV] = str(config_path)
    env["PYTHONPATH"] = os.pathsep.join([_PACKAGE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _read_results(path: Path) -> list[dict]:
    records = []
    if not path.is_file():
        return records
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if type(record) is dict:
            records.append(record)
    return records


def _run_checks(spec: GradingSpec, submission_dir: Path, work: Path, backend: str) -> tuple[list[dict], int | None, str]:
    """Run pytest over the hidden checks; return (records, exit code or None if killed, output tail)."""
    tests_dir = Path(spec.tests_dir).resolve()
    results = work / "results.jsonl"
    ini = work / "pytest.ini"
    ini.write_text("[pytest]\n")
    config = {
        "submission_dir": str(submission_dir),
        "tests_dir": str(tests_dir),
        "backend": backend,
        "results": str(results),
        "limits": asdict(spec.limits),
        "gpu": spec.gpu != "none",
        "image": spec.image,
        "seed": int(spec.seed),
        "public": bool(spec.public),
        "total_deadline": time.time() + float(spec.limits.total_timeout),
        "parent_pid": os.getpid(),  # the harness dies with this process (grader.plugin)
    }
    config_path = work / "config.json"
    config_path.write_text(json.dumps(config))
    argv = [
        sys.executable, "-m", "pytest", "-p", "grader.plugin", "-p", "no:cacheprovider",
        f"--rootdir={work}", "-c", str(ini), f"--confcutdir={tests_dir}",
        f"--basetemp={work / 'pytest-tmp'}", "-q", "--no-header", "-p", "no:randomly",
        # Both plugins run gc.collect() several times at exit to report exceptions in
        # finalizers: about 0.15 CPU-s per submission with numpy and the docker SDK loaded,
        # a fifth of the harness (benchmarks/grader_overhead.py), for no grading purpose.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        str(tests_dir),
    ]
    timeout = float(spec.limits.total_timeout) + HARNESS_GRACE_S
    proc = subprocess.Popen(
        argv, cwd=work, env=_harness_env(config_path), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        code = None
    tail = out.decode("utf-8", "replace")[-_TAIL:] if out else ""
    return _read_results(results), code, tail


def _is_check(check_id: str, name: str) -> bool:
    """Whether ``name`` (``test_x``, ``test_x[1]`` or a full id) designates ``check_id``."""
    last = check_id.rsplit("::", 1)[-1]
    return name in (check_id, last, last.split("[", 1)[0])


def failed_gates(checks: list[dict], gates) -> list[str]:
    """The gating checks among ``checks`` that did not pass (a gate that matches no check
    fails too: a renamed gate must not silently open)."""
    failed = []
    for gate in gates:
        matching = [c for c in checks if _is_check(c["id"], gate)]
        if not matching or any(c["status"] != "passed" for c in matching):
            failed.append(gate)
    return failed



def _harness_died(records: list[dict], code: int, limits) -> str:
    """Why a harness that exited by a signal stopped, naming the check it was running."""
    done = {r.get("id") for r in records if r.get("event") == "check"}
    running = [r.get("id") for r in records if r.get("event") == "start" and r.get("id") not in done]
    where = f" while running {running[-1]}" if running else ""
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return (f"the grading harness was killed by {name}{where} (its memory limit is "
            f"{limits.harness_memory_mb} MB; a reply too large to check, or a crash in the check)")


def _assemble(path, records: list[dict], code: int | None, tail: str, refusal: str | None, limits=None,
              gates=(), timings: bool = False) -> dict:
    """Turn the plugin's records into one submission result (or a not_graded one)."""
    collected = next((r for r in records if r.get("event") == "collected"), None)
    finished = any(r.get("event") == "finished" for r in records)
    infra = [r.get("message", "") for r in records if r.get("event") in ("infra_error", "collect_error")]
    if infra:
        return not_graded(path, "; ".join(dict.fromkeys(infra)))
    if code is not None and code < 0 and limits is not None:
        return not_graded(path, _harness_died(records, code, limits))
    if collected is None:
        return not_graded(path, f"the grading harness failed before collecting checks (exit code {code}): {tail.strip()[-500:]}")
    if code is not None and (not finished or code not in (0, 1)):
        return not_graded(path, f"the grading harness failed (pytest exit code {code}): {tail.strip()[-500:]}")
    done = {}
    for r in records:
        if r.get("event") == "check":
            done.setdefault(r["id"], r)
    checks = []
    for c in collected["checks"]:
        r = done.get(c["id"])
        if r is None:  # only possible when the harness was killed at the total time limit
            r = {"status": "timeout", "points": 0.0, "max_points": c["max_points"],
                 "message": f"{c['id'].rsplit('::', 1)[-1]} -- not run: the submission's total time limit was reached"}
        checks.append({
            "id": c["id"],
            "status": r["status"],
            "points": float(r["points"]),
            "max_points": float(c["max_points"]),
            "message": r["message"],
            **({"seconds": float(r.get("seconds", 0.0))} if timings else {}),
        })
    score = float(sum(c["points"] for c in checks if c["status"] == "passed"))
    closed = failed_gates(checks, gates)
    if closed:
        score = 0.0
        gate_note = f"gating check {', '.join(closed)} did not pass: the assignment scores 0"
        refusal = f"{refusal}; {gate_note}" if refusal else gate_note
    return {
        "path": str(path),
        "status": "graded",
        "score": score,
        "max_score": float(sum(c["max_points"] for c in checks)),
        "error": refusal,
        "checks": checks,
    }


def host_has_gpu() -> bool:
    """Whether this grading host has an NVIDIA GPU device node to hand to a sandbox."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def _harness_stats(records: list[dict]) -> dict | None:
    """``{"peak_rss_mb", "memory_limit_mb"}`` the harness reported at its end, if it did."""
    stats = next((r for r in records if r.get("event") == "harness"), None)
    if stats is None:
        return None
    return {"peak_rss_mb": float(stats.get("peak_rss_mb", 0.0)), "memory_limit_mb": int(stats.get("memory_limit_mb", 0))}


def _grade_one(spec: GradingSpec, path, backend: str, keep: bool = False, details: bool = False,
               timings: bool = False) -> dict:
    if spec.gpu == "required" and not host_has_gpu():
        # Infrastructure, not the student's fault: grading on CPU would time out or differ.
        return not_graded(path, "this assignment requires a GPU and this grading host has none")
    work = Path(tempfile.mkdtemp(prefix="ck-grade-"))
    try:
        os.chmod(work, 0o700)
        submission_dir = work / "submission"
        refusal = None
        try:
            prepare_submission(path, submission_dir, student_files=spec.student_files)
        except SubmissionError as exc:
            refusal = f"submission refused: {exc}"
            shutil.rmtree(submission_dir, ignore_errors=True)
            submission_dir.mkdir()
        os.chmod(submission_dir, 0o755)
        records, code, tail = _run_checks(spec, submission_dir, work, backend)
        result = _assemble(path, records, code, tail, refusal, spec.limits, spec.gates, timings)
        if details:
            result["harness"] = _harness_stats(records)
        return result
    except Exception as exc:  # noqa: BLE001 - any engine failure is infrastructure, never a zero
        return not_graded(path, f"grading failed: {type(exc).__name__}: {exc}")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def grade_submission(spec: GradingSpec, path, *, sandbox="auto", details: bool = False) -> dict:
    """Grade one submission.

    Parameters
    ----------
    spec : GradingSpec
    path : path
        Folder, ``.zip``, ``.ipynb`` or ``.py`` file.
    sandbox : {"auto", "docker", "bwrap", "none"} or Backend
        ``"inprocess"`` (no worker at all) exists for benchmarks and tests only.
    details : bool
        Add ``"harness": {"peak_rss_mb", "memory_limit_mb"}`` (the harness's own peak
        resident memory and its limit; None when it died) to the result.  Off by
        default: the ``course grade --json`` contract has no such key.

    Returns
    -------
    dict
        One entry of ``submissions`` in the ``course grade --json`` contract:
        ``{"path", "status", "score", "max_score", "error", "checks": [...]}``.
    """
    try:
        backend = _backend_name(sandbox)
    except Exception as exc:  # noqa: BLE001
        return not_graded(path, str(exc))
    return _grade_one(spec, path, backend, details=details)


def _notify(progress, result: dict) -> None:
    """Call ``progress(result)``; a failing callback is reported, never stops the batch."""
    if progress is None:
        return
    try:
        progress(result)
    except Exception as exc:  # noqa: BLE001 - the other submissions must still be graded
        sys.stderr.write(clean_text(f"warning: progress callback failed for {result.get('path')}: "
                                    f"{type(exc).__name__}: {exc}", limit=500, multiline=False) + "\n")


def grade_submissions(
    spec: GradingSpec,
    paths: Iterable,
    *,
    sandbox="auto",
    workers: int = 1,
    progress: Callable[[dict], None] | None = None,
    details: bool = False,
    timings: bool = False,
) -> dict:
    """Grade many submissions, ``workers`` at a time.

    ``timings=True`` adds each check's wall-clock ``seconds`` (harness side) to its result.

    Returns the ``course grade --json`` document
    ``{"assignment": ..., "submissions": [...]}`` (submissions in the order of ``paths``).
    ``progress(result)`` is called as each submission finishes; ``details`` as in
    :func:`grade_submission`.
    """
    paths = list(paths)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    try:
        backend = _backend_name(sandbox)
    except Exception as exc:  # noqa: BLE001 - e.g. SandboxUnavailable: nothing is graded
        results = [not_graded(p, str(exc)) for p in paths]
        for r in results:
            _notify(progress, r)
        return {"assignment": spec.assignment, "submissions": results}
    results: list[dict | None] = [None] * len(paths)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_grade_one, spec, p, backend, details=details, timings=timings): i
                   for i, p in enumerate(paths)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            _notify(progress, results[i])
    return {"assignment": spec.assignment, "submissions": results}
