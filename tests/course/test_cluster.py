"""Grading on a real Dask cluster: `dask scheduler` and two `dask worker` processes on loopback.

The workers grade with the real engine (sandbox "none": what is tested here is the
distribution, not the sandbox); the coordinator alone writes the gradebook.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course.errors import CourseError
from course.exchange import collect, ensure_inbox, submit
from course.gradebook import open_gradebook
from course.grading import grade_adhoc, grade_collected
from course.release import release

import distributed  # a dependency of the kit (pyproject.toml): never skipped
from tests.dask_cluster import dask_cluster, free_port as _free_port  # noqa: F401 - dask_cluster is a fixture

REPO = Path(__file__).resolve().parents[2]
DUE = datetime(2030, 1, 1, tzinfo=timezone.utc)


def _students(config, tmp_path, n: int) -> dict[str, str]:
    """``n`` students submit (alternately the solution and the stub, each file unique);
    collected.  Returns student id -> expected outcome of test_mean ("passed"/"not passed")."""
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    ensure_inbox(config.exchange_path, "toy")
    with open_gradebook(config) as book:
        for i in range(n):
            book.add_student(f"s{i:02d}")
    when = DUE - timedelta(days=1)
    expected = {}
    for i in range(n):
        src = sol if i % 2 == 0 else stub
        (src / "toy.py").write_text((src / "toy.py").read_text() + f"\n# student {i}\n")
        submit(assignment_id="toy", student_id=f"s{i:02d}", directory=src, now=when)
        expected[f"s{i:02d}"] = "passed" if i % 2 == 0 else "not passed"
    assert not collect(config=config, assignment_id="toy", received_at=lambda p, st: when)["rejected"]
    return expected


@pytest.mark.slow
def test_cluster_grades_exactly_like_the_local_engine(dask_cluster, config, tmp_path):
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    paths = [sol, stub, tmp_path / "missing-file-dir"]
    paths[2].mkdir()
    local = grade_adhoc(config=config, assignment_id="toy", paths=paths, sandbox="none", workers=2,
                        progress=None, cluster="local")
    remote = grade_adhoc(config=config, assignment_id="toy", paths=paths, sandbox="none",
                         progress=None, cluster=dask_cluster.address)
    assert [s["path"] for s in remote["submissions"]] == [str(p) for p in paths]

    def essence(doc):
        return [(s["status"], s["score"], s["max_score"], [(c["id"], c["status"], c["points"]) for c in s["checks"]])
                for s in doc["submissions"]]

    assert essence(remote) == essence(local)
    assert remote["submissions"][0]["score"] == remote["submissions"][0]["max_score"] == 6.0
    assert remote["submissions"][1]["score"] == 0.0


@pytest.mark.slow
def test_a_worker_killed_mid_job_loses_nothing_and_records_nothing_twice(dask_cluster, config, tmp_path):
    # a slow hidden check, so that both workers are busy when one of them is killed; it runs
    # first (file name), so a harness without a parent would live 3 s before its first output
    (config.root / "assignments" / "toy" / "hidden" / "test_a_slow.py").write_text(
        "import time\n\ndef test_slow(student):\n    time.sleep(3.0)\n")
    expected = _students(config, tmp_path, 8)
    done: dict = {}

    def run():
        try:
            done["doc"] = grade_collected(config=config, assignment_id="toy", sandbox="none", progress=None,
                                          cluster=dask_cluster.address)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            done["error"] = exc

    coordinator = threading.Thread(target=run)
    coordinator.start()
    pids = dask_cluster.worker_pids()
    victim = None
    deadline = time.monotonic() + 180
    while victim is None and time.monotonic() < deadline and coordinator.is_alive():
        busy = {w: tasks for w, tasks in dask_cluster.client.processing().items() if tasks}
        if len(busy) == 2:  # both workers hold a submission: kill one of them mid-job
            candidate = sorted(busy)[0]
            orphans = _harnesses_of(pids[candidate])
            if orphans:  # its harness is running: now
                victim = candidate
                os.kill(pids[victim], signal.SIGKILL)
        time.sleep(0.05)
    assert victim is not None, "the two workers were never busy at the same time"
    # the harness of the killed worker dies with it (grader.plugin: PR_SET_PDEATHSIG), well
    # before its 3-second check would have ended it
    gone = time.monotonic() + 2
    while any(_alive(pid) for pid in orphans) and time.monotonic() < gone:
        time.sleep(0.1)
    assert not [pid for pid in orphans if _alive(pid)], "a harness outlived its killed worker"
    coordinator.join(timeout=300)
    assert not coordinator.is_alive() and "error" not in done, done.get("error")
    doc = done["doc"]
    assert sorted(s["student"] for s in doc["submissions"]) == sorted(expected)  # all graded, once each
    assert all(s["status"] == "graded" for s in doc["submissions"]), [s["error"] for s in doc["submissions"]]
    with open_gradebook(config) as book:
        latest = book.latest_submissions("toy")
        assert sorted(latest) == sorted(expected)
        for sid, sub in latest.items():
            history = book.grade_history(sub.id)
            assert len(history) == 1, f"{sid} recorded {len(history)} times"
            mean = next(c for c in history[0].checks if c.check_id.endswith("test_mean"))
            assert (mean.status == "passed") == (expected[sid] == "passed"), (sid, mean.status)
    # the killed worker really is gone, the other one did the rest
    assert sum(p.poll() is None for p in dask_cluster.workers) == 1


def _harnesses_of(worker_pid: int) -> list[int]:
    """Pids of the grading harnesses (``pytest -p grader.plugin``) the worker started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
        if ppid == worker_pid and b"grader.plugin" in cmdline:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_bad_cluster_addresses_are_one_line_errors(config, tmp_path):
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    with pytest.raises(CourseError, match="tcp://HOST:PORT"):
        grade_adhoc(config=config, assignment_id="toy", paths=[sol], progress=None, cluster="localhost:8786")
    port = _free_port()  # nothing listens there
    import grader.cluster

    old, grader.cluster.CONNECT_TIMEOUT_S = grader.cluster.CONNECT_TIMEOUT_S, 2.0
    try:
        with pytest.raises(CourseError, match="cannot reach the Dask scheduler"):
            grade_adhoc(config=config, assignment_id="toy", paths=[sol], progress=None,
                        cluster=f"tcp://127.0.0.1:{port}")
    finally:
        grader.cluster.CONNECT_TIMEOUT_S = old


