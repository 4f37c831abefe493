"""What to grade and under which limits: the contract between course/ and grader/."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

GPU_MODES = ("none", "optional", "required")
SANDBOXES = ("auto", "docker", "bwrap", "none")
DEFAULT_IMAGE = "course-kit-sandbox:latest"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's sandboxed worker.

    Attributes
    ----------
    check_timeout : float
        Wall-clock seconds one check (one hidden test) may spend, student calls included.
        A check marked ``@pytest.mark.timeout(s)`` overrides it.
    total_timeout : float
        Wall-clock seconds for the whole submission; checks not reached time out.
    memory_mb : int
        Memory of the worker (and its children), swap excluded (memory = memory-swap).
    pids : int
        Maximum number of processes/threads in the sandbox.
    cpus : float
        CPU share of the worker.
    output_bytes : int
        Bytes of student stdout/stderr kept; the rest is drained and dropped.
    scratch_mb : int
        Size of the writable scratch directory (``/tmp`` inside the sandbox).
    message_bytes : int
        Largest protocol message accepted in either direction.
    reply_elements : int
        Most numpy array elements in one message (all arrays together): bounds what a
        reply costs in memory, whatever its dtype claims (SECURITY item 29).
    harness_memory_mb : int
        Memory of the trusted pytest harness itself (``RLIMIT_DATA``, see
        :func:`grader.plugin.limit_harness_memory`): a hostile reply or a runaway check
        raises ``MemoryError`` there instead of growing the grading host.  Sized for
        hidden suites that import torch: measured data mappings of torch + scipy +
        scikit-learn + pandas after a small training step are 0.5 GB with 2 threads and
        1.6 GB with 64 BLAS/torch threads (thread stacks and BLAS buffers count, RSS
        stays near 0.5 GB), plus two copies of the largest message (2 x 256 MB).
    """

    check_timeout: float = 30.0
    total_timeout: float = 600.0
    memory_mb: int = 2048
    pids: int = 256
    cpus: float = 1.0
    output_bytes: int = 64_000
    scratch_mb: int = 64
    message_bytes: int = 256 * 1024 * 1024
    reply_elements: int = 1 << 25
    harness_memory_mb: int = 4096


@dataclass(frozen=True)
class GradingSpec:
    """Everything the grading engine needs to grade submissions of one assignment.

    Built by ``course.assignment.Assignment.grading_spec()`` from ``assignment.toml``;
    tests may build one directly.

    Attributes
    ----------
    assignment : str
        Assignment id (shown in results).
    tests_dir : Path
        Trusted directory holding the checks (``hidden/`` for grading, ``tests/`` for
        ``course check``).  Never mounted into the sandbox.
    student_files : tuple of str
        File names a submission must provide (e.g. ``("trees.py",)``).
    limits : Limits
    gpu : {"none", "optional", "required"}
    seed : int
        Secret seed of the hidden data (a 256-bit integer derived from the course secret,
        see :mod:`course.secret`; take it whole, e.g. ``np.random.default_rng(seed)``); given
        to checks by the ``hidden_seed`` fixture,
        never to the sandbox.
    image : str
        Docker image the docker backend runs the worker in.
    public : bool
        Public checks (``course check``): a failed assertion shows its values, which hidden
        checks never do.
    gates : tuple of str
        Gating checks (names such as ``"test_api"``, or full check ids): when one of them
        does not pass, the submission scores 0 (its checks are still reported).
    """

    assignment: str
    tests_dir: Path
    student_files: tuple[str, ...]
    limits: Limits = field(default_factory=Limits)
    gpu: str = "none"
    seed: int = 0
    image: str = DEFAULT_IMAGE
    gates: tuple[str, ...] = ()
    public: bool = False

    def __post_init__(self) -> None:
        if self.gpu not in GPU_MODES:
            raise ValueError(f"gpu must be one of {GPU_MODES}, got {self.gpu!r}")
