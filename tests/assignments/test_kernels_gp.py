"""The kernels-gp assignment graded end to end through the real engine.

Same bar as the first four assignments (``test_assignments_grading.py``, whose helpers
this reuses): the solution release scores full marks, the stub release 0; plausible
student mistakes, written as text mutations of the released solution, each lose points on
the check meant to catch them, and the public checks catch at least half of them (ONE
hidden and ONE public grading batch, cached); the solution scores full marks on hidden
seeds 0..29 and on random 256-bit seeds; and under bubblewrap and Docker, where three
runs must agree.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.release import release
from grader.engine import grade_submissions

from course.mistakes import load_mistakes
from test_assignments_grading import ROOT, _check, _mutate, assert_release_teaches, fixed_seed

ASSIGNMENT = "kernels-gp"

MISTAKES = load_mistakes(load_assignment(load_config(ROOT), "kernels-gp"))

# hidden seeds the solution must score full marks on: 0..29 and random 256-bit integers
SEEDS = [*range(30), 2**256 - 1, 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95]

_CACHE: dict = {}


def _graded(tmp_root: Path) -> dict:
    """Grade the solution, the stub and every mistake once with the hidden checks and once
    with the public checks (two calls, two workers), cached."""
    if not _CACHE:
        config = load_config(ROOT)
        asg = load_assignment(config, ASSIGNMENT)
        spec = fixed_seed(asg.grading_spec())
        solution = Path(release(config=config, assignment_id=ASSIGNMENT, out=tmp_root / "solution", solution=True))
        stub = Path(release(config=config, assignment_id=ASSIGNMENT, out=tmp_root / "stub"))
        mutants = [_mutate(solution, tmp_root / m.name, m) for m in MISTAKES]
        subs = grade_submissions(spec, [solution, stub, *mutants], sandbox="none", workers=2)["submissions"]
        public = grade_submissions(asg.grading_spec(public=True), [solution, stub, *mutants],
                                   sandbox="none", workers=2)["submissions"]
        names = [m.name for m in MISTAKES]
        _CACHE.update(solution=subs[0], stub=subs[1], mutants=dict(zip(names, subs[2:])),
                      public=public[:2], public_mutants=dict(zip(names, public[2:])),
                      release=stub, solution_dir=solution, spec=spec, asg=asg)
    return _CACHE


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    return _graded(tmp_path_factory.mktemp("kernels-gp"))


def test_solution_scores_full_marks(graded):
    sol = graded["solution"]
    assert sol["status"] == "graded", sol["error"]
    assert [c["id"] for c in sol["checks"] if c["status"] != "passed"] == []
    assert sol["max_score"] >= 30 and sol["score"] == sol["max_score"]
    from course.catalog import describe_assignments

    rows = {r["id"]: r for r in describe_assignments(config=load_config(ROOT))}
    assert rows[ASSIGNMENT]["max_points"] == sol["max_score"]


def test_stub_scores_zero(graded):
    stub = graded["stub"]
    assert stub["status"] == "graded", stub["error"]
    assert stub["score"] == 0.0 and stub["max_score"] > 0
    assert all(c["status"] != "passed" for c in stub["checks"])


def test_public_checks_help(graded):
    solution, stub = graded["public"]
    assert solution["status"] == "graded" and stub["status"] == "graded"
    assert solution["max_score"] >= 4 and solution["score"] == solution["max_score"]
    assert stub["score"] == 0.0


def test_public_checks_catch_half_the_mistakes(graded):
    """``course check`` alone finds at least half of the plausible mistakes."""
    public = graded["public_mutants"]
    assert all(r["status"] == "graded" for r in public.values())
    caught = sorted(name for name, r in public.items() if r["score"] < r["max_score"])
    assert len(caught) >= len(MISTAKES) / 2, caught


def test_release_teaches_and_ships_data(graded):
    rel, asg = graded["release"], graded["asg"]
    assert_release_teaches(rel, asg)
    assert sorted(p.name for p in (rel / "data").glob("*.csv")) == [
        "feedback_lowres_runs.csv", "feedback_runs.csv", "star_galaxy.csv"]
    assert not (rel / "hidden").exists()


def test_every_check_bans_sklearn_estimators():
    """Every hidden check carries the import ban of the issue (sklearn.svm,
    sklearn.gaussian_process, sklearn.kernel_ridge): the from-scratch parts must not
    call scikit-learn's implementations."""
    import ast

    tree = ast.parse((ROOT / "assignments" / ASSIGNMENT / "hidden" / "test_kernels_gp_hidden.py").read_text())
    checks = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")]
    assert len(checks) >= 15
    for check in checks:
        bans = {d.id for d in check.decorator_list if isinstance(d, ast.Name)}
        assert bans & {"SVM_SCRATCH", "SMOOTHER_SCRATCH", "GP_SCRATCH"}, check.name


def test_at_least_eight_mistakes():
    assert len(MISTAKES) >= 8 and len({m.name for m in MISTAKES}) == len(MISTAKES)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_loses_points_on_its_check(mistake, graded):
    mutant = graded["mutants"][mistake.name]
    assert mutant["status"] == "graded", mutant["error"]
    targeted = _check(mutant, mistake.check)
    assert sum(c["max_points"] - c["points"] for c in targeted) > 0, f"{mistake.name} not caught by {mistake.check}"
    assert mutant["score"] < graded["solution"]["max_score"]
    assert any(c["status"] != "passed" and mistake.check in c["message"] for c in targeted)


@pytest.mark.slow
def test_solution_full_marks_on_many_hidden_seeds(graded, tmp_path):
    """Tolerances hold on seeds 0..29 and on 256-bit seeds (the course secret's size)."""
    from concurrent.futures import ThreadPoolExecutor

    solution = graded["solution_dir"]

    def grade(seed):  # one grading call per seed: each spec carries its own seed
        spec = replace(graded["spec"], seed=seed)
        return grade_submissions(spec, [solution], sandbox="none", workers=1)["submissions"][0]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(grade, SEEDS))
    failing = {seed: [c["id"].split("::")[-1] for c in r["checks"] if c["status"] != "passed"]
               for seed, r in zip(SEEDS, results) if r["score"] != r["max_score"]}
    assert failing == {}


@pytest.mark.slow
def test_solution_full_marks_in_a_real_sandbox(safe_backend, graded):
    """Solution full marks, stub 0 and three identical runs under bubblewrap and Docker."""
    solution, stub = graded["solution_dir"], graded["release"]
    subs = grade_submissions(graded["spec"], [solution, stub, solution, solution], sandbox=safe_backend,
                             workers=2)["submissions"]
    assert all(r["status"] == "graded" for r in subs), [r["error"] for r in subs]
    assert subs[0]["score"] == subs[0]["max_score"] > 0
    assert subs[1]["score"] == 0.0
    runs = [[(c["id"], c["status"], c["points"]) for c in r["checks"]] for r in (subs[0], subs[2], subs[3])]
    assert runs[0] == runs[1] == runs[2]
