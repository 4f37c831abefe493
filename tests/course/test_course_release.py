"""Release: solution stripping, the release layout, atomicity, and no leaks."""
from __future__ import annotations

import importlib.util
import json
import re
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course.errors import CourseError
from course.release import release, solution_regions, strip_notebook, strip_solutions

REPO = Path(__file__).resolve().parents[2]


def _import_file(path: Path, name: str = "mod"):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_strip_replaces_regions_at_their_indentation():
    src = (
        "def f(x):\n"
        "    y = 1\n"
        "    ### BEGIN SOLUTION\n"
        "    y = x * 2\n"
        "    ### END SOLUTION\n"
        "    return y\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert f(2) == 4\n"
        "### END HIDDEN TESTS\n"
    )
    out = strip_solutions(src)
    assert out == (
        "def f(x):\n"
        "    y = 1\n"
        '    raise NotImplementedError("your code here")\n'
        "    return y\n"
    )
    ns: dict = {}
    exec(out, ns)
    with pytest.raises(NotImplementedError):
        ns["f"](1)


def test_strip_keep_solutions_drops_markers_and_hidden_tests():
    src = "def f():\n    ### BEGIN SOLUTION\n    return 3\n    ### END SOLUTION\n### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS\n"
    assert strip_solutions(src, keep_solutions=True) == "def f():\n    return 3\n"


def test_module_level_region_becomes_a_comment_so_the_module_imports():
    out = strip_solutions("import math\n### BEGIN SOLUTION\nraise SystemExit\n### END SOLUTION\nZ = 1\n")
    ns: dict = {}
    exec(out, ns)
    assert ns["Z"] == 1 and "SystemExit" not in out


@pytest.mark.parametrize("src, msg", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a matching BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION\n", "inside an open"),
])
def test_unbalanced_markers_are_clear_errors(src, msg):
    with pytest.raises(CourseError, match=msg):
        strip_solutions(src, where="f.py")


def test_notebook_regions_hidden_tests_and_outputs_are_cleared():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    code = nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x + 41\n    ### END SOLUTION\n")
    code.outputs = [nbformat.v4.new_output("stream", text="leaked output 42\n")]
    code.execution_count = 3
    hidden = nbformat.v4.new_code_cell("assert f(1) == 42\n### BEGIN HIDDEN TESTS\nassert f(0) == 41\n### END HIDDEN TESTS\n")
    nb.cells = [nbformat.v4.new_markdown_cell("# Task"), code, hidden]
    out = strip_notebook(nb)
    text = nbformat.writes(out)
    assert "x + 41" not in text and "f(0) == 41" not in text and "leaked output" not in text
    assert "NotImplementedError" in out.cells[1].source
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    assert "x + 41" in nbformat.writes(nb)  # the original is untouched
    sol = strip_notebook(nb, keep_solutions=True)
    assert "return x + 41" in sol.cells[1].source and "BEGIN SOLUTION" not in sol.cells[1].source


def test_release_layout_stub_and_data(config, tmp_path):
    out = release(config=config, assignment_id="toy", out=tmp_path / "rel")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [".assignment.json", "README.md", "data/extra.npz", "data/train.csv", "tests/conftest.py",
                     "tests/test_public.py",
                     "toy.ipynb", "toy.py"]
    nb_text = (out / "toy.ipynb").read_text()
    assert "x.mean() * 17" not in nb_text and "notebook_answer == 34.0" not in nb_text and "34.0" not in nb_text
    assert "NotImplementedError" in nb_text and "assert x.size == 5" in nb_text
    stub = _import_file(out / "toy.py", "toy_stub")
    with pytest.raises(NotImplementedError):
        stub.mean([1, 2])
    with pytest.raises(NotImplementedError):
        stub.MeanRegressor().fit([[0]], [1])
    # data are generated from the course seed (11), deterministically
    rng = np.random.default_rng(11)
    x = rng.normal(size=20)
    train = pd.read_csv(out / "data" / "train.csv")
    np.testing.assert_allclose(train["x"], x)
    np.testing.assert_allclose(np.load(out / "data" / "extra.npz")["extra"], rng.normal(size=(3, 2)))
    assert "Toy assignment" in (out / "README.md").read_text() and "train.csv" in (out / "README.md").read_text()
    man = json.loads((out / ".assignment.json").read_text())
    assert man["assignment"] == "toy" and man["student_files"] == ["toy.py"] and man["solution"] is False


def test_solution_release_is_complete(config, tmp_path):
    out = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    sol = _import_file(out / "toy.py", "toy_sol")
    assert sol.mean([1, 2, 6]) == 3.0
    assert sol.MeanRegressor().fit(np.zeros((3, 1)), [1, 2, 3]).predict(np.zeros((2, 1))).tolist() == [2.0, 2.0]
    assert "_instructor_selfcheck" not in (out / "toy.py").read_text()
    nb_text = (out / "toy.ipynb").read_text()
    assert "x.mean() * 17" in nb_text and "notebook_answer == 34.0" not in nb_text


def _region_lines(text: str) -> set[str]:
    lines = text.splitlines()
    inside = {j for a, b in solution_regions(text) for j in range(a, b + 1)}
    outside = {lines[j].strip() for j in range(len(lines)) if j not in inside}
    return {lines[j].strip() for j in inside if lines[j].strip()} - outside


