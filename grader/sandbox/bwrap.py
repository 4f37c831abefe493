"""Backend ``bwrap``: the worker in a bubblewrap sandbox, limited by cgroups and rlimits.

Policy
------
- Namespaces: user, pid, net, ipc, uts and cgroup are all unshared (the non-``-try``
  variants, so bwrap fails instead of silently running without one); no further user
  namespaces inside (``--disable-userns``); ``--die-with-parent``, ``--new-session``, every
  capability dropped.  Network: a private loopback only.
- File system: a read-only root made of the system libraries (``/usr`` and the
  ``/bin``, ``/lib*``, ``/sbin`` links), the Python installation (``sys.prefix`` and
  ``sys.base_prefix``), a handful of ``/etc`` files (loader cache, a synthetic
  ``passwd``/``group``), the worker at ``/opt/worker`` and the submission at
  ``/submission``; nothing of ``/root``, ``/home`` or the repository.  The only writable
  place is ``/tmp``, a tmpfs of ``limits.scratch_mb``.  Fresh ``/proc`` and minimal ``/dev``.
- Identity: uid/gid 1000 inside, empty environment apart from
  :func:`grader.sandbox.none.minimal_env`.
- Processes and memory: the grader usually runs as root, and the kernel does not enforce
  ``RLIMIT_NPROC`` for a process whose real uid is root; bwrap maps the sandbox user to the
  caller's uid.  So the process limit and the memory limit come from **cgroups**: a fresh
  cgroup per sandbox, created below the grader's own cgroup (v1: ``pids`` + ``memory`` with
  ``memory.memsw.limit_in_bytes`` = ``memory.limit_in_bytes``, so no swap; v2: ``pids.max``,
  ``memory.max``, ``memory.swap.max = 0``), plus a CPU quota (``cpus``) where the ``cpu``
  controller is writable.  Every process of the sandbox lives in that cgroup, which is how
  :meth:`BwrapWorker.kill` finds and kills them all.
- rlimits (soft = hard): ``FSIZE`` = scratch size, ``NOFILE`` 256, ``CORE`` 0, ``CPU`` =
  total timeout x cpus + slack.  No ``RLIMIT_AS`` (torch reserves large address ranges).

:meth:`BwrapBackend.available` returns ``(False, reason)`` when any of this cannot be
enforced here (no bwrap, no user namespaces, no writable cgroup controllers, swap that
cannot be excluded), and the backend refuses to start.

Killing the grader kills the sandbox: bwrap is the grader's direct child with
``--die-with-parent``, and the sandbox's pid 1 takes every process of its pid namespace
down with it.  (``PR_SET_PDEATHSIG`` fires when the *thread* that started bwrap exits, so
start and use a worker from a thread that outlives it.)
"""
from __future__ import annotations

import atexit
import functools
import glob
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from grader.sandbox.base import WORKER_SOURCE_DIR, Backend, PopenWorker, exit_reason, worker_argv
from grader.spec import Limits

__all__ = ["BwrapBackend", "BwrapWorker", "Cgroup"]

#: Mount points inside the sandbox.
WORKER_MOUNT = "/opt/worker"
SUBMISSION_MOUNT = "/submission"
SCRATCH_MOUNT = "/tmp"
SANDBOX_UID = 1000
NOFILE = 256
CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Prefix of the per-sandbox cgroup directories (stale ones are swept).
CGROUP_PREFIX = "course-kit-"