def test_course_toml_grading_section_is_validated(course_root):
    from course.config import load_config

    toml = course_root / "course.toml"
    base = toml.read_text()
    toml.write_text(base + '\n[grading]\ncluster = "tcp://10.0.0.5:8786"\n')
    assert load_config(course_root).cluster == "tcp://10.0.0.5:8786"
    toml.write_text(base + '\n[grading]\ncluster = "10.0.0.5"\n')
    with pytest.raises(CourseError, match="grading.cluster"):
        load_config(course_root)
    toml.write_text(base + '\n[grading]\nclustre = "tcp://10.0.0.5:8786"\n')
    with pytest.raises(CourseError, match="unknown key grading.clustre"):
        load_config(course_root)


def test_tasks_carry_the_derived_seed_never_the_secret(config, tmp_path):
    from course.assignment import load_assignment
    from course.secret import load_secret, secret_path
    from grader.cluster import make_task, pack_tests

    spec = load_assignment(config, "toy").grading_spec()
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    task = make_task(spec, sol, pack_tests(spec.tests_dir), "none")
    assert task["spec"]["seed"] == spec.seed
    assert "toy.py" in task["submission"] and b"def mean" in task["submission"]["toy.py"]
    assert "test_hidden.py" in task["tests"]
    blob = repr(task)
    assert load_secret(config.root).decode() not in blob
    assert secret_path(config.root).read_text().strip() not in blob


@pytest.mark.slow
def test_course_cluster_up_prints_an_address_with_workers_and_stops_on_ctrl_c(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", "import cli; cli.app()", "cluster", "up", "--workers", "2",
                             "--port", "0"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        address = proc.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
            assert len(client.scheduler_info()["workers"]) == 2
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