def test_no_solution_line_and_no_hidden_test_reaches_a_student_release(config, course_root, tmp_path):
    ref = (course_root / "lib" / "toy.py").read_text()
    secret_lines = _region_lines(ref)
    assert len(secret_lines) >= 6  # the test would be vacuous otherwise
    hidden_lines = set()
    for p in (course_root / "assignments" / "toy" / "hidden").rglob("*.py"):
        hidden_lines |= {ln.strip() for ln in p.read_text().splitlines() if len(ln.strip()) > 12}
    hidden_lines.add("assert mean([1, 2, 3]) == 2.0")  # the reference's own HIDDEN TESTS region
    hidden_lines.add("assert notebook_answer == 34.0")  # the notebook's HIDDEN TESTS region
    secret_lines.add("notebook_answer = x.mean() * 17")  # the notebook's solution region
    public = set()
    for p in (course_root / "assignments" / "toy" / "tests").rglob("*.py"):
        public |= {ln.strip() for ln in p.read_text().splitlines()}
    out = release(config=config, assignment_id="toy", out=tmp_path / "rel")
    released = ""
    for p in out.rglob("*"):
        if p.is_file() and p.suffix != ".npz":
            assert "hidden" not in p.relative_to(out).parts
            released += p.read_text() + "\n"
    released_lines = {ln.strip() for ln in released.splitlines()}
    assert not (secret_lines & released_lines)
    assert not ((hidden_lines - public) & released_lines)
    assert "hidden-test-source-must-not-leak" not in released


def test_release_failure_leaves_nothing_half_written(config, course_root, tmp_path):
    (course_root / "assignments" / "toy" / "data.py").write_text("def release_data(seed):\n    raise RuntimeError('boom')\n")
    with pytest.raises(CourseError, match="release_data failed: RuntimeError: boom"):
        release(config=config, assignment_id="toy", out=tmp_path / "rel")
    assert list(tmp_path.iterdir()) == [course_root]


def test_release_replaces_an_earlier_release_but_refuses_other_folders(config, tmp_path):
    out = release(config=config, assignment_id="toy", out=tmp_path / "rel")
    (out / "stale.txt").write_text("old")
    release(config=config, assignment_id="toy", out=out)
    assert not (out / "stale.txt").exists() and (out / "toy.py").is_file()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("x")
    with pytest.raises(CourseError, match="not a release folder"):
        release(config=config, assignment_id="toy", out=precious)
    assert (precious / "thesis.tex").read_text() == "x"


def test_missing_reference_file_is_a_clear_error(config, course_root, tmp_path):
    (course_root / "lib" / "toy.py").unlink()
    with pytest.raises(CourseError, match="reference file .*toy.py.* does not exist"):
        release(config=config, assignment_id="toy", out=tmp_path / "rel")
    assert not (tmp_path / "rel").exists()


def _marked_files() -> list[Path]:
    files = sorted(REPO.glob("reference/**/*.py"))
    return [p for p in files if "### BEGIN SOLUTION" in p.read_text()]


MARKED = _marked_files()


def test_the_repository_has_marked_reference_files():
    assert MARKED, "no file under reference/ has solution markers"


@pytest.mark.parametrize("path", MARKED, ids=[p.relative_to(REPO).as_posix() for p in MARKED])
def test_every_marked_reference_file_strips_to_an_importable_module(path):
    stub = strip_solutions(path.read_text(), where=str(path))
    assert "### BEGIN SOLUTION" not in stub
    rel = path.relative_to(REPO).with_suffix("")
    package = ".".join(rel.parts[:-1])
    mod = types.ModuleType(f"_stub_{rel.name}")
    mod.__package__ = package
    mod.__file__ = str(path)
    exec(compile(stub, str(path), "exec"), mod.__dict__)
    assert re.search(r"raise NotImplementedError", stub)


REAL = sorted(p.parent.name for p in REPO.glob("assignments/*/assignment.toml"))


@pytest.mark.parametrize("assignment_id", REAL)
def test_every_real_assignment_releases_stubs_that_import(assignment_id, tmp_path):
    """Release the repository's own assignments; each student file imports next to the others."""
    import subprocess
    import sys

    from course.config import load_config

    out = release(config=load_config(REPO), assignment_id=assignment_id, out=tmp_path / assignment_id)
    mods = [p.stem for p in out.glob("*.py")]
    assert mods
    code = "import sys; sys.path.insert(0, sys.argv[1])\n" + "".join(f"import {m}\n" for m in mods)
    proc = subprocess.run([sys.executable, "-c", code, str(out)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (out / "hidden").exists()
    # no solution line and no hidden check line reaches the release
    from course.assignment import load_assignment

    asg = load_assignment(load_config(REPO), assignment_id)
    secret, allowed = set(), set()
    from course.release import scoped_reference

    for f in asg.files:
        if not f.name.endswith(".py"):
            continue
        # a scoped release hands out the regions it does not stub: only stubbed ones are secret
        text, stubbed = scoped_reference(asg, f)
        lines = text.splitlines()
        inside = {j for (a, b), stub in zip(solution_regions(text), stubbed) if stub for j in range(a, b + 1)}
        secret |= {lines[j].strip() for j in inside}
        allowed |= {lines[j].strip() for j in range(len(lines)) if j not in inside}
    for p in list(asg.public_tests.rglob("*")) + list(asg.path.glob("*.j2")):
        if p.is_file():
            allowed |= {ln.strip() for ln in p.read_text().splitlines()}
    hidden = set()
    for p in asg.hidden_tests.rglob("*.py"):
        hidden |= {ln.strip() for ln in p.read_text().splitlines()}
    released = set()
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".py", ".md", ".ipynb", ".json"):
            released |= {ln.strip() for ln in p.read_text().splitlines()}
    assert len(secret) > 3, "the assignment has no solution regions to protect"
    leaks = {ln for ln in (secret | hidden) - allowed if len(ln) >= 16} & released
    assert not leaks, sorted(leaks)[:5]
