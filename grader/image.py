"""Build the Docker image student code runs in (``course image build``).

The build is offline: the Dockerfile installs every package from a local wheel folder.
:func:`build_image` assembles a minimal build context (the Dockerfile, the worker files and
the wheels, nothing else of the repository) in a temporary directory, and builds it with the
docker SDK.  The image is labelled with a hash of that context and its base image, so a
second build with nothing changed returns at once.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from grader.sandbox.base import WORKER_SOURCE_DIR
from grader.spec import DEFAULT_IMAGE

__all__ = ["DEFAULT_WHEELS", "DOCKERFILE", "ImageBuildError", "build_image", "context_hash"]

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
#: Wheel folder filled by ``scripts/docker-setup.sh`` (ignored by git).
DEFAULT_WHEELS = ROOT / ".cache" / "wheels"
#: Label holding :func:`context_hash` of the build that produced an image.
HASH_LABEL = "course-kit.context-hash"


class ImageBuildError(Exception):
    """The image cannot be built (a one-line, user-facing reason; ``course image build`` prints it).

    grader/ never imports course/: the CLI turns this into its ``CourseError``.
    """


def _context_files(wheels: Path) -> list[tuple[Path, str]]:
    """(source, path in the build context) of every file the build needs."""
    files = [(DOCKERFILE, "Dockerfile")]
    files += [(p, f"grader/_worker/{p.name}") for p in sorted(WORKER_SOURCE_DIR.glob("*.py"))]
    files += [(p, f".cache/wheels/{p.name}") for p in sorted(wheels.glob("*.whl"))]
    return files


def context_hash(files: list[tuple[Path, str]], base_image_id: str) -> str:
    """Hash of the build inputs: base image id, Dockerfile and worker contents, wheel names and sizes."""
    digest = hashlib.sha256(base_image_id.encode())
    for src, name in files:
        digest.update(name.encode() + b"\0")
        if name.endswith(".whl"):  # wheels are immutable: name + size identify them
            digest.update(str(src.stat().st_size).encode())
        else:
            digest.update(src.read_bytes())
    return digest.hexdigest()[:16]


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_image(
    *,
    base_image: str,
    tag: str | None = None,
    wheels: str | Path | None = None,
    force: bool = False,
    quiet_if_current: bool = False,
) -> str:
    """Build the sandbox image offline and return its tag.

    Parameters
    ----------
    base_image : str
        Image providing Python 3.11 with the ``venv`` module (``python:3.11-slim``, or the
        debootstrapped ``course-kit-base:bookworm`` of ``scripts/docker-setup.sh``).  It
        must already be present: nothing is pulled.
    tag : str, optional
        Tag of the result (default :data:`grader.spec.DEFAULT_IMAGE`).
    wheels : path, optional
        Folder of ``.whl`` files for numpy, scipy, scikit-learn, pandas, torch 2.13.0 (CPU)
        and their dependencies (default ``.cache/wheels``).
    force : bool
        Rebuild even if an image built from the same inputs exists.
    quiet_if_current : bool
        Print nothing when the image is already up to date.

    Raises
    ------
    ImageBuildError
        Docker is unreachable, the base image or the wheel folder is missing, or the build fails.
    """
    tag = tag or DEFAULT_IMAGE
    wheels = Path(wheels) if wheels is not None else DEFAULT_WHEELS
    if not wheels.is_dir() or not any(wheels.glob("torch-2.13.0*.whl")):
        raise ImageBuildError(
            f"no wheel folder with torch 2.13.0 at {wheels}: run scripts/docker-setup.sh "
            "or pass --wheels DIR (numpy, scipy, scikit-learn, pandas, torch CPU wheels)"
        )
    try:
        import docker
        import docker.errors

        client = docker.from_env(timeout=600)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no daemon"
        raise ImageBuildError(f"cannot reach the Docker daemon ({exc}); start dockerd first") from None
    try:
        base_id = client.images.get(base_image).id
    except docker.errors.ImageNotFound:
        raise ImageBuildError(
            f"base image {base_image!r} not found (nothing is pulled); "
            "scripts/docker-setup.sh builds course-kit-base:bookworm with debootstrap"
        ) from None

    files = _context_files(wheels)
    digest = context_hash(files, base_id)
    if not force:
        try:
            current = client.images.get(tag)
            if (current.labels or {}).get(HASH_LABEL) == digest:
                if not quiet_if_current:
                    print(f"image {tag} is up to date ({digest})")
                return tag
        except docker.errors.ImageNotFound:
            pass

    with tempfile.TemporaryDirectory(prefix="course-kit-image-") as ctx:
        for src, name in files:
            _link_or_copy(src, Path(ctx) / name)
        print(f"building {tag} from {base_image} ({len(files) - 1} files, offline)", file=sys.stderr)
        log_tail: list[str] = []
        try:
            for chunk in client.api.build(
                path=ctx,
                tag=tag,
                buildargs={"BASE_IMAGE": base_image},
                labels={HASH_LABEL: digest},
                rm=True,
                forcerm=True,
                pull=False,
                network_mode="none",
                decode=True,
            ):
                if "error" in chunk:
                    raise ImageBuildError(f"image build failed: {chunk['error'].strip()}")
                line = chunk.get("stream", "").rstrip()
                if line:
                    log_tail = (log_tail + [line])[-20:]
                    if line.startswith("Step ") or "torch" in line:
                        print(f"  {line}", file=sys.stderr)
        except docker.errors.APIError as exc:
            raise ImageBuildError(f"image build failed: {exc.explanation or exc}") from None
    print(f"built {tag}", file=sys.stderr)
    return tag
