"""Every assignment notebook (``assignments/<id>/<id>.ipynb``) runs with its release.

With the solution release it executes top to bottom (nbclient, kernel ``python3``, the
working directory the release folder, matplotlib's inline backend, which renders with
Agg), and draws its plots; with the stub release it
stops at the first code cell that holds a stub, with the stub's message.  Its written
answers are graded by hand: every answer cell names a ``[[rubric]]`` item of
assignment.toml, and the notebook is a student file (submitted with the code).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.release import STUB_MESSAGE, release

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/*.ipynb") if p.stem == p.parent.name)


def _execute(folder: Path, name: str, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend (Agg-rendered PNGs)
    monkeypatch.setenv("PYTHONPATH", str(folder))  # the release's own modules, not the kit's
    nb = nbformat.read(folder / name, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=240, resources={"metadata": {"path": str(folder)}})
    return nb, client


def test_there_are_notebooks():
    assert {"trees", "ensembles"} <= set(NOTEBOOKS)


@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_notebook_is_submitted_and_its_answers_are_rubric_items(assignment_id):
    import nbformat

    asg = load_assignment(load_config(ROOT), assignment_id)
    name = f"{assignment_id}.ipynb"
    assert name in asg.student_files
    nb = nbformat.read(asg.path / name, as_version=4)
    rubric = {item.id for item in asg.rubric}
    named = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "BEGIN SOLUTION" in cell.source:
            named |= set(re.findall(r"\*\*Answer \(`([a-z0-9_]+)`\)\*\*", cell.source))
    assert rubric and named == rubric


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_notebook_runs_with_the_solution_and_stops_at_the_first_stub(assignment_id, tmp_path, monkeypatch):
    import nbformat
    from nbclient.exceptions import CellExecutionError

    config = load_config(ROOT)
    name = f"{assignment_id}.ipynb"
    solution = release(config=config, assignment_id=assignment_id, out=tmp_path / "solution", solution=True)
    stub = release(config=config, assignment_id=assignment_id, out=tmp_path / "stub")

    nb, client = _execute(solution, name, monkeypatch)
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in nb.cells if c.cell_type == "code" for o in c.outputs), "no plot was drawn"
    assert "BEGIN SOLUTION" not in nbformat.writes(nb)

    nb, client = _execute(stub, name, monkeypatch)
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert info.value.ename == "NotImplementedError" and STUB_MESSAGE in info.value.evalue
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = next(i for i, c in enumerate(code) if any(o.output_type == "error" for o in c.outputs))
    first_stub = next(i for i, c in enumerate(code) if "YOUR CODE HERE" in c.source)
    assert failed == first_stub
    assert all(c.execution_count for c in code[:failed])  # everything before it ran
