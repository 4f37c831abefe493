"""The course secret: the only source of the hidden data's seeds (SECURITY item 27).

A course's hidden data must not be guessable: a submission that can search seeds inside a
check (or offline, from anything it prints) would rebuild the hidden data and its labels.
So the seeds come from a per-course secret of 256 random bits that is never committed
and never defaulted:

- ``<course root>/.course-secret``: 64 hex digits, mode 0600, created once with
  ``O_EXCL`` by :func:`create_secret` (``course secret init``) and never overwritten;
  the course's ``.gitignore`` lists it;
- or the environment variable ``COURSE_SECRET`` (at least 32 hex digits), which takes
  precedence (CI, a grading machine with the secret in its own secret store).

Each assignment's seed is ``HMAC-SHA256(secret, "hidden-seed\\0" + assignment id)`` read
as a 256-bit integer (:func:`derive_seed`): the full entropy of the secret, different for
every assignment, and no seed reveals the secret or another assignment's seed.  Only hidden
grading needs it; ``course check``, ``course release`` and the student side never do.

Keep a backup of the secret: without the same secret, hidden data (and so grades) cannot
be reproduced.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from course.errors import CourseError

__all__ = ["SECRET_ENV", "SECRET_NAME", "create_secret", "derive_seed", "load_secret", "secret_path"]

SECRET_NAME = ".course-secret"
SECRET_ENV = "COURSE_SECRET"
SECRET_BYTES = 32            # 256 bits written by create_secret
MIN_HEX_DIGITS = 32          # 128 bits: the least load_secret accepts
_HEX = re.compile(r"^[0-9a-f]+$")
_SEED_LABEL = b"hidden-seed\0"


def secret_path(root: Path) -> Path:
    """Where the secret of the course at ``root`` lives."""
    return Path(root) / SECRET_NAME


def _how_to_create(root: Path) -> str:
    return (f"run `course secret init --course {root}` (writes {secret_path(root)}, 0600) "
            f"or set {SECRET_ENV} to at least {MIN_HEX_DIGITS} random hex digits")


def _ensure_gitignored(root: Path) -> None:
    """Make sure the course's ``.gitignore`` lists the secret (created if absent)."""
    gitignore = Path(root) / ".gitignore"
    entry = f"/{SECRET_NAME}"
    text = gitignore.read_text() if gitignore.is_file() else ""
    lines = {ln.strip() for ln in text.splitlines()}
    if entry in lines or SECRET_NAME in lines:
        return
    if text and not text.endswith("\n"):
        text += "\n"
    gitignore.write_text(text + f"# the course secret: seeds of the hidden data (never commit it)\n{entry}\n")


def create_secret(root: Path) -> Path:
    """Create ``<root>/.course-secret``: 256 random bits as 64 hex digits, mode 0600.

    The file is created with ``O_EXCL`` and never overwritten (another secret would change
    every hidden data set); the course's ``.gitignore`` is made to list it (and created if
    absent).  Returns the path of the secret.
    """
    root = Path(root)
    if not root.is_dir():
        raise CourseError(f"{root} is not a directory")
    path = secret_path(root)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise CourseError(f"{path} already exists; a course secret is never overwritten "
                          "(a new one would change every hidden data set)") from None
    except OSError as exc:
        raise CourseError(f"cannot create {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, (secrets.token_hex(SECRET_BYTES) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    _ensure_gitignored(root)
    return path


def _validate(text: str, where: str) -> bytes:
    value = text.strip().lower()
    if not _HEX.match(value) or len(value) < MIN_HEX_DIGITS:
        raise CourseError(f"{where}: the course secret must be at least {MIN_HEX_DIGITS} hex digits "
                          f"(128 bits; `course secret init` writes 64)")
    if len(set(value)) < 6:
        raise CourseError(f"{where}: the course secret is not random (too few distinct digits); "
                          "create a random one with `course secret init`")
    return value.encode("ascii")


def load_secret(root: Path) -> bytes:
    """The course secret (as the ASCII bytes of its lower-case hex digits).

    ``COURSE_SECRET`` takes precedence over ``<root>/.course-secret``.  Refuses, with a
    one-line :class:`CourseError` saying how to fix it, a missing secret, one shorter than
    32 hex digits, and a secret file that group or others can read.
    """
    root = Path(root)
    if os.environ.get("COURSE_HIDDEN_SEED") is not None:
        raise CourseError("COURSE_HIDDEN_SEED is no longer used (a guessable seed); unset it: the hidden "
                          f"seeds come from the course secret ({SECRET_NAME} or {SECRET_ENV})")
    env = os.environ.get(SECRET_ENV)
    if env is not None:
        return _validate(env, SECRET_ENV)
    path = secret_path(root)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise CourseError(f"no course secret: {_how_to_create(root)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise CourseError(f"{path} is not a regular file; remove it and run `course secret init --course {root}`")
    if st.st_mode & 0o077:
        raise CourseError(f"{path} is readable by group or others (mode {stat.S_IMODE(st.st_mode):04o}); "
                          f"run `chmod 600 {path}`")
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"cannot read {path}: {exc}") from None
    return _validate(text, str(path))


def derive_seed(secret: bytes, label: str) -> int:
    """``HMAC-SHA256(secret, "hidden-seed\\0" + label)`` as a 256-bit integer.

    ``numpy.random.default_rng`` and ``SeedSequence`` take it whole; never reduce it
    (``% 2**32``, ``RandomState``, scikit-learn's ``random_state``) for data a
    submission sees.
    """
    digest = hmac.new(secret, _SEED_LABEL + label.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest, "big")