# ------------------------------------------------------------------------------- cgroups
def _write(path: Path, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _own_cgroups() -> dict[str, str]:
    """Controller -> path of this process's cgroup (``"" -> path`` for the v2 hierarchy)."""
    result = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(","):
            result[c] = path
    return result


def _keyed(text: str) -> dict[str, int]:
    """Parse ``key value`` lines (``memory.oom_control``, ``pids.events``, ``memory.events``)."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


class Cgroup:
    """One sandbox's cgroup(s): pids + memory (+ cpu), on cgroup v1 or a delegated v2.

    Created below the grader's own cgroup in each hierarchy, so the grader's own limits
    (if any) still cover its sandboxes.
    """

    def __init__(self, dirs: dict[str, Path], version: int) -> None:
        self.dirs = dirs  # controller -> directory ("unified" for v2)
        self.version = version
        self.final: dict[str, int] | None = None

    # -- discovery ----------------------------------------------------------------------
    @staticmethod
    def parents() -> tuple[int, dict[str, Path]] | str:
        """(version, controller -> parent directory), or a reason string if unusable."""
        own = _own_cgroups()
        v1 = {}
        for ctl in ("memory", "pids", "cpu"):
            mount = CGROUP_ROOT / ctl
            if (mount / "cgroup.procs").exists() and ctl in own:
                v1[ctl] = mount / own[ctl].lstrip("/")
        if "memory" in v1 and "pids" in v1:
            return 1, v1
        if (CGROUP_ROOT / "cgroup.controllers").exists() and "" in own:
            parent = CGROUP_ROOT / own[""].lstrip("/")
            enabled = _read(parent / "cgroup.subtree_control").split()
            missing = {"memory", "pids"} - set(enabled)
            if missing:
                return (f"cgroup v2 controllers {', '.join(sorted(missing))} are not delegated to "
                        f"{parent} (cgroup.subtree_control)")
            return 2, {"unified": parent}
        return "no writable cgroup memory and pids controllers (cgroup v1 or delegated v2) found"

    @classmethod
    def create(cls, limits: Limits) -> "Cgroup":
        found = cls.parents()
        if isinstance(found, str):
            raise OSError(found)
        version, parents = found
        name = f"{CGROUP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
        dirs: dict[str, Path] = {}
        group = cls(dirs, version)
        try:
            for ctl, parent in parents.items():
                _sweep_stale(parent)
                path = parent / name
                try:
                    path.mkdir()
                except OSError:
                    if ctl == "cpu":  # the CPU quota is a courtesy, not part of the policy
                        continue
                    raise
                dirs[ctl] = path
            group._configure(limits)
        except OSError:
            group.remove()
            raise
        return group

    def _configure(self, limits: Limits) -> None:
        mem = int(limits.memory_mb) * 1024 * 1024
        quota = int(max(limits.cpus, 0.01) * 100_000)
        if self.version == 1:
            m = self.dirs["memory"]
            _write(m / "memory.limit_in_bytes", str(mem))
            if (m / "memory.memsw.limit_in_bytes").exists():
                _write(m / "memory.memsw.limit_in_bytes", str(mem))
            try:
                _write(m / "memory.swappiness", "0")
            except OSError:
                pass
            _write(self.dirs["pids"] / "pids.max", str(int(limits.pids)))
            if "cpu" in self.dirs:
                try:
                    _write(self.dirs["cpu"] / "cpu.cfs_period_us", "100000")
                    _write(self.dirs["cpu"] / "cpu.cfs_quota_us", str(quota))
                except OSError:
                    pass
        else:
            u = self.dirs["unified"]
            _write(u / "memory.max", str(mem))
            if (u / "memory.swap.max").exists():
                _write(u / "memory.swap.max", "0")
            _write(u / "pids.max", str(int(limits.pids)))
            if (u / "cpu.max").exists():
                _write(u / "cpu.max", f"{quota} 100000")

    # -- membership ---------------------------------------------------------------------
    def procs_files(self) -> list[str]:
        """``cgroup.procs`` files a new process must join (one per hierarchy)."""
        return [str(d / "cgroup.procs") for d in self.dirs.values()]

    def pids(self) -> list[int]:
        key = "pids" if self.version == 1 else "unified"
        d = self.dirs.get(key)
        if d is None:
            return []
        return [int(p) for p in _read(d / "cgroup.procs").split()]

    def kill_all(self, timeout: float = 5.0) -> None:
        """SIGKILL every process in the cgroup until it is empty (or ``timeout``)."""
        if self.version == 2 and (self.dirs["unified"] / "cgroup.kill").exists():
            try:
                _write(self.dirs["unified"] / "cgroup.kill", "1")
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids or time.monotonic() > deadline:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.005)

    # -- accounting ---------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Counters telling which limit was hit: ``oom_kill``, ``pids_max`` (live or final)."""
        if self.final is not None:
            return self.final
        if self.version == 1:
            oom = _keyed(_read(self.dirs["memory"] / "memory.oom_control")).get("oom_kill", 0)
            failcnt = _read(self.dirs["memory"] / "memory.memsw.failcnt").strip() or "0"
            pids_max = _keyed(_read(self.dirs["pids"] / "pids.events")).get("max", 0)
            return {"oom_kill": oom, "mem_failcnt": int(failcnt), "pids_max": pids_max}
        u = self.dirs["unified"]
        events = _keyed(_read(u / "memory.events"))
        return {"oom_kill": events.get("oom_kill", 0), "mem_failcnt": events.get("max", 0),
                "pids_max": _keyed(_read(u / "pids.events")).get("max", 0)}

    def remove(self) -> None:
        """Kill what is left, keep the final counters, remove the directories."""
        if self.final is None and self.dirs:
            self.kill_all()
            try:
                self.final = self.stats()
            except (OSError, KeyError):
                self.final = {}
        for path in self.dirs.values():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still busy for a moment after the last exit
                    time.sleep(0.01)


def _sweep_stale(parent: Path, age: float = 120.0) -> None:
    """Remove empty sandbox cgroups left by a grader that was killed (older than ``age`` s)."""
    now = time.time()
    for path in parent.glob(f"{CGROUP_PREFIX}*"):
        try:
            if now - path.stat().st_mtime > age and not _read(path / "cgroup.procs").split():
                path.rmdir()
        except OSError:
            pass


# ------------------------------------------------------------------------------- worker
class BwrapWorker(PopenWorker):
    """The bwrap process (its pid namespace holds the worker) and its cgroup."""

    def __init__(self, proc: subprocess.Popen, cgroup: Cgroup, limits: Limits, argv: list[str]) -> None:
        super().__init__(proc)
        self.cgroup = cgroup
        self.limits = limits
        self.argv = argv
        self.killed = False

    def kill(self) -> None:
        if not self.killed:
            self.killed = self.proc.poll() is None
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.cgroup.kill_all()
        super().kill()
        self.cgroup.remove()
        self.close_pipes()

    def exit_reason(self) -> str:
        code = self.proc.poll()
        if code is None:
            return exit_reason(code)
        stats = self.cgroup.stats()
        return exit_reason(code, self.limits, oom=stats.get("oom_kill", 0) > 0, pids=stats.get("pids_max", 0) > 0,
                           killed=self.killed, shell_status=True)


# ------------------------------------------------------------------------------- backend
@functools.lru_cache(maxsize=1)
def _etc_dir() -> str:
    """A private directory holding the sandbox's synthetic ``/etc/passwd`` and ``/etc/group``."""
    path = tempfile.mkdtemp(prefix="course-kit-bwrap-etc-")
    Path(path, "passwd").write_text(
        f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
        f"student:x:{SANDBOX_UID}:{SANDBOX_UID}:student:{SCRATCH_MOUNT}:/usr/sbin/nologin\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    )
    Path(path, "group").write_text(f"root:x:0:\nstudent:x:{SANDBOX_UID}:\nnogroup:x:65534:\n")
    Path(path, "hosts").write_text("127.0.0.1 localhost sandbox\n")
    for name in ("passwd", "group", "hosts"):
        os.chmod(Path(path, name), 0o444)
    os.chmod(path, 0o755)
    atexit.register(shutil.rmtree, path, True)
    return path


def _system_binds() -> list[str]:
    """bwrap arguments exposing the system libraries and the Python installation read-only."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf"):
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    etc = _etc_dir()
    for name in ("passwd", "group", "hosts"):
        args += ["--ro-bind", f"{etc}/{name}", f"/etc/{name}"]
    prefixes = []
    for prefix in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}:
        if not any(prefix == p or prefix.startswith(p + "/") for p in ("/usr", "/bin", "/lib", "/lib64")):
            prefixes.append(prefix)
    for prefix in sorted(prefixes):
        args += ["--ro-bind", prefix, prefix]
    # sys.prefix may be reached through a symlink (e.g. a venv in a linked folder)
    for prefix in {sys.base_prefix, sys.prefix}:
        if os.path.realpath(prefix) != prefix and prefix not in prefixes:
            args += ["--symlink", os.path.realpath(prefix), prefix]
    return args


def _bwrap_binary() -> str | None:
    return shutil.which("bwrap")


class BwrapBackend(Backend):
    """bubblewrap namespaces + cgroup limits + rlimits (see the module docstring)."""

    name = "bwrap"
    safe = True
    #: Device nodes bound into the sandbox when a GPU is requested.
    gpu_device_glob = "/dev/nvidia*"
    #: Host directory mounted read-only at ``/opt/worker`` (tests swap in probe workers).
    worker_dir: Path = WORKER_SOURCE_DIR

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return _probe()

    # -- command line -------------------------------------------------------------------
    def gpu_devices(self) -> list[str]:
        return sorted(glob.glob(self.gpu_device_glob))

    def bwrap_argv(self, submission_dir: Path, *, limits: Limits, gpu: bool = False) -> list[str]:
        """The full bwrap command line (without the cgroup/rlimit wrapper)."""
        bwrap = _bwrap_binary() or "bwrap"
        args = [
            bwrap,
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup",
            "--disable-userns",
            "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--hostname", "sandbox",
            "--die-with-parent", "--new-session",
            "--cap-drop", "ALL",
            # Scratch first: a Python prefix or venv living below /tmp on the host (a CI
            # checkout, say) is then bound on top of it instead of being hidden by it.
            "--size", str(int(limits.scratch_mb) * 1024 * 1024), "--perms", "1777",
            "--tmpfs", SCRATCH_MOUNT,
            *_system_binds(),
            "--ro-bind", str(Path(self.worker_dir).resolve()), WORKER_MOUNT,
            "--ro-bind", str(Path(submission_dir).resolve()), SUBMISSION_MOUNT,
            "--proc", "/proc",
            "--dev", "/dev",
        ]
        if gpu:
            devices = self.gpu_devices()
            for dev in devices:
                args += ["--dev-bind", dev, dev]
            if devices:  # the CUDA runtime reads PCI topology from /sys
                args += ["--ro-bind", "/sys", "/sys"]
        args += ["--remount-ro", "/", "--chdir", SCRATCH_MOUNT, "--"]
        args += worker_argv(sys.executable, WORKER_MOUNT, SUBMISSION_MOUNT)
        return args

    @staticmethod
    def rlimit_argv(limits: Limits) -> list[str]:
        """``prlimit`` prefix setting soft = hard limits for FSIZE, NOFILE, CORE and CPU.

        DATA goes back to its hard limit: the harness lowers only its own soft limit
        (``Limits.harness_memory_mb``); the worker's memory is the cgroup's business.
        """
        fsize = int(limits.scratch_mb) * 1024 * 1024
        cpu = int(math.ceil(limits.total_timeout * max(1.0, limits.cpus))) + 10
        hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
        data = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        return [
            shutil.which("prlimit") or "prlimit",
            f"--fsize={fsize}", f"--nofile={NOFILE}", "--core=0", f"--cpu={cpu}", f"--data={data}", "--",
        ]

    def start(
        self,
        submission_dir: Path,
        *,
        limits: Limits,
        gpu: bool = False,
        image: str | None = None,
    ) -> BwrapWorker:
        """Start the worker over ``submission_dir`` (``image`` is ignored: bwrap uses the host's Python)."""
        ok, reason = self.available()
        if not ok:
            from grader.sandbox import SandboxUnavailable

            raise SandboxUnavailable(f"sandbox backend 'bwrap' unavailable: {reason}")
        submission_dir = Path(submission_dir)
        if not submission_dir.is_dir():
            raise FileNotFoundError(f"submission directory {submission_dir} does not exist")
        from grader.sandbox.none import minimal_env

        argv = self.rlimit_argv(limits) + self.bwrap_argv(submission_dir, limits=limits, gpu=gpu)
        use_gpu = gpu and bool(self.gpu_devices())
        env = minimal_env(SCRATCH_MOUNT, cpus=limits.cpus, gpu=use_gpu)
        env["USER"] = env["LOGNAME"] = "student"
        cgroup = Cgroup.create(limits)
        # The shell joins the cgroup(s) first, then becomes prlimit, which becomes bwrap:
        # every process of the sandbox is born inside the cgroup.
        join = " && ".join(f'echo $$ > "{f}"' for f in cgroup.procs_files())
        script = f'{join} && exec "$@"'
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", script, "sh", *argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                close_fds=True,
                cwd="/",
            )
        except OSError:
            cgroup.remove()
            raise
        return BwrapWorker(proc, cgroup, limits, argv)


@functools.lru_cache(maxsize=1)
def _probe() -> tuple[bool, str]:
    """Can the bwrap policy be enforced here?  Checked once per process."""
    if not sys.platform.startswith("linux"):
        return False, "bubblewrap needs Linux"
    if _bwrap_binary() is None:
        return False, "bwrap not found (install bubblewrap: scripts/setup.sh)"
    if shutil.which("prlimit") is None:
        return False, "prlimit not found (util-linux)"
    found = Cgroup.parents()
    if isinstance(found, str):
        return False, f"cannot enforce memory/process limits: {found}"
    version, parents = found
    try:
        swap = _keyed(_read(Path("/proc/meminfo")).replace(":", "").replace(" kB", "")).get("SwapTotal", 0)
    except ValueError:
        swap = 0
    if version == 1 and swap > 0 and not (parents["memory"] / "memory.memsw.limit_in_bytes").exists():
        return False, "swap is on and cgroup v1 has no swap accounting (boot with swapaccount=1)"
    try:
        group = Cgroup.create(Limits(memory_mb=64, pids=8))
        group.remove()
    except OSError as exc:
        return False, f"cannot create a sandbox cgroup below {next(iter(parents.values()))}: {exc.strerror or exc}"
    # A minimal sandbox with every namespace the policy requires.
    probe = [
        _bwrap_binary(), "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
        "--unshare-uts", "--unshare-cgroup", "--disable-userns", "--uid", str(SANDBOX_UID),
        "--die-with-parent", "--new-session", "--cap-drop", "ALL", *_system_binds(),
        "--proc", "/proc", "--dev", "/dev", "--", sys.executable, "-I", "-S", "-c", "pass",
    ]
    try:
        res = subprocess.run(probe, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap does not run: {exc}"
    if res.returncode != 0:
        msg = res.stderr.decode(errors="replace").strip().splitlines()
        return False, f"bwrap cannot create the sandbox namespaces: {msg[-1] if msg else res.returncode}"
    return True, ""
