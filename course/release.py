"""``course release``: the student version of an assignment, generated from the reference.

The reference marks what students must write with nbgrader's markers::

    def fit(self, X, y):
        ### BEGIN SOLUTION
        self.coef_ = np.linalg.solve(X.T @ X, X.T @ y)
        ### END SOLUTION
        return self

:func:`strip_solutions` turns every solution region into ``raise NotImplementedError(...)``
at the region's indentation and drops ``### BEGIN HIDDEN TESTS`` regions, so template and
reference never drift.  Notebooks go through nbgrader's own preprocessors.

:func:`release` writes one assignment's release folder atomically (a temporary sibling
folder renamed into place at the end; nothing half-written on failure)::

    <out>/
      <student files>        stubs (or the full solution with ``solution=True``)
      tests/                 public checks only (never hidden/), with a conftest.py so
                             that plain ``pytest`` works in the release folder
      data/                  training data from data.py ``release_data(course seed)``
      README.md              rendered from README.md.j2
      <id>.ipynb             the notebook, if the assignment has one
      .assignment.json       what ``course check`` / ``course submit`` need offline
"""
from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import jinja2

from course.assignment import Assignment, load_assignment
from course.config import CourseConfig
from course.errors import CourseError

BEGIN_SOLUTION = re.compile(r"^(\s*)###\s*BEGIN SOLUTION\s*$")
END_SOLUTION = re.compile(r"^\s*###\s*END SOLUTION\s*$")
BEGIN_HIDDEN = re.compile(r"^\s*###\s*BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*###\s*END HIDDEN TESTS\s*$")
STUB_MESSAGE = "your code here"
from course.manifest import MANIFEST  # noqa: E402 - re-exported
TEMPLATES = Path(__file__).resolve().parent / "templates"


def solution_regions(text: str) -> list[tuple[int, int]]:
    """``(first, last)`` 0-based line numbers of the lines *inside* each solution region."""
    regions, start = [], None
    for i, line in enumerate(text.splitlines()):
        if BEGIN_SOLUTION.match(line):
            start = i + 1
        elif END_SOLUTION.match(line) and start is not None:
            regions.append((start, i - 1))
            start = None
    return regions


def _top_level_nodes(text: str, where: str) -> list:
    from course.catalog import parse_source  # one thread at a time (course serve)

    try:
        return list(parse_source(text).body)
    except SyntaxError as exc:
        raise CourseError(f"{where}:{exc.lineno}: not valid Python: {exc.msg}") from None


def region_owners(text: str, *, where: str = "<text>") -> list[str]:
    """For each solution region, in order, the definition it lies in: ``"sigmoid"``,
    ``"Perceptron.fit"``, ``"Perceptron"`` (class body) or ``""`` (module level)."""
    import ast

    spans = []
    for node in _top_level_nodes(text, where):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            spans.append((node.lineno, node.end_lineno, node.name))
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        spans.append((sub.lineno, sub.end_lineno, f"{node.name}.{sub.name}"))
    owners = []
    for first, _last in solution_regions(text):
        line = first + 1  # 1-based line of the region's first solution line
        inner = [name for a, b, name in spans if a <= line <= b]
        owners.append(max(inner, key=len) if inner else "")
    return owners


def _named(owner: str, names) -> bool:
    return any(owner == n or owner.startswith(n + ".") for n in names)


def omit_definitions(text: str, names, *, where: str = "<text>") -> str:
    """``text`` without the top-level functions/classes called ``names`` (decorators and
    all): what a scoped release leaves out."""
    import ast

    names = set(names)
    lines = text.splitlines()
    drop: set[int] = set()
    found = set()
    for node in _top_level_nodes(text, where):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            last = node.end_lineno
            # a definition ending in a solution region: its END marker (a comment, so not
            # part of the node) goes with it
            while last < len(lines) and (END_SOLUTION.match(lines[last]) or END_HIDDEN.match(lines[last])):
                last += 1
            drop.update(range(first, last + 1))
            found.add(node.name)
    missing = sorted(names - found)
    if missing:
        raise CourseError(f"{where}: omit names {', '.join(missing)}, which it does not define at top level")
    return "".join(line for n, line in enumerate(text.splitlines(keepends=True), start=1) if n not in drop)


def scope_source(text: str, *, stubs=None, omit=(), where: str = "<text>") -> tuple[str, list[bool]]:
    """A scoped release of one reference file: ``(text without omitted definitions,
    [whether each solution region becomes a stub])``.

    ``stubs=None`` stubs every region; otherwise only regions inside the named
    definitions (``"sigmoid"``, ``"Perceptron"``, ``"Perceptron.fit"``) become stubs and the
    others keep their solution: what earlier assignments taught comes implemented.
    """
    if omit:
        text = omit_definitions(text, omit, where=where)
    owners = region_owners(text, where=where)
    if stubs is None:
        return text, [True] * len(owners)
    unknown = [n for n in stubs if not any(_named(o, [n]) for o in owners)]
    if unknown:
        raise CourseError(f"{where}: stubs names {', '.join(unknown)}, which holds no solution region")
    return text, [_named(o, stubs) for o in owners]


