"""The sandbox image: build inputs, clear refusals, and (where Docker is up) the image itself."""
from __future__ import annotations

import subprocess

import pytest

from grader.image import DOCKERFILE, ImageBuildError, _context_files, build_image, context_hash
from grader.spec import DEFAULT_IMAGE


def test_dockerfile_is_offline_non_root_and_parametrised():
    text = DOCKERFILE.read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim" in text
    assert "--no-index" in text and "--find-links /wheels" in text
    assert "USER 1000:1000" in text
    assert "torch==2.13.0" in text


def test_build_context_holds_only_the_dockerfile_worker_and_wheels(tmp_path):
    (tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"w")
    (tmp_path / "notes.txt").write_text("not a wheel")
    names = [name for _, name in _context_files(tmp_path)]
    assert names[0] == "Dockerfile"
    assert all(n == "Dockerfile" or n.startswith(("grader/_worker/", ".cache/wheels/")) for n in names)
    assert ".cache/wheels/notes.txt" not in names
    assert not any("hidden" in n or "reference" in n or "tests" in n for n in names)


def test_context_hash_follows_its_inputs(tmp_path):
    wheel = tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    wheel.write_bytes(b"w")
    files = _context_files(tmp_path)
    assert context_hash(files, "sha256:a") == context_hash(files, "sha256:a")
    assert context_hash(files, "sha256:a") != context_hash(files, "sha256:b")
    (tmp_path / "numpy-9.9-cp311-none-any.whl").write_bytes(b"n")
    assert context_hash(_context_files(tmp_path), "sha256:a") != context_hash(files, "sha256:a")


def test_build_refuses_without_wheels(tmp_path):
    with pytest.raises(ImageBuildError, match="docker-setup.sh|--wheels"):
        build_image(base_image="python:3.11-slim", wheels=tmp_path)


def test_image_runs_the_libraries_as_a_non_root_user(docker_backend):
    out = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--log-driver", "none", DEFAULT_IMAGE, "python", "-c",
         "import os, sys, numpy, scipy, sklearn, pandas, torch; "
         "print(os.getuid(), sys.version_info[:2], torch.__version__, torch.cuda.is_available())"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    uid, rest = out.stdout.split(" ", 1)
    assert uid != "0"
    assert "(3, 11)" in rest and "2.13.0" in rest


def test_course_image_build_prints_the_refusal_as_one_line(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, ["image", "build", "--wheels", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: no wheel folder with torch 2.13.0" in result.output
    assert "Traceback" not in result.output


def test_grader_does_not_import_course(repo_root):
    import ast

    offenders = []
    for path in sorted((repo_root / "grader").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(repo_root)}: {n}" for n in names if n.split(".")[0] in ("course", "cli")]
    assert offenders == []
