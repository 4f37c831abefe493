"""`course new`, `course add` and `course validate` on a course outside the repository."""
from __future__ import annotations

import json
import secrets
import tomllib

import pytest
from typer.testing import CliRunner

import cli
from course.authoring import kit_assignments
from course.constants import VARIANTS

runner = CliRunner()


def invoke(*args):
    return runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def course(tmp_path, monkeypatch):
    root = tmp_path / "astro101"
    root.mkdir()
    (root / "course.toml").write_text('[course]\nname = "Astro 101"\nseed = 3\n')
    (root / "assignments").mkdir()
    monkeypatch.setenv("COURSE_SECRET", secrets.token_hex(32))
    return root


def test_new_scaffold_validates(course):
    r = invoke("new", "k-means", "--title", "K means", "--course", course)
    assert r.exit_code == 0, r.output
    folder = course / "assignments" / "k-means"
    for rel in ("assignment.toml", "solution/k_means.py", "data.py", "README.md.j2",
                "tests/test_k_means_public.py", "hidden/test_k_means_hidden.py"):
        assert (folder / rel).is_file(), rel
    assert "### BEGIN SOLUTION" in (folder / "solution/k_means.py").read_text()
    r = invoke("validate", "k-means", "--sandbox", "none", "--seeds", "2", "--json", "-", "--course", course)
    report = json.loads(r.output)
    assert r.exit_code == 0 and report["ok"], report["problems"]
    assert report["solution_scores"] == [7.0, 7.0] and report["stub_score"] == 0.0
    assert report["constant_scores"] == [0.0] * len(VARIANTS)
    assert set(report["check_seconds"]) == {"test_standardise", "test_coefficients", "test_predict"}
    assert report["slowest"] in report["check_seconds"]
    assert invoke("new", "k-means", "--course", course).exit_code == 1  # never overwrites


def test_validate_reports_a_check_that_constants_pass(course):
    invoke("new", "weak", "--course", course)
    hidden = course / "assignments" / "weak" / "hidden" / "test_weak_hidden.py"
    hidden.write_text(hidden.read_text() + (
        "\n\n@pytest.mark.points(1)\ndef test_fixed_input(student):\n"
        '    """predict() of a fitted model returns one value per row."""\n'
        "    X = np.zeros((4, 2))\n"
        "    model = student.weak.LeastSquares()\n"
        "    try:\n        model.fit(X, np.zeros(4))\n    except Exception:\n        pass\n"
        "    assert np.asarray(model.predict(X)).shape == (4,)\n"))
    r = invoke("validate", "weak", "--sandbox", "none", "--seeds", "1", "--course", course)
    assert r.exit_code == 1
    assert "draw these checks' inputs from the hidden seed: test_fixed_input" in r.output
    assert "NOT valid" in r.output


def test_validate_reports_a_solution_that_fails(course):
    invoke("new", "broken", "--course", course)
    sol = course / "assignments" / "broken" / "solution" / "broken.py"
    sol.write_text(sol.read_text().replace("return self.intercept_ + X @ self.coef_", "return X @ self.coef_"))
    r = invoke("validate", "broken", "--sandbox", "none", "--seeds", "1", "--course", course)
    assert r.exit_code == 1
    assert "solution scores" in r.output and "test_predict" in r.output


def test_add_copies_a_kit_assignment_self_contained(course):
    assert {"trees", "classification", "ensembles", "linear-models"} <= set(kit_assignments())
    r = invoke("add", "trees", "--course", course)
    assert r.exit_code == 0, r.output
    raw = tomllib.loads((course / "assignments" / "trees" / "assignment.toml").read_text())
    for f in raw["files"]:  # a file without a reference (the notebook) lives in the assignment folder
        ref = f.get("reference", f"assignments/trees/{f['name']}")
        assert ref.startswith("assignments/trees/")
        assert (course / ref).is_file()
    assert not (course / "reference").exists()
    r = invoke("release", "trees", "--out", course / "release" / "trees", "--course", course)
    assert r.exit_code == 0, r.output
    assert "raise NotImplementedError" in (course / "release" / "trees" / "trees.py").read_text()
    bad = invoke("add", "no-such-thing", "--course", course)
    assert bad.exit_code == 1 and "choose one of" in bad.output