def strip_solutions(text: str, *, where: str = "<text>", keep_solutions: bool = False,
                    keep: Callable[[int], bool] | None = None) -> str:
    """Replace solution regions by a stub and remove hidden-test regions.

    Parameters
    ----------
    text : str
        Python source with ``### BEGIN SOLUTION`` / ``### END SOLUTION`` and
        ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` markers.
    where : str
        Name used in error messages.
    keep_solutions : bool
        Keep the solution code (markers removed); hidden tests are still dropped.
        This is what ``release(..., solution=True)`` writes.
    keep : callable, optional
        ``keep(i)`` True keeps the i-th solution region (0-based) and stubs the others:
        a partly right submission, as ``course demo`` simulates.

    Returns
    -------
    str
        The student's version.  A solution region inside a block becomes
        ``raise NotImplementedError("your code here")`` at the region's indentation;
        one at module level becomes a comment, so the module still imports.

    Raises
    ------
    CourseError
        Unbalanced or nested markers.
    """
    out: list[str] = []
    mode, opened_at, region, keeping = None, 0, -1, keep_solutions
    for n, line in enumerate(text.splitlines(keepends=True), start=1):
        begin_sol, end_sol = BEGIN_SOLUTION.match(line), END_SOLUTION.match(line)
        begin_hid, end_hid = BEGIN_HIDDEN.match(line), END_HIDDEN.match(line)
        if begin_sol or begin_hid:
            if mode is not None:
                raise CourseError(f"{where}:{n}: marker inside an open {mode} region (opened at line {opened_at})")
            mode, opened_at = ("solution" if begin_sol else "hidden tests"), n
            if begin_sol:
                region += 1
                keeping = keep_solutions or (keep is not None and keep(region))
            if begin_sol and not keeping:
                indent = begin_sol.group(1)
                stub = f'raise NotImplementedError("{STUB_MESSAGE}")' if indent else "# (solution removed)"
                out.append(f"{indent}{stub}\n")
            continue
        if end_sol or end_hid:
            expected = "solution" if end_sol else "hidden tests"
            if mode != expected:
                raise CourseError(f"{where}:{n}: END {expected.upper()} without a matching BEGIN")
            mode = None
            continue
        if mode is None or (mode == "solution" and keeping):
            out.append(line)
    if mode is not None:
        raise CourseError(f"{where}:{opened_at}: {mode} region is never closed")
    return "".join(out)


