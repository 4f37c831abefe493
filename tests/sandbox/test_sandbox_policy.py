"""The sandbox policy as configured (flags, mounts, GPU rule), refusal reasons, and
killing the grader (shared/SECURITY.md items 16, 20, 22-23)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

from grader.sandbox.bwrap import BwrapBackend, Cgroup, _probe
from grader.sandbox.docker import DockerBackend, _client, _sweep_orphans
from grader.spec import Limits

from sandbox_helpers import PROBE_WORKER, SMALL, host_processes_with, wait_until


# ------------------------------------------------------------------ bwrap command line
def test_bwrap_unshares_everything_and_binds_nothing_private(tmp_path, repo_root):
    argv = BwrapBackend().bwrap_argv(tmp_path, limits=SMALL)
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--unshare-cgroup", "--disable-userns", "--die-with-parent", "--new-session"):
        assert flag in argv, flag
    assert "--unshare-all" not in argv  # its "-try" variants would silently degrade
    sources = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind", "--dev-bind")]
    assert "--bind" not in argv  # nothing host-side is writable
    for src in sources:
        assert src not in ("/", "/root", "/home", "/etc", str(repo_root)), src
        assert not (src.startswith(str(repo_root)) and src not in (str(tmp_path.resolve()),)
                    and not src.endswith("/grader/_worker") and "/.venv" not in src), src
    assert argv[argv.index("--tmpfs") - 4] == "--size" and argv[argv.index("--tmpfs") + 1] == "/tmp"
    assert int(argv[argv.index("--size") + 1]) == SMALL.scratch_mb * 1024 * 1024


def test_bwrap_rlimits_have_no_address_space_limit():
    argv = BwrapBackend.rlimit_argv(SMALL)
    assert f"--fsize={16 * 1024 * 1024}" in argv and "--core=0" in argv
    assert any(a.startswith("--nofile=") for a in argv) and any(a.startswith("--cpu=") for a in argv)
    assert not any(a.startswith("--as") for a in argv)


def test_bwrap_binds_gpu_devices_only_when_asked(tmp_path):
    fake = tmp_path / "dev"
    fake.mkdir()
    (fake / "nvidia0").write_text("")
    (fake / "nvidiactl").write_text("")
    backend = BwrapBackend()
    backend.gpu_device_glob = str(fake / "nvidia*")
    with_gpu = backend.bwrap_argv(tmp_path, limits=SMALL, gpu=True)
    without = backend.bwrap_argv(tmp_path, limits=SMALL, gpu=False)
    assert str(fake / "nvidia0") in with_gpu and "--dev-bind" in with_gpu
    assert str(fake / "nvidia0") not in without and "--dev-bind" not in without
    backend.gpu_device_glob = str(tmp_path / "none*")  # gpu "optional" on a CPU-only host
    assert "--dev-bind" not in backend.bwrap_argv(tmp_path, limits=SMALL, gpu=True)


def test_bwrap_refuses_with_a_reason_when_it_cannot_enforce_limits(monkeypatch):
    monkeypatch.setattr(Cgroup, "parents", staticmethod(lambda: "no writable cgroup memory and pids controllers"))
    _probe.cache_clear()
    try:
        ok, reason = BwrapBackend.available()
        assert not ok and "cgroup" in reason
    finally:
        _probe.cache_clear()


# ------------------------------------------------------------------ docker container config
def test_docker_container_is_locked_down(tmp_path, repo_root, docker_backend):
    backend = docker_backend
    backend.worker_dir = PROBE_WORKER
    (tmp_path / "main.py").write_text("import time\ntime.sleep(60)\n")
    tmp_path.chmod(0o755)
    worker = backend.start(tmp_path, limits=SMALL)
    try:
        assert wait_until(lambda: worker.container() is not None, 10)
        info = worker.container()
        host, config = info["HostConfig"], info["Config"]
        assert host["Privileged"] is False
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["Memory"] == host["MemorySwap"] == 256 * 1024 * 1024
        assert host["PidsLimit"] == SMALL.pids
        assert host["NanoCpus"] == int(SMALL.cpus * 1e9)
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert "no-new-privileges" in host["SecurityOpt"]
        assert not host.get("DeviceRequests")  # no --gpus for a CPU assignment
        assert host["LogConfig"]["Type"] == "none"
        assert config["User"] == "1000:1000"
        mounts = {m["Destination"]: m for m in info["Mounts"]}
        assert set(mounts) == {"/submission", "/opt/worker"}
        assert all(m["RW"] is False for m in mounts.values())
        assert not any("docker.sock" in m["Source"] for m in mounts.values())
        assert "/tmp" in host["Tmpfs"] and "size=16m" in host["Tmpfs"]["/tmp"]
    finally:
        worker.kill()
    assert worker.container() is None, "the container must be removed after use"


def test_docker_requests_the_gpu_only_for_gpu_assignments(tmp_path):
    backend = DockerBackend()
    fake = tmp_path / "nvidia0"
    fake.write_text("")
    backend.gpu_device_glob = str(fake)
    args = dict(limits=SMALL, image="img", name="n")
    assert "--gpus" in backend.run_argv(tmp_path, gpu=True, **args)
    assert "--gpus" not in backend.run_argv(tmp_path, gpu=False, **args)
    backend.gpu_device_glob = str(tmp_path / "missing*")  # "optional" without a GPU: CPU
    assert "--gpus" not in backend.run_argv(tmp_path, gpu=True, **args)
    argv = backend.run_argv(tmp_path, gpu=False, **args)
    assert "--privileged" not in argv and not any("docker.sock" in a for a in argv)
    assert argv[argv.index("img") + 1: argv.index("img") + 3] == ["timeout", "-s"]  # in-container watchdog


def test_docker_says_why_when_the_image_is_missing():
    ok, reason = DockerBackend.available("course-kit-no-such-image:missing")
    assert not ok
    assert "course image build" in reason or "daemon" in reason


# ------------------------------------------------------------------ killing the grader (23, 16)
GRADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from grader.sandbox import get_backend
    from grader.spec import Limits
    backend = get_backend(sys.argv[1])()
    backend.worker_dir = Path(sys.argv[2])
    worker = backend.start(Path(sys.argv[3]), limits=Limits(memory_mb=256, pids=64, total_timeout=30, scratch_mb=16))
    print(worker.stdout.readline().decode().strip(), flush=True)
    time.sleep(600)
""")


