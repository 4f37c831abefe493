"""Backend ``docker``: the worker in a locked-down container of the sandbox image.

How it runs
-----------
The worker's three pipes must be real OS pipes (the harness selects on them and reads
them concurrently).  The docker SDK can only attach one multiplexed socket (stdout and
stderr framed together, stdin half-close unsupported), so the container is started with
the **docker CLI** (``docker run -i``) as a subprocess whose stdin/stdout/stderr are the
container's.  The rest goes straight to the Engine API over the daemon's socket
(``grader/sandbox/dockerapi.py``, standard library only: the SDK cost 0.1 CPU-s per
submission): availability checks, image lookup, ``kill()`` (SIGKILL + removal) and reading
``OOMKilled`` for :meth:`DockerWorker.exit_reason`.

Container policy (``DockerBackend.run_argv``)
---------------------------------------------
``--network none``, ``--read-only`` root, ``/tmp`` tmpfs of ``limits.scratch_mb``
(``nosuid,nodev,noexec``), ``--shm-size`` the same, ``--memory`` = ``--memory-swap``,
``--pids-limit``, ``--cpus``, ``--user 1000:1000``, ``--cap-drop ALL``,
``--security-opt no-new-privileges``, ulimits ``nofile``/``core``/``fsize``, the submission
and the worker bind-mounted read-only (the worker is mounted from the grader so that the
harness and the worker always speak the same protocol version; the image holds a copy too),
``--log-driver none`` (an output flood never lands on the daemon's disk), ``--gpus all`` only
when a GPU is requested and present.  Never ``--privileged``, never the docker socket.

The worker runs under ``timeout -s KILL`` (total time limit + grace) as the container's
pid 1, so a container whose grader was killed still dies on its own; containers whose
owning grader process is gone are also swept at the next start.
"""
from __future__ import annotations

import atexit
import glob
import math
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

from grader.sandbox.base import WORKER_SOURCE_DIR, Backend, PopenWorker, exit_reason, worker_argv
from grader.sandbox.dockerapi import DockerAPIError, NotFound, connect
from grader.spec import DEFAULT_IMAGE, Limits

__all__ = ["DockerBackend", "DockerWorker"]

WORKER_MOUNT = "/opt/worker"
SUBMISSION_MOUNT = "/submission"
SCRATCH_MOUNT = "/tmp"
IMAGE_PYTHON = "/opt/venv/bin/python"
SANDBOX_USER = "1000:1000"
LABEL = "course-kit.sandbox"
OWNER_LABEL = "course-kit.owner"
#: Seconds the in-container watchdog waits beyond the total time limit.
WATCHDOG_GRACE_S = 30
NOFILE = 256

_OWNER = f"{socket.gethostname()}:{os.getpid()}"
_live: set[str] = set()
_live_lock = threading.Lock()


def _client(timeout: int = 30):
    """The Engine API client (grader/sandbox/dockerapi.py: the daemon's socket, no SDK import)."""
    return connect(timeout=timeout)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(client, name: str) -> None:
    try:
        client.remove_container(name, force=True)
    except NotFound:
        pass
    except DockerAPIError as exc:  # "removal already in progress"
        if "in progress" not in str(exc):
            raise


def _sweep_orphans(client) -> None:
    """Remove sandbox containers whose grader process (on this host) no longer exists."""
    host = socket.gethostname()
    try:
        containers = client.containers(all=True, filters={"label": LABEL})
    except Exception:  # noqa: BLE001 - best effort
        return
    for c in containers:
        owner = (c.get("Labels") or {}).get(OWNER_LABEL, "")
        owner_host, _, pid = owner.rpartition(":")
        if owner_host == host and pid.isdigit() and not _pid_alive(int(pid)):
            try:
                _remove(client, c["Id"])
            except Exception:  # noqa: BLE001
                pass


@atexit.register
def _remove_live_at_exit() -> None:
    if not _live:
        return
    try:
        client = _client(timeout=10)
        for name in list(_live):
            _remove(client, name)
    except Exception:  # noqa: BLE001 - the daemon may be gone
        pass


