"""The student wheel: ``course-kit-student``, the student side of the kit without solutions.

``course student-wheel --out DIR`` (or :func:`build_student_wheel`) builds it from this
repository, offline, with the setuptools already installed::

    pip install course_kit_student-<version>-py3-none-any.whl
    course login --server URL --token ck_...
    course fetch toy && cd toy && course check && course submit

What it holds is a list, not "everything but ...": the student command line
(:mod:`course.student_cli`, installed as the console script ``course``), the client of
the server, the local exchange's student side, and the grading engine that
``course check`` runs the public tests with (``grader/``: the public check API, the
sandboxes and the worker).  Nothing else is copied, so a module added later stays out
until someone adds it here.  Never inside: ``reference/`` (the solutions), ``cli.py``
(the instructor's command line), ``assignments/`` (solutions, hidden checks, data
generators), the example assignment of ``course new``, the server, the gradebook's
instructor commands, the sandbox image builder.

Before and after building, :func:`audit_tree` / :func:`audit_wheel` refuse any file under
a ``solution``/``hidden`` folder, any ``test_*.py``, any file named like a hidden check
of this course, and any line that is an nbgrader solution or hidden-test marker (a
solution region); the build fails rather than ship one.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from course.errors import CourseError

DIST_NAME = "course-kit-student"
#: Modules of ``course/`` the student commands need (check, fetch, submit, login, status, feedback).
COURSE_MODULES = (
    "__init__", "errors", "manifest", "student_cli", "client", "exchange", "feedback_exchange", "config",
    "assignment", "secret", "grading", "progress", "gradebook",
)
#: Packages copied whole: the engine ``course check`` runs the public tests with ...
WHOLE_PACKAGES = ("grader",)
#: ... but for the instructor's parts of it (``course image build``).
LEFT_OUT = ("grader/image.py",)
DEPENDENCIES = ("numpy>=1.26", "typer>=0.12", "httpx>=0.27", "pytest>=8.0", "sqlalchemy>=2.0")
MARKER = re.compile(r"^\s*(#+|//)\s*(BEGIN|END)\s+(SOLUTION|HIDDEN TESTS)\s*$", re.IGNORECASE)
FORBIDDEN_PARTS = ("solution", "hidden", "reference", "assignments", "example_assignment")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "The student side of the ML course kit: login, fetch, check, submit, status, feedback (no solutions)."
readme = "README.md"
requires-python = ">=3.11"
license = {{ text = "BSD-3-Clause" }}
dependencies = [{deps}]

[project.scripts]
course = "course.student_cli:main"

[tool.setuptools]
packages = [{packages}]
include-package-data = false
"""

README = """\
# course-kit-student

The student side of the course: `course login`, `course fetch`, `course check`,
`course submit`, `course status`, `course feedback`.  It holds no solutions and no
hidden checks; the instructor's tools are the `course-kit` package.
"""


def hidden_check_names(repo: Path) -> set[str]:
    """File names of every hidden check of the course in ``repo`` (``assignments/*/hidden``)."""
    names = set()
    for folder in list(repo.glob("assignments/*/hidden")) + list(repo.glob("course/*/hidden")):
        names.update(p.name for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return names


def _problems(rel: str, data: bytes, hidden_names: set[str]) -> list[str]:
    parts = rel.split("/")
    out = []
    if any(p in FORBIDDEN_PARTS for p in parts[:-1]) or parts[0] in ("reference", "cli.py"):
        out.append(f"{rel}: a solution, hidden-check, reference or instructor path")
    name = parts[-1]
    if name in hidden_names and name != "__init__.py":
        out.append(f"{rel}: named like a hidden check")
    if re.match(r"test_.*\.py$", name) or name == "conftest.py":
        out.append(f"{rel}: a test file")
    if name.endswith((".py", ".ipynb", ".j2", ".md", ".txt", ".toml")):
        for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if MARKER.match(line.replace("\\n", "").strip('"\' ,')):
                out.append(f"{rel}:{n}: a solution/hidden-tests marker line")
                break
    return out


def audit_tree(root: Path, hidden_names: set[str]) -> list[str]:
    """Why the files under ``root`` must not go to students (empty: fine)."""
    root = Path(root)
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc"):
            rel = p.relative_to(root).as_posix()
            out += _problems(rel, p.read_bytes(), hidden_names)
    return out


def audit_wheel(wheel: Path, hidden_names: set[str]) -> list[str]:
    """:func:`audit_tree` for the files of a built wheel."""
    out = []
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if not info.is_dir():
                out += _problems(info.filename, zf.read(info), hidden_names)
    return out


def stage(repo: Path, dest: Path) -> Path:
    """Copy the student side of ``repo`` into ``dest`` with its pyproject.toml."""
    repo, dest = Path(repo), Path(dest)
    version = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    (dest / "course").mkdir(parents=True)
    for mod in COURSE_MODULES:
        shutil.copy2(repo / "course" / f"{mod}.py", dest / "course" / f"{mod}.py")
    packages = ["course"]
    for pkg in WHOLE_PACKAGES:
        for src in sorted((repo / pkg).rglob("*.py")):
            if "__pycache__" in src.parts or src.relative_to(repo).as_posix() in LEFT_OUT:
                continue
            target = dest / src.relative_to(repo)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
            if src.name == "__init__.py":
                packages.append(".".join(src.parent.relative_to(repo).parts))
    (dest / "README.md").write_text(README)
    (dest / "pyproject.toml").write_text(PYPROJECT.format(
        name=DIST_NAME, version=version, deps=", ".join(f'"{d}"' for d in DEPENDENCIES),
        packages=", ".join(f'"{p}"' for p in sorted(packages))))
    return dest


def build_student_wheel(*, out: Path, repo: Path | None = None) -> Path:
    """Build the student wheel into ``out`` (offline: no build isolation, no index); returns its path."""
    repo = Path(repo) if repo else Path(__file__).resolve().parents[1]
    if not (repo / "pyproject.toml").is_file() or not (repo / "course").is_dir():
        raise CourseError(f"{repo} is not the course kit's repository (no pyproject.toml and course/)")
    hidden = hidden_check_names(repo)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ck-student-wheel-") as tmp:
        src = stage(repo, Path(tmp) / "src")
        bad = audit_tree(src, hidden)
        if bad:
            raise CourseError("refusing to build the student wheel: " + "; ".join(bad[:5]))
        build = Path(tmp) / "wheel"
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--no-index", "--disable-pip-version-check", "-q", "-w", str(build), str(src)],
                              capture_output=True, text=True, cwd=tmp)
        wheels = sorted(build.glob("*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise CourseError(f"building the student wheel failed: {(proc.stderr or proc.stdout).strip()[-1500:]}")
        bad = audit_wheel(wheels[0], hidden)
        if bad:
            raise CourseError("the built student wheel holds forbidden files: " + "; ".join(bad[:5]))
        target = out / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target
