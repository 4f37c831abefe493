"""Grading on a Dask distributed cluster: the same engine, on many grading machines.

The coordinator (``course grade --cluster ADDRESS``) sends one Dask task per submission;
a Dask worker runs it with :func:`grade_task`, which grades in the worker machine's own
local sandbox with the ordinary engine (:func:`grader.engine.grade_submission`), and
sends back the result.  The coordinator alone records results (the gradebook never
leaves it).  See ``docs/cluster.md``.

What travels in a task (and nothing else):

- the hidden checks as file contents (``hidden/`` of the assignment: a few files);
- the **derived per-assignment seed** of the hidden data (never the course secret, from
  which every other assignment's seed could be derived);
- the submission as the regular files that :func:`grader.submission.prepare_submission`
  safely copied on the coordinator (so no worker ever opens a student's zip or follows a
  student's symlink);
- the limits, gates, image and sandbox name.

On the worker, checks and submission are written to a private directory
(``tempfile.mkdtemp``, mode 0700, trusted side), graded there, and deleted.  The sandbox
never sees that directory: like a local grade, only the prepared copy of the submission
is mounted read-only into it.

Failures: a worker killed mid-job loses its task; the Dask scheduler reruns it on
another worker (up to ``distributed.scheduler.allowed-failures`` times), and the
coordinator takes each task's result once, so nothing is lost and nothing is recorded
twice.  A task that still cannot run gives a ``not_graded`` result (never a zero).
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from grader.spec import Limits, GradingSpec

__all__ = ["ClusterError", "grade_on_cluster", "grade_task", "pack_tests", "pack_submission", "valid_address"]

#: Largest hidden-check folder shipped with a task (data files included).
MAX_TESTS_BYTES = 32 * 1024 * 1024
#: Seconds the coordinator waits for the scheduler and for a first worker.
CONNECT_TIMEOUT_S = 30.0
#: Address schemes a coordinator accepts (``tls://`` with Dask's own TLS settings).
SCHEMES = ("tcp://", "tls://")


class ClusterError(RuntimeError):
    """The cluster cannot be used (unreachable scheduler, no workers); one-line message."""


def valid_address(address: str) -> str | None:
    """Why ``address`` is not a scheduler address (``tcp://HOST:PORT``), or None."""
    if not isinstance(address, str) or not address.startswith(SCHEMES):
        return f"cluster address must look like tcp://HOST:PORT (or tls://HOST:PORT), got {address!r}"
    rest = address.split("://", 1)[1]
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"cluster address must look like tcp://HOST:PORT (or tls://HOST:PORT), got {address!r}"
    return None


def _regular_files(root: Path, *, skip=("__pycache__",)) -> dict[str, bytes]:
    """``{relative posix path: bytes}`` of the regular files under ``root`` (no symlinks followed)."""
    files: dict[str, bytes] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or name.endswith(".pyc"):
                continue
            total += st.st_size
            if total > MAX_TESTS_BYTES:
                raise ClusterError(f"{root} holds more than {MAX_TESTS_BYTES // 2**20} MB: too large to ship to workers")
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def pack_tests(tests_dir) -> dict[str, bytes]:
    """The checks of ``tests_dir`` as file contents for a task."""
    tests_dir = Path(tests_dir)
    if not tests_dir.is_dir():
        raise ClusterError(f"no checks folder {tests_dir}")
    return _regular_files(tests_dir)


def pack_submission(path, student_files) -> tuple[dict[str, bytes], str | None]:
    """The submission, safely prepared on this machine, as file contents; plus a refusal.

    A refused submission (unsafe zip, too large, ...) travels as no files with the
    refusal message: the worker grades the empty submission and reports why.
    """
    from grader.submission import SubmissionError, prepare_submission

    work = Path(tempfile.mkdtemp(prefix="ck-pack-"))
    try:
        try:
            prepare_submission(path, work / "s", student_files=student_files)
        except SubmissionError as exc:
            return {}, f"submission refused: {exc}"
        return _regular_files(work / "s", skip=()), None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``root``; refuses absolute paths and ``..`` (defence in depth)."""
    for rel, data in files.items():
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"unsafe path in task: {rel!r}")
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def make_task(spec: GradingSpec, path, tests: dict[str, bytes], sandbox: str) -> dict:
    """Everything a worker needs to grade ``path`` (see the module docstring)."""
    files, refusal = pack_submission(path, spec.student_files)
    return {
        "path": str(path),
        "sandbox": sandbox,
        "spec": {
            "assignment": spec.assignment, "tests_name": Path(spec.tests_dir).name or "checks",
            "student_files": list(spec.student_files), "limits": asdict(spec.limits), "gpu": spec.gpu,
            "seed": int(spec.seed), "image": spec.image, "gates": list(spec.gates), "public": bool(spec.public),
        },
        "tests": tests,
        "submission": files,
        "refusal": refusal,
    }


def grade_task(task: dict) -> dict:
    """Run on a Dask worker: grade one submission in this machine's own sandbox.

    Never raises for a grading problem: an infrastructure failure is a ``not_graded``
    result.  The private directory holding checks and seed is removed afterwards.
    """
    from grader.engine import grade_submission, not_graded

    work = Path(tempfile.mkdtemp(prefix="ck-cluster-"))  # mode 0700: the trusted side only
    try:
        s = task["spec"]
        tests_dir = work / s["tests_name"]
        tests_dir.mkdir()
        _write_tree(tests_dir, task["tests"])
        sub = work / "submission"
        sub.mkdir()
        _write_tree(sub, task["submission"])
        spec = GradingSpec(
            assignment=s["assignment"], tests_dir=tests_dir, student_files=tuple(s["student_files"]),
            limits=Limits(**s["limits"]), gpu=s["gpu"], seed=int(s["seed"]), image=s["image"],
            gates=tuple(s["gates"]), public=bool(s["public"]),
        )
        result = grade_submission(spec, sub, sandbox=task["sandbox"])
        if task.get("refusal") and result.get("status") == "graded":
            result["error"] = "; ".join(filter(None, [task["refusal"], result.get("error")]))
    except Exception as exc:  # noqa: BLE001 - infrastructure, never a zero
        result = not_graded(task.get("path", "?"), f"grading on the cluster failed: {type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["path"] = task["path"]
    return result


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT_S):
    """A Dask client of the scheduler at ``address`` with at least one worker."""
    problem = valid_address(address)
    if problem:
        raise ClusterError(problem)
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise ClusterError(f"dask distributed is not installed: {exc}") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ...
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {type(exc).__name__}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:  # noqa: BLE001
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers (start some with `dask worker {address}`)") from None
    return client


def grade_on_cluster(spec: GradingSpec, paths: Iterable, *, address: str, sandbox: str = "auto",
                     progress: Callable[[dict], None] | None = None, client=None) -> dict:
    """Grade ``paths`` on the Dask cluster at ``address``; same document as
    :func:`grader.engine.grade_submissions` (submissions in the order of ``paths``).

    ``progress(result)`` is called here, on the coordinator, once per submission as its
    result arrives (the place to record it).  A task that fails even after the
    scheduler's retries (its workers kept dying) gives a ``not_graded`` result.
    """
    from grader.engine import _notify, not_graded

    paths = [str(p) for p in paths]
    tests = pack_tests(spec.tests_dir)
    own = client is None
    client = connect(address) if own else client
    try:
        from distributed import as_completed

        run = uuid.uuid4().hex[:12]
        futures = {}
        for i, p in enumerate(paths):
            task = make_task(spec, p, tests, sandbox)
            futures[client.submit(grade_task, task, key=f"ck-grade-{run}-{i}", pure=False)] = i
        results: list[dict | None] = [None] * len(paths)
        for future in as_completed(list(futures), loop=client.loop):
            i = futures[future]
            if results[i] is not None:  # each task's result is taken once
                continue
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: retried by the next run
                result = not_graded(paths[i], f"grading on the cluster failed: {type(exc).__name__}: {exc}")
            result["path"] = paths[i]
            results[i] = result
            _notify(progress, result)
            future.release()
        return {"assignment": spec.assignment, "submissions": results}
    finally:
        if own:
            client.close()
