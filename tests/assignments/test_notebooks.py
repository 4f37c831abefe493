"""Every assignment's analysis notebook runs in its release (nbclient, kernel python3).

For each assignment of this course that has a notebook (a ``[[files]]`` entry ending in
``.ipynb``, or ``assignments/<id>/<id>.ipynb``): the solution release executes top to
bottom with the release folder as working directory and ``MPLBACKEND=Agg``, so the
notebook imports the student's own modules and reads ``data/`` exactly as a student's
copy does; the stub release stops at its first stub with ``NotImplementedError: your
code here``, and hands out no written answer.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.release import release

ROOT = Path(__file__).resolve().parents[2]


def _notebook_name(asg) -> str | None:
    names = [name for name in asg.student_files if name.endswith(".ipynb")]
    if names:
        return names[0]
    return f"{asg.id}.ipynb" if (asg.path / f"{asg.id}.ipynb").is_file() else None


def _with_notebooks() -> list[str]:
    config = load_config(ROOT)
    ids = sorted(p.name for p in (ROOT / "assignments").iterdir() if (p / "assignment.toml").is_file())
    return [i for i in ids if _notebook_name(load_assignment(config, i))]


NOTEBOOKS = _with_notebooks()


def _execute(folder: Path, name: str):
    """Run ``folder/name`` top to bottom; return the notebook and the error (or None)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(folder / name, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        return nb, exc
    return nb, None


@pytest.fixture
def agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_the_new_assignments_have_notebooks():
    assert {"kernels-gp", "unsupervised"} <= set(NOTEBOOKS)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_solution_notebook_runs_top_to_bottom(assignment_id, tmp_path, agg):
    config = load_config(ROOT)
    name = _notebook_name(load_assignment(config, assignment_id))
    folder = Path(release(config=config, assignment_id=assignment_id, out=tmp_path / "solution", solution=True))
    nb, error = _execute(folder, name)
    assert error is None, f"{assignment_id}: {error.ename}: {error.evalue}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)  # every code cell ran
    figures = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert figures, "the notebook draws its plots"


@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_stub_notebook_stops_at_the_first_stub(assignment_id, tmp_path, agg):
    config = load_config(ROOT)
    asg = load_assignment(config, assignment_id)
    name = _notebook_name(asg)
    folder = Path(release(config=config, assignment_id=assignment_id, out=tmp_path / "stub"))
    nb, error = _execute(folder, name)
    assert error is not None, "the stub notebook ran to the end"
    assert (error.ename, error.evalue) == ("NotImplementedError", "your code here")
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = next(i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs))
    # it stopped there: the cells before it ran, none after it
    assert all(c.get("execution_count") for c in code[:failed])
    assert not any(c.get("execution_count") for c in code[failed + 1:])
    # written answers are the student's: the release holds the prompts, not the solutions
    assert "BEGIN SOLUTION" not in (folder / name).read_text()
    answers = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
    assert answers and all("YOUR ANSWER HERE" in c.source for c in answers)
    # each written answer is a rubric item of assignment.toml, graded by hand
    assert {c.metadata["nbgrader"]["grade_id"] for c in answers} == {item.id for item in asg.rubric}
