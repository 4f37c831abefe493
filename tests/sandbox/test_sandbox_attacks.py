"""Backend-level attacks (shared/SECURITY.md items 11-18, 20, 25), run in bwrap and in Docker.

Each probe is a small script that runs exactly where student code runs (same mounts, user,
limits) and prints its findings as JSON on its last line.
"""
from __future__ import annotations

import glob
import resource
import socket
import threading
import time
import uuid

import pytest

from grader.spec import Limits

from sandbox_helpers import SMALL, host_processes_with, wait_until

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------ 11: time, input()
@pytest.mark.parametrize("attack", ["while True:\n    pass\n", "import time\ntime.sleep(10**9)\n"])
def test_busy_loop_and_sleep_are_killed_at_the_wall_limit(safe_backend, probe, attack):
    marker = f"m{uuid.uuid4().hex}"
    res = probe(safe_backend, f"# {marker}\n{attack}", wall=1.5)
    assert res.timed_out
    assert res.code is not None, "the sandbox must be dead after kill()"
    assert res.elapsed < 1.5 + 8, f"kill took too long: {res.elapsed:.1f}s"
    assert "time limit" in res.reason


def test_blocking_input_gets_eof_not_a_hang(safe_backend, probe):
    res = probe(safe_backend, """
        import json
        try:
            input()
            got = "line"
        except EOFError:
            got = "eof"
        print(json.dumps({"input": got}))
    """, wall=8)
    assert not res.timed_out, res.reason
    assert res.json() == {"input": "eof"}


# ------------------------------------------------------------------ 12: fork and thread bombs
def test_fork_bomb_is_capped_by_the_process_limit(safe_backend, probe):
    limits = Limits(**{**SMALL.__dict__, "pids": 24})
    marker = f"fb{uuid.uuid4().hex}"
    res = probe(safe_backend, f"""
        import json, os, sys, time
        children = 0
        error = None
        for _ in range(200):
            try:
                pid = os.fork()
            except OSError as exc:
                error = type(exc).__name__
                break
            if pid == 0:
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{marker}"])
            children += 1
        print(json.dumps({{"children": children, "error": error}}), flush=True)
        time.sleep(600)
    """, limits=limits, wall=4)
    found = res.json()
    assert found["error"] == "BlockingIOError", found
    assert found["children"] < 24
    assert "too many processes" in res.reason
    assert wait_until(lambda: not host_processes_with(marker), 5), "bomb children survived the kill"


def test_thread_bomb_is_capped_by_the_process_limit(safe_backend, probe):
    limits = Limits(**{**SMALL.__dict__, "pids": 32})
    res = probe(safe_backend, """
        import json, threading, time
        stop = threading.Event()
        n, error = 0, None
        for _ in range(5000):
            try:
                threading.Thread(target=stop.wait, daemon=True).start()
            except RuntimeError as exc:
                error = str(exc)
                break
            n += 1
        print(json.dumps({"threads": n, "error": error}), flush=True)
    """, limits=limits, wall=8)
    found = res.json()
    assert found["error"] is not None and found["threads"] < 32, found


# ------------------------------------------------------------------ 13: memory bomb, no swap
def test_memory_bomb_is_killed_at_the_memory_limit(safe_backend, probe):
    res = probe(safe_backend, """
        import sys
        blocks = []
        for i in range(64):                       # up to 2 GB, 8x the limit
            blocks.append(bytearray(32 * 1024 * 1024))
            print(i, file=sys.stderr, flush=True)
        print("survived")
    """, wall=20)
    assert not res.timed_out, "the kernel, not the wall clock, must stop a memory bomb"
    assert b"survived" not in res.out
    assert res.reason == "memory limit (256 MB) exceeded"
    reached = [int(x) for x in res.err.split()]
    # 256 MB = 8 blocks of 32 MB: without swap the bomb cannot get much further
    assert max(reached) < 9, f"allocated {(max(reached) + 1) * 32} MB under a 256 MB limit"