def _pids_events(container_id: str) -> int:
    """How often the container hit its pids limit (cgroup v1 or v2), 0 if unknown."""
    for path in (
        f"/sys/fs/cgroup/pids/docker/{container_id}/pids.events",
        f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/pids.events",
        f"/sys/fs/cgroup/docker/{container_id}/pids.events",
    ):
        try:
            for line in Path(path).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "max":
                    return int(value)
        except OSError:
            continue
    return 0


class DockerWorker(PopenWorker):
    """The ``docker run -i`` client process (pipes = the container's) and its container."""

    def __init__(self, proc: subprocess.Popen, name: str, limits: Limits, argv: list[str]) -> None:
        super().__init__(proc)
        self.name = name
        self.limits = limits
        self.argv = argv
        self.killed = False
        self._state: dict | None = None
        self._pids_max = 0
        self._lock = threading.Lock()

    def container(self) -> dict | None:
        """The container's inspect document (None once removed)."""
        try:
            return _client(timeout=10).inspect_container(self.name)
        except NotFound:
            return None

    def _snapshot(self, client) -> None:
        if self._state is not None:
            return
        try:
            info = client.inspect_container(self.name)
            self._state = info.get("State", {})
            self._pids_max = max(self._pids_max, _pids_events(info["Id"]))
        except NotFound:
            self._state = {}

    def kill(self) -> None:
        with self._lock:
            if self.proc.poll() is None:
                self.killed = True
            # The CLI first: while it holds an unread reply (say 200 MB of stdout) the
            # daemon blocks on the stream, and kill/inspect/wait would hang behind it.
            PopenWorker.kill(self)
            client = None
            try:
                client = _client(timeout=30)
                if self._state is None:  # the pids cgroup disappears with the container
                    try:
                        self._pids_max = _pids_events(client.inspect_container(self.name)["Id"])
                    except Exception:  # noqa: BLE001 - not created / already removed
                        pass
                try:
                    client.kill(self.name)
                except Exception:  # noqa: BLE001 - not running any more / not created
                    pass
                try:
                    client.wait(self.name, timeout=10)
                except Exception:  # noqa: BLE001
                    pass
                self._snapshot(client)
            finally:
                super().kill()  # the CLI process
                if client is not None:
                    try:
                        _remove(client, self.name)
                        if self._state == {}:  # killed before the daemon created it: once more
                            time.sleep(0.2)
                            _remove(client, self.name)
                    except Exception:  # noqa: BLE001 - the daemon may be down
                        pass
                with _live_lock:
                    _live.discard(self.name)
                self.close_pipes()

    def exit_reason(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "worker still running"
        if self._state is None:  # the container has stopped: its state is final
            try:
                self._snapshot(_client(timeout=10))
            except Exception:  # noqa: BLE001 - the daemon may be down
                pass
        state = self._state or {}
        exit_code = state.get("ExitCode", code)
        if exit_code == 125 and not self.killed:
            return "docker could not start the container"
        return exit_reason(exit_code, self.limits, oom=bool(state.get("OOMKilled")), pids=self._pids_max > 0,
                           killed=self.killed, shell_status=True)


class DockerBackend(Backend):
    """A container per worker: no network, read-only root, non-root, all limits."""

    name = "docker"
    safe = True
    #: Host device nodes that mean "a GPU is present" (``--gpus all`` needs one).
    gpu_device_glob = "/dev/nvidia[0-9]*"
    #: Host directory bind-mounted read-only at ``/opt/worker``.
    worker_dir: Path = WORKER_SOURCE_DIR

    @classmethod
    def available(cls, image: str | None = None) -> tuple[bool, str]:
        if shutil.which("docker") is None:
            return False, "docker CLI not found (install docker.io: scripts/setup.sh --ci)"
        try:
            client = _client(timeout=5)
            client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "no daemon"
            return False, f"Docker daemon not reachable ({type(exc).__name__}); start dockerd (scripts/docker-setup.sh)"
        image = image or DEFAULT_IMAGE
        try:
            client.inspect_image(image)
        except NotFound:
            return False, f"sandbox image {image} is missing: run `course image build`"
        except Exception as exc:  # noqa: BLE001
            return False, f"cannot inspect image {image}: {exc}"
        return True, ""

    @classmethod
    def gpu_available(cls) -> bool:
        """Whether this host has an NVIDIA GPU to hand to containers."""
        return bool(glob.glob(cls.gpu_device_glob))

    def run_argv(self, submission_dir: Path, *, limits: Limits, gpu: bool, image: str, name: str) -> list[str]:
        """The ``docker run`` command line for one worker."""
        from grader.sandbox.none import minimal_env

        scratch = int(limits.scratch_mb)
        mem = int(limits.memory_mb)
        watchdog = int(math.ceil(limits.total_timeout)) + WATCHDOG_GRACE_S
        argv = [
            shutil.which("docker") or "docker", "run", "-i",
            "--name", name,
            "--label", f"{LABEL}=1", "--label", f"{OWNER_LABEL}={_OWNER}",
            "--network", "none",
            "--read-only",
            "--tmpfs", f"{SCRATCH_MOUNT}:rw,nosuid,nodev,noexec,size={scratch}m,mode=1777",
            "--shm-size", f"{scratch}m",
            "--memory", f"{mem}m", "--memory-swap", f"{mem}m",
            "--pids-limit", str(int(limits.pids)),
            "--cpus", f"{float(limits.cpus):g}",
            "--user", SANDBOX_USER,
            "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges",
            "--ulimit", f"nofile={NOFILE}:{NOFILE}", "--ulimit", "core=0:0",
            "--ulimit", f"fsize={scratch * 1024 * 1024}:{scratch * 1024 * 1024}",
            "--mount", f"type=bind,src={Path(submission_dir).resolve()},dst={SUBMISSION_MOUNT},readonly",
            "--mount", f"type=bind,src={Path(self.worker_dir).resolve()},dst={WORKER_MOUNT},readonly",
            "--workdir", SCRATCH_MOUNT,
            "--hostname", "sandbox",
            "--log-driver", "none",
            "--pull", "never",
        ]
        use_gpu = gpu and bool(glob.glob(self.gpu_device_glob))
        if use_gpu:
            argv += ["--gpus", "all"]
        env = minimal_env(SCRATCH_MOUNT, cpus=limits.cpus, gpu=use_gpu)
        env["PATH"] = "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"
        env["USER"] = env["LOGNAME"] = "student"
        for key, value in sorted(env.items()):
            argv += ["--env", f"{key}={value}"]
        argv += [image, "timeout", "-s", "KILL", str(watchdog)]
        argv += worker_argv(IMAGE_PYTHON, WORKER_MOUNT, SUBMISSION_MOUNT)
        return argv

    def start(
        self,
        submission_dir: Path,
        *,
        limits: Limits,
        gpu: bool = False,
        image: str | None = None,
    ) -> DockerWorker:
        """Start the worker in a fresh container; ``gpu=True`` falls back to CPU without a GPU."""
        from grader.sandbox import SandboxUnavailable

        image = image or DEFAULT_IMAGE
        ok, reason = self.available(image)
        if not ok:
            raise SandboxUnavailable(f"sandbox backend 'docker' unavailable: {reason}")
        submission_dir = Path(submission_dir)
        if not submission_dir.is_dir():
            raise FileNotFoundError(f"submission directory {submission_dir} does not exist")
        if submission_dir.stat().st_mode & 0o005 != 0o005:
            raise PermissionError(f"submission directory {submission_dir} must be readable by the sandbox's "
                                  "non-root user (mode 0755)")
        _sweep_orphans(_client(timeout=10))
        name = f"course-kit-{uuid.uuid4().hex[:16]}"
        argv = self.run_argv(submission_dir, limits=limits, gpu=gpu, image=image, name=name)
        with _live_lock:
            _live.add(name)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
                 **{k: v for k, v in os.environ.items() if k.startswith("DOCKER_")}},
            close_fds=True,
        )
        return DockerWorker(proc, name, limits, argv)