def test_killing_the_grader_leaves_no_sandboxed_process(safe_backend, tmp_path, repo_root):
    marker = f"kg{uuid.uuid4().hex}"
    (tmp_path / "main.py").write_text(textwrap.dedent(f"""
        import os, sys, time
        if os.fork() == 0:                      # a setsid daemon as well as the main process
            os.setsid()
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{marker}-d"])
        print("ready", flush=True)
        os.execv(sys.executable, [sys.executable, "-c", "while True: pass", "{marker}-m"])
    """))
    tmp_path.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    grader = subprocess.Popen([sys.executable, "-c", GRADER, safe_backend.name, str(PROBE_WORKER), str(tmp_path)],
                              stdout=subprocess.PIPE, env=env, cwd=str(repo_root))
    try:
        assert grader.stdout.readline().strip() == b"ready"
        assert wait_until(lambda: len(host_processes_with(marker)) >= 2, 10)
        grader.send_signal(signal.SIGKILL)
        grader.wait(10)
        if safe_backend.name == "docker":
            # The dead grader's containers are swept by the next start (and die on their own
            # at the in-container watchdog); sweeping is what the next job does first.
            time.sleep(0.5)
            _sweep_orphans(_client())
        assert wait_until(lambda: not host_processes_with(marker), 10), "sandboxed processes outlived the grader"
    finally:
        if grader.poll() is None:
            grader.kill()
