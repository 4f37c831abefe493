"""Every assignment notebook (``assignments/<id>/<id>.ipynb``) runs as students get it.

- With the solution release it executes top to bottom (kernel ``python3``, working
  directory = the release folder, matplotlib's Agg backend), importing the student's own
  modules from the release folder.
- With the stub release it stops at the first stub with the stub's message ("your code
  here"), not with an unrelated error.
- Its written-answer cells (nbgrader ``grade_id``) match the ``[[rubric]]`` items of
  assignment.toml, and the notebook is a declared student file (so it is submitted).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.release import STUB_MESSAGE, release

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/*.ipynb") if p.stem == p.parent.name)


COUNT_FIGURES = "import matplotlib.pyplot as _plt\nprint('figures:', len(_plt.get_fignums()))"


def _execute(folder: Path, name: str):
    """Run ``folder/name`` in a fresh python3 kernel, plus a last cell that counts the open
    matplotlib figures; returns the executed notebook, or the CellExecutionError."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(folder / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(COUNT_FIGURES))
    env = {"MPLBACKEND": "Agg", "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits the environment
    try:
        NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
        return nb
    except CellExecutionError as exc:
        return exc
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_notebooks_found():
    assert {"linear-models", "classification", "trees", "ensembles", "kernels-gp", "unsupervised"} <= set(NOTEBOOKS)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_notebook_runs_with_solution_and_stops_at_first_stub(assignment_id, tmp_path):
    config = load_config(ROOT)
    name = f"{assignment_id}.ipynb"
    solution = Path(release(config=config, assignment_id=assignment_id, out=tmp_path / "solution", solution=True))
    done = _execute(solution, name)
    assert not isinstance(done, Exception), f"the solution notebook fails: {str(done)[-2000:]}"
    count = "".join(o.get("text", "") for o in done.cells[-1].get("outputs", []))
    assert count.startswith("figures:") and int(count.split()[-1]) >= 2, f"the notebook should draw its plots: {count!r}"

    stub = Path(release(config=config, assignment_id=assignment_id, out=tmp_path / "stub"))
    text = (stub / name).read_text()
    assert "### BEGIN SOLUTION" not in text and "YOUR ANSWER HERE" in text
    err = _execute(stub, name)
    assert isinstance(err, Exception), "the stub notebook should stop at the first stub"
    assert err.ename == "NotImplementedError" and STUB_MESSAGE in err.evalue, (err.ename, err.evalue)


@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_answer_cells_match_rubric_and_notebook_is_submitted(assignment_id):
    asg = load_assignment(load_config(ROOT), assignment_id)
    name = f"{assignment_id}.ipynb"
    assert name in asg.student_files
    cells = json.loads((ROOT / "assignments" / assignment_id / name).read_text())["cells"]
    answers = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
               for c in cells if c["cell_type"] == "markdown" and c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    assert answers == {r.id: r.points for r in asg.rubric}