# ------------------------------------------------------------------ 14: disk bomb, many files
def test_disk_bomb_is_bounded_by_the_scratch_size(safe_backend, probe):
    res = probe(safe_backend, """
        import json
        written, error = 0, None
        try:
            with open("/tmp/fill", "wb") as fh:
                for _ in range(200):                  # 200 MB against a 16 MB scratch
                    fh.write(b"x" * (1 << 20))
                    fh.flush()
                    written += 1 << 20
        except OSError as exc:
            error = exc.strerror
        print(json.dumps({"written": written, "error": error}))
    """, wall=15)
    found = res.json()
    assert found["error"] is not None
    assert found["written"] <= 16 * (1 << 20)


def test_many_files_are_bounded(safe_backend, probe):
    """A million one-byte files: tmpfs gives each a page, so the scratch size bounds them.

    Acceptable ends: the file system refuses (ENOSPC) or the memory limit kills the bomb
    (its progress, flushed to stderr, is then the count).  Not acceptable: more files
    than the scratch size holds, a file on the host, a sandbox still running.
    """
    marker = f"mf{uuid.uuid4().hex}"
    res = probe(safe_backend, f"""
        import json, sys
        n, error = 0, None
        try:
            while n < 1_000_000:
                with open(f"/tmp/{marker}-{{n}}", "w") as fh:
                    fh.write("x")
                n += 1
                if n % 256 == 0:
                    print(n, file=sys.stderr, flush=True)
        except OSError as exc:
            error = exc.strerror
        print(json.dumps({{"files": n, "error": error}}), flush=True)
    """, wall=20)
    assert not res.timed_out, "the bound, not the wall clock, must stop the bomb"
    assert res.code is not None, "the sandbox must be gone"
    bound = SMALL.scratch_mb * 1024 * 1024 // resource.getpagesize()
    if res.reason.startswith("memory limit"):
        files = max([int(x) for x in res.err.split() if x.isdigit()], default=0)
    else:
        found = res.json()
        assert found["error"] is not None, f"{found['files']} files written and no refusal"
        files = found["files"]
    assert files <= bound, f"{files} one-byte files in a {SMALL.scratch_mb} MB scratch (at most {bound})"
    # The host's /tmp, and one level below it (where a host-side scratch folder would be).
    assert not glob.glob(f"/tmp/{marker}*") and not glob.glob(f"/tmp/*/{marker}*"), "a scratch file reached the host"


# ------------------------------------------------------------------ 15: output flood
@pytest.mark.parametrize("payload", ["b'x' * 65536", "b'line\\n' * 10000", "bytes(range(256)) * 256"])
def test_output_flood_is_drained_and_stopped(safe_backend, probe, payload):
    res = probe(safe_backend, f"""
        import os
        chunk = {payload}
        while True:
            os.write(1, chunk)
            os.write(2, chunk)
    """, wall=1.5, cap=1 << 16)
    assert res.timed_out and res.code is not None
    assert len(res.out) <= 1 << 16  # what the harness keeps is capped ...
    assert res.out_total > 1 << 16  # ... while the sandbox really flooded


# ------------------------------------------------------------------ 16: daemons
def test_double_fork_setsid_daemon_dies_with_the_job(safe_backend, probe):
    marker = f"dm{uuid.uuid4().hex}"
    res = probe(safe_backend, f"""
        import os, sys, json
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{marker}"])
            os._exit(0)
        os.wait()
        print(json.dumps({{"spawned": True}}), flush=True)
    """, wall=10, keep=True)
    assert res.json() == {"spawned": True}
    assert res.code is not None  # the main process ended on its own ...
    assert wait_until(lambda: not host_processes_with(marker), 8), "the daemon outlived its job"
    res.worker.kill()


# ------------------------------------------------------------------ 17: network
def _host_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def test_network_is_unreachable(safe_backend, probe):
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen(5)
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    try:
        res = probe(safe_backend, f"""
            import json, socket
            results = {{}}
            for name, addr in [("public", ("1.1.1.1", 443)), ("public_dns", ("8.8.8.8", 53)),
                               ("metadata", ("169.254.169.254", 80)), ("host", ("{_host_address()}", {port})),
                               ("docker_host", ("172.17.0.1", {port}))]:
                try:
                    socket.create_connection(addr, timeout=2).close()
                    results[name] = "connected"
                except OSError as exc:
                    results[name] = type(exc).__name__
            try:
                socket.getaddrinfo("example.org", 443)
                results["dns"] = "resolved"
            except OSError as exc:
                results["dns"] = type(exc).__name__
            print(json.dumps(results))
        """, wall=20)
        found = res.json()
        assert "connected" not in found.values() and found["dns"] != "resolved", found
        assert not accepted, "a sandbox reached a server on the host"
    finally:
        server.close()


