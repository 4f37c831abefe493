"""The four first assignments graded end to end through the real engine (sandbox "none").

For each assignment, from ``course.release`` output:

- the solution release scores full marks, the stub release scores 0;
- three gradings of the solution give identical check-by-check results;
- plausible student mistakes (``assignments/<id>/mistakes.toml``: text mutations of the
  released solution) each lose points on the check meant to catch them (and the
  replacement is asserted to have applied, so a drifting reference fails loudly instead of
  silently testing nothing).

Everything for one assignment is graded in ONE ``grade_submissions`` call (two workers),
cached per module, so the hidden suites run once per submission.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.errors import CourseError
from course.mistakes import apply_mistake, load_mistakes
from course.config import load_config
from course.release import release
from grader.engine import grade_submissions

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ("linear-models", "classification", "trees", "ensembles")


MISTAKES = {a: load_mistakes(load_assignment(load_config(ROOT), a)) for a in ASSIGNMENTS}


def _mutate(solution: Path, dest: Path, mistake) -> Path:
    try:
        return apply_mistake(solution, dest, mistake)
    except CourseError as exc:  # a drifting reference fails loudly instead of testing nothing
        pytest.fail(str(exc))


def _check(result: dict, name: str) -> list[dict]:
    """The checks of ``result`` for test function ``name`` (all parametrisations)."""
    found = [c for c in result["checks"] if c["id"].split("::")[-1].split("[")[0] == name]
    assert found, f"no check named {name} in {[c['id'] for c in result['checks']]}"
    return found


#: The hidden seed these tests grade with (a test seed, not a course secret).  Fixed so
#: that a run is reproducible: with a seed drawn from a fresh secret per run, checks whose
#: margin is thin on rare seeds made the suite fail now and then (seen: classification,
#: deep-learning, trees, at about 1-4 % of seeds).  Robustness over many seeds is the job
#: of the seeds tests and of ``course validate --seeds N``.
GRADING_SEED = 0


def fixed_seed(spec):
    """``spec`` grading with :data:`GRADING_SEED`."""
    return replace(spec, seed=GRADING_SEED)


_CACHE: dict[str, dict] = {}


def graded(assignment_id: str, tmp_root: Path) -> dict:
    """Grade solution x3, stub and every mistake of one assignment (cached)."""
    if assignment_id not in _CACHE:
        config = load_config(ROOT)
        spec = fixed_seed(load_assignment(config, assignment_id).grading_spec())
        base = tmp_root / assignment_id
        solution = release(config=config, assignment_id=assignment_id, out=base / "solution", solution=True)
        stub = release(config=config, assignment_id=assignment_id, out=base / "stub")
        mutants = [_mutate(Path(solution), base / m.name, m) for m in MISTAKES[assignment_id]]
        paths = [Path(solution), Path(stub), Path(solution), Path(solution), *mutants]
        doc = grade_submissions(spec, paths, sandbox="none", workers=2)
        subs = doc["submissions"]
        public_spec = load_assignment(config, assignment_id).grading_spec(public=True)
        public = grade_submissions(public_spec, [Path(solution), Path(stub)], sandbox="none", workers=2)
        _CACHE[assignment_id] = {
            "solution": subs[0], "stub": subs[1], "repeats": subs[2:4],
            "mutants": dict(zip([m.name for m in MISTAKES[assignment_id]], subs[4:])),
            "public": public["submissions"], "release": Path(stub), "config": config,
        }
    return _CACHE[assignment_id]


def assert_release_teaches(rel: Path, asg) -> None:
    """The release's README names the title, `course check` and every student file (each a
    stub), and no template placeholder is left."""
    readme = (rel / "README.md").read_text()
    assert asg.title in readme and "course check" in readme and "{{" not in readme
    for name in asg.student_files:
        assert f"`{name}`" in readme
        assert "NotImplementedError" in (rel / name).read_text()


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("assignments")


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_solution_scores_full_marks(assignment_id, tmp_root):
    sol = graded(assignment_id, tmp_root)["solution"]
    assert sol["status"] == "graded", sol["error"]
    failing = [(c["id"], c["message"]) for c in sol["checks"] if c["status"] != "passed"]
    assert not failing
    assert sol["max_score"] >= 10 and sol["score"] == sol["max_score"]
    # `course assignments --json` announces the same maximum the grader awards
    from course.catalog import describe_assignments

    rows = {r["id"]: r for r in describe_assignments(config=load_config(ROOT))}
    assert rows[assignment_id]["max_points"] == sol["max_score"]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_stub_scores_zero(assignment_id, tmp_root):
    stub = graded(assignment_id, tmp_root)["stub"]
    assert stub["status"] == "graded", stub["error"]
    assert stub["score"] == 0.0 and stub["max_score"] > 0
    assert all(c["status"] != "passed" for c in stub["checks"])


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_three_runs_identical(assignment_id, tmp_root):
    res = graded(assignment_id, tmp_root)
    runs = [res["solution"], *res["repeats"]]
    summaries = [[(c["id"], c["status"], c["points"]) for c in r["checks"]] for r in runs]
    assert summaries[0] == summaries[1] == summaries[2]
    assert len({r["score"] for r in runs}) == 1


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_public_checks_help(assignment_id, tmp_root):
    """The public tests (``course check``) pass on the solution and fail on the stubs."""
    solution, stub = graded(assignment_id, tmp_root)["public"]
    assert solution["status"] == "graded" and stub["status"] == "graded"
    assert solution["max_score"] >= 4 and solution["score"] == solution["max_score"]
    assert stub["score"] == 0.0


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_release_teaches_and_ships_data(assignment_id, tmp_root):
    """The student release has a rendered README naming every student file, the public
    tests, training data, and stubs in place of the solution regions."""
    res = graded(assignment_id, tmp_root)
    rel = res["release"]
    asg = load_assignment(res["config"], assignment_id)
    assert_release_teaches(rel, asg)
    assert sorted(p.name for p in (rel / "tests").glob("test_*.py"))
    data = sorted((rel / "data").glob("*.csv"))
    assert data and all(p.stat().st_size > 1000 for p in data)
    assert not (rel / "hidden").exists()


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_at_least_five_mistakes_per_assignment(assignment_id):
    assert len(MISTAKES[assignment_id]) >= 5
    assert len({m.name for m in MISTAKES[assignment_id]}) == len(MISTAKES[assignment_id])


@pytest.mark.parametrize(
    "assignment_id, mistake",
    [(a, m) for a in ASSIGNMENTS for m in MISTAKES[a]],
    ids=[f"{a}-{m.name}" for a in ASSIGNMENTS for m in MISTAKES[a]],
)
def test_mistake_loses_points_on_its_check(assignment_id, mistake, tmp_root):
    res = graded(assignment_id, tmp_root)
    mutant = res["mutants"][mistake.name]
    assert mutant["status"] == "graded", mutant["error"]
    targeted = _check(mutant, mistake.check)
    lost = sum(c["max_points"] - c["points"] for c in targeted)
    assert lost > 0, f"{mistake.name} was not caught by {mistake.check}"
    assert mutant["score"] < res["solution"]["max_score"]
    # the student is told what to look at: the failing check's message is its docstring
    assert any(c["status"] != "passed" and mistake.check in c["message"] for c in targeted)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_solution_full_marks_in_a_real_sandbox(assignment_id, safe_backend, tmp_path):
    """The hidden checks work under the real sandboxes' limits (memory, read-only files,
    no network): the solution still scores full marks with bubblewrap and Docker."""
    config = load_config(ROOT)
    spec = fixed_seed(load_assignment(config, assignment_id).grading_spec())
    solution = release(config=config, assignment_id=assignment_id, out=tmp_path / "solution", solution=True)
    result = grade_submissions(spec, [Path(solution)], sandbox=safe_backend, workers=1)["submissions"][0]
    assert result["status"] == "graded", result["error"]
    assert result["score"] == result["max_score"] > 0, [c["id"] for c in result["checks"] if c["status"] != "passed"]