def strip_notebook(nb, *, keep_solutions: bool = False):
    """Student version of an nbformat notebook (nbgrader's ClearSolutions,
    ClearHiddenTests and ClearOutput); returns a new notebook."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    nb = copy.deepcopy(nb)
    resources: dict = {}
    steps = [ClearHiddenTests(enforce_metadata=False), ClearOutput()]
    if not keep_solutions:  # the same stub message as in .py files
        stub = {"python": f'# YOUR CODE HERE\nraise NotImplementedError("{STUB_MESSAGE}")'}
        steps.insert(0, ClearSolutions(enforce_metadata=False, code_stub=stub))
    for step in steps:
        nb, resources = step.preprocess(nb, resources)
    if keep_solutions:  # markers go from code and answer (markdown) cells alike
        for cell in nb.cells:
            if cell.cell_type in ("code", "markdown"):
                cell.source = "".join(
                    line for line in cell.source.splitlines(keepends=True)
                    if not (BEGIN_SOLUTION.match(line) or END_SOLUTION.match(line))
                )
    return nb


def _load_data_module(asg: Assignment):
    path = asg.path / "data.py"
    spec = importlib.util.spec_from_file_location(f"_course_data_{asg.id.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the instructor's code: report, do not crash
        raise CourseError(f"{path}: failed to import: {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, "release_data"):
        raise CourseError(f"{path}: must define release_data(seed)")
    return module


def write_release_data(asg: Assignment, seed: int, dest: Path) -> list[str]:
    """Write ``release_data(seed)`` of the assignment's data.py into ``dest``; return file names."""
    import numpy as np
    import pandas as pd

    if not (asg.path / "data.py").is_file():
        return []
    try:
        data = _load_data_module(asg).release_data(seed)
    except CourseError:
        raise
    except Exception as exc:
        raise CourseError(f"{asg.path / 'data.py'}: release_data failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(data, dict):
        raise CourseError(f"{asg.path / 'data.py'}: release_data must return a dict, got {type(data).__name__}")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, value in sorted(data.items()):
        if not re.match(r"^[A-Za-z0-9_.-]+$", str(name)) or str(name).startswith("."):
            raise CourseError(f"release_data: bad data set name {name!r}")
        if isinstance(value, pd.DataFrame):
            value.to_csv(dest / f"{name}.csv", index=False)
            written.append(f"{name}.csv")
        elif isinstance(value, np.ndarray):
            np.savez(dest / f"{name}.npz", **{str(name): value})
            written.append(f"{name}.npz")
        elif isinstance(value, dict) and all(isinstance(v, np.ndarray) for v in value.values()):
            np.savez(dest / f"{name}.npz", **{str(k): v for k, v in value.items()})
            written.append(f"{name}.npz")
        else:
            raise CourseError(f"release_data: {name!r} must be a DataFrame or ndarray, got {type(value).__name__}")
    return written


def scoped_reference(asg: Assignment, f) -> tuple[str, list[bool]]:
    """The reference text of student file ``f`` with its scope applied (``omit``), and
    which of its solution regions are the student's to write (``stubs``)."""
    root = asg.course.root if asg.course else asg.path.parents[1]
    src = (root / f.reference) if f.reference else asg.path / f.name
    if not src.is_file():
        raise CourseError(f"assignment {asg.id!r}: reference file {src} for {f.name!r} does not exist")
    text = src.read_text()
    if src.suffix != ".py":
        return text, []
    return scope_source(text, stubs=f.stubs, omit=f.omit, where=str(src))


def _student_text(asg: Assignment, name: str, reference: str | None, solution: bool) -> str:
    root = asg.course.root if asg.course else asg.path.parents[1]
    src = (root / reference) if reference else asg.path / name
    if not src.is_file():
        raise CourseError(f"assignment {asg.id!r}: reference file {src} for {name!r} does not exist")
    text = src.read_text()
    if src.suffix == ".py":
        f = next((f for f in asg.files if f.name == name), None)
        if f is not None:
            text, stubbed = scoped_reference(asg, f)
            return strip_solutions(text, where=str(src), keep_solutions=solution, keep=lambda i: not stubbed[i])
        return strip_solutions(text, where=str(src), keep_solutions=solution)
    if src.suffix == ".ipynb":
        import nbformat

        nb = strip_notebook(nbformat.reads(text, as_version=4), keep_solutions=solution)
        return nbformat.writes(nb)
    return text


def _copy_public_tests(asg: Assignment, dest: Path) -> None:
    src = asg.public_tests
    if not src.is_dir():
        return
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if "__pycache__" in rel.parts or path.is_symlink() or any(p.startswith(".") for p in rel.parts):
            continue
        target = dest / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".py":
                target.write_text(strip_solutions(path.read_text(), where=str(path)))
            else:
                shutil.copyfile(path, target)


def render_readme(asg: Assignment, config: CourseConfig, *, data_files: list[str]) -> str:
    """The student README: the assignment's README.md.j2, or the kit's default template."""
    own = asg.path / "README.md.j2"
    loader = jinja2.FileSystemLoader([str(asg.path), str(TEMPLATES)])
    env = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    name = "README.md.j2"
    try:
        template = env.get_template(name) if own.is_file() else env.get_template("release_readme.md.j2")
        return template.render(
            assignment={"id": asg.id, "title": asg.title, "due": asg.due, "files": list(asg.student_files),
                        "gpu": asg.gpu},
            course={"name": config.name, "seed": config.seed},
            data_files=data_files,
        )
    except jinja2.TemplateError as exc:
        raise CourseError(f"{own if own.is_file() else TEMPLATES / 'release_readme.md.j2'}: template error: {exc}") from exc


def manifest(asg: Assignment, config: CourseConfig) -> dict:
    """What a student's copy needs to check and submit without the course folder."""
    return {
        "assignment": asg.id,
        "title": asg.title,
        "course": config.name,
        "student_files": list(asg.student_files),
        "due": asg.due.isoformat() if asg.due else None,
        "exchange": str(config.exchange_path),
        "seed": config.seed,
    }


def release(*, config: CourseConfig, assignment_id: str, out: Path, solution: bool = False) -> Path:
    """Write the student version (or, with ``solution=True``, the full solution) of one assignment.

    Parameters
    ----------
    config : CourseConfig
    assignment_id : str
    out : Path
        Release folder.  An existing release (one holding ``.assignment.json``) or an empty
        folder is replaced; any other existing path is refused.
    solution : bool
        Write the complete solution in the same layout.

    Returns
    -------
    Path
        ``out``.
    """
    asg = load_assignment(config, assignment_id)
    out = Path(out).absolute()
    if out.exists() and not (out.is_dir() and ((out / MANIFEST).is_file() or not any(out.iterdir()))):
        raise CourseError(f"{out} exists and is not a release folder; refusing to overwrite it")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise CourseError(f"cannot write to {out.parent}: {exc.strerror}") from exc
    try:
        for f in asg.files:
            (tmp / f.name).write_text(_student_text(asg, f.name, f.reference, solution))
        _copy_public_tests(asg, tmp / "tests")
        if (tmp / "tests").is_dir() and not (tmp / "tests" / "conftest.py").exists():
            shutil.copyfile(TEMPLATES / "release_conftest.py", tmp / "tests" / "conftest.py")
        data_files = write_release_data(asg, config.seed, tmp / "data")
        (tmp / "README.md").write_text(render_readme(asg, config, data_files=data_files))
        notebook = asg.path / f"{asg.id}.ipynb"
        if notebook.is_file() and notebook.name not in asg.student_files:
            (tmp / notebook.name).write_text(_student_text(asg, notebook.name, None, solution))
        (tmp / MANIFEST).write_text(json.dumps({**manifest(asg, config), "solution": solution}, indent=2) + "\n")
        tmp.chmod(0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{tmp.name[-8:]}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