# ------------------------------------------------------------------ 18, 20: identity, read-only, no docker.sock
def test_non_root_read_only_and_no_privileges(safe_backend, probe, repo_root):
    res = probe(safe_backend, f"""
        import json, os, sys, numpy
        site = os.path.dirname(os.path.dirname(numpy.__file__))
        found = {{"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "writable": []}}
        for path in ["/etc/course-kit-x", site + "/course-kit-x", numpy.__file__, "/opt/worker/worker.py",
                     "/opt/worker/x", "/submission/main.py", "/submission/x", "/usr/x", "/course-kit-x"]:
            try:
                with open(path, "a") as fh:
                    fh.write("x")
                found["writable"].append(path)
            except OSError:
                pass
        with open("/tmp/scratch-ok", "w") as fh:
            fh.write("ok")
        found["scratch"] = open("/tmp/scratch-ok").read()
        status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
        found["cap_eff"] = status["CapEff"].strip()
        found["no_new_privs"] = status["NoNewPrivs"].strip()
        found["docker_sock"] = [p for p in ["/var/run/docker.sock", "/run/docker.sock"] if os.path.exists(p)]
        # The repo's folder itself may exist as a mount point when the grader's venv lives
        # inside it (a CI checkout); none of its contents may be visible.
        found["repo_visible"] = any(os.path.exists(os.path.join({str(repo_root)!r}, name))
                                    for name in ("course.toml", "assignments", "grader", "reference", "tests"))
        found["root_home"] = os.path.exists("/root/.bashrc") or bool(os.path.isdir("/home") and os.listdir("/home"))
        found["env"] = sorted(os.environ)
        print(json.dumps(found))
    """)
    found = res.json()
    assert found["uid"] != 0 and found["euid"] != 0 and found["gid"] != 0
    assert found["writable"] == []
    assert found["scratch"] == "ok"
    assert int(found["cap_eff"], 16) == 0
    assert found["no_new_privs"] == "1"
    assert found["docker_sock"] == []
    assert found["repo_visible"] is False
    assert found["root_home"] is False
    assert not [k for k in found["env"] if any(s in k.upper() for s in ("TOKEN", "SECRET", "KEY", "PASSWORD"))]


# ------------------------------------------------------------------ 25: one abuser among several
def test_abusive_submission_does_not_push_neighbours_past_their_limits(safe_backend, probe):
    abusive = """
        import os, threading
        def eat():
            blocks = []
            while True:
                blocks.append(bytearray(16 * 1024 * 1024))
        for _ in range(4):
            threading.Thread(target=eat).start()
        while True:
            try:
                if os.fork() == 0:
                    while True:
                        pass
            except OSError:
                pass
    """
    honest = """
        import json, threading
        import numpy as np
        a = np.ones((1000, 2500))           # 20 MB, well under the limit
        threads = [threading.Thread(target=lambda: None) for _ in range(8)]
        [t.start() for t in threads]; [t.join() for t in threads]
        print(json.dumps({"sum": float(a.sum())}))
    """
    results = {}

    def go(key, code, wall):
        results[key] = probe(safe_backend.__class__(), code, wall=wall)

    threads = [threading.Thread(target=go, args=("abusive", abusive, 6))]
    threads += [threading.Thread(target=go, args=(f"honest{i}", honest, 30)) for i in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.2)
    for t in threads:
        t.join()
    for key in ("honest0", "honest1"):
        res = results[key]
        assert not res.timed_out, (key, res.reason, res.err[-500:])
        assert res.json() == {"sum": 2_500_000.0}, key
        assert res.reason == "worker exited with code 0"
    assert results["abusive"].reason != "worker exited with code 0"
