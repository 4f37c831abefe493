"""The "unsupervised" assignment graded end to end through the real engine.

Reuses the helpers of ``test_assignments_grading``: the solution release scores full
marks, the stub 0, the public checks pass on the solution, fail on the stub and catch at
least half of the plausible mistakes (text mutations of the released solution, each
asserted to apply), and each mistake loses points on the hidden check meant to catch it.
All of that is ONE hidden and ONE public grading batch, cached for the module.  The
solution also scores full marks on hidden seeds 0..29 and on random 256-bit seeds, and
under the real sandboxes (bubblewrap, Docker), where three runs must be identical.  The
hidden suite's seconds per submission are measured by ``benchmarks/hidden_suite_time.py``
(no timed test).
"""
from __future__ import annotations

import re

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.release import release
from grader.engine import grade_submissions
from course.mistakes import load_mistakes
from test_assignments_grading import ROOT, _check, _mutate, assert_release_teaches, fixed_seed

ASSIGNMENT = "unsupervised"

MISTAKES = load_mistakes(load_assignment(load_config(ROOT), "unsupervised"))

_CACHE: dict = {}


def graded(tmp_root: Path) -> dict:
    """Grade the solution, the stub and every mistake once with the hidden checks and once
    with the public checks (sandbox "none", two workers), cached for the module."""
    if not _CACHE:
        config = load_config(ROOT)
        asg = load_assignment(config, ASSIGNMENT)
        base = tmp_root / ASSIGNMENT
        solution = Path(release(config=config, assignment_id=ASSIGNMENT, out=base / "solution", solution=True))
        stub = Path(release(config=config, assignment_id=ASSIGNMENT, out=base / "stub"))
        mutants = [_mutate(solution, base / m.name, m) for m in MISTAKES]
        subs = grade_submissions(fixed_seed(asg.grading_spec()), [solution, stub, *mutants],
                                 sandbox="none", workers=2)["submissions"]
        public = grade_submissions(asg.grading_spec(public=True), [solution, stub, *mutants],
                                   sandbox="none", workers=2)["submissions"]
        names = [m.name for m in MISTAKES]
        _CACHE.update(solution=subs[0], stub=subs[1], public=public[:2],
                      mutants=dict(zip(names, subs[2:])), public_mutants=dict(zip(names, public[2:])),
                      release=stub, solution_dir=solution, config=config, asg=asg)
    return _CACHE


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("unsupervised")


@pytest.mark.slow
def test_solution_scores_full_marks_within_time(tmp_root):
    sol = graded(tmp_root)["solution"]
    assert sol["status"] == "graded", sol["error"]
    assert not [(c["id"], c["message"]) for c in sol["checks"] if c["status"] != "passed"]
    assert sol["max_score"] >= 30 and sol["score"] == sol["max_score"]
    from course.catalog import describe_assignments

    rows = {r["id"]: r for r in describe_assignments(config=load_config(ROOT))}
    assert rows[ASSIGNMENT]["max_points"] == sol["max_score"]


@pytest.mark.slow
def test_stub_scores_zero(tmp_root):
    stub = graded(tmp_root)["stub"]
    assert stub["status"] == "graded", stub["error"]
    assert stub["score"] == 0.0 and stub["max_score"] > 0
    # only the 0-point gate (test_api: the stub defines every name) may pass
    assert all(c["status"] != "passed" for c in stub["checks"] if c["max_points"] > 0)
    assert sum(c["max_points"] for c in stub["checks"]) == stub["max_score"]


@pytest.mark.slow
def test_public_checks_help(tmp_root):
    solution, stub = graded(tmp_root)["public"]
    assert solution["status"] == "graded" and stub["status"] == "graded"
    assert solution["max_score"] >= 4 and solution["score"] == solution["max_score"]
    assert stub["score"] == 0.0


@pytest.mark.slow
def test_public_checks_catch_half_the_mistakes(tmp_root):
    """``course check`` alone finds at least half of the plausible mistakes."""
    public = graded(tmp_root)["public_mutants"]
    assert all(r["status"] == "graded" for r in public.values())
    caught = sorted(name for name, r in public.items() if r["score"] < r["max_score"])
    assert len(caught) >= len(MISTAKES) / 2, caught


@pytest.mark.slow
def test_release_teaches_and_ships_data(tmp_root):
    res = graded(tmp_root)
    rel, asg = res["release"], res["asg"]
    assert_release_teaches(rel, asg)
    # scoped release: LLE's weights and the E-step come implemented, what is graded is stubbed
    embeddings, colours = (rel / "embeddings.py").read_text(), (rel / "colours.py").read_text()
    for text, given in ((embeddings, "def barycenter_weights"), (colours, "def e_step")):
        body = re.split(r"\n(?:def|class) ", text.split(given, 1)[1], maxsplit=1)[0]  # up to the next definition
        assert "NotImplementedError" not in body and "return" in body
    assert "NotImplementedError" in colours.split("def m_step", 1)[1].split("\nclass ", 1)[0]
    assert sorted(p.name for p in (rel / "data").glob("*.csv")) == ["galaxy_colours.csv", "spectra.csv"]
    assert not (rel / "hidden").exists()


def test_at_least_eight_distinct_mistakes():
    assert len(MISTAKES) >= 8 and len({m.name for m in MISTAKES}) == len(MISTAKES)


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_loses_points_on_its_check(mistake, tmp_root):
    res = graded(tmp_root)
    mutant = res["mutants"][mistake.name]
    assert mutant["status"] == "graded", mutant["error"]
    targeted = _check(mutant, mistake.check)
    assert sum(c["max_points"] - c["points"] for c in targeted) > 0, f"{mistake.name} not caught by {mistake.check}"
    assert any(c["status"] != "passed" and mistake.check in c["message"] for c in targeted)


@pytest.mark.slow
def test_solution_full_marks_on_seeds_0_to_29_and_256_bit_seeds(tmp_root):
    """Every threshold holds on hidden seeds 0..29 and on two 256-bit seeds (fixed: a run is reproducible)."""
    res = graded(tmp_root)
    spec = res["asg"].grading_spec()
    seeds = [*range(30), 2**256 - 1, 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95]

    def one(seed):
        doc = grade_submissions(replace(spec, seed=seed), [res["solution_dir"]], sandbox="none", workers=1)
        return seed, doc["submissions"][0]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, seeds))
    bad = {seed: [c["id"].rsplit("::", 1)[-1] for c in r["checks"] if c["status"] != "passed"] or r["error"]
           for seed, r in results if r["status"] != "graded" or r["score"] != r["max_score"]}
    assert not bad


@pytest.mark.slow
def test_solution_full_marks_in_a_real_sandbox(safe_backend, tmp_root):
    """Solution full marks, stub 0 and three identical runs under bubblewrap and Docker."""
    res = graded(tmp_root)
    solution, stub = res["solution_dir"], res["release"]
    subs = grade_submissions(fixed_seed(res["asg"].grading_spec()), [solution, stub, solution, solution],
                             sandbox=safe_backend, workers=2)["submissions"]
    assert all(r["status"] == "graded" for r in subs), [r["error"] for r in subs]
    assert subs[0]["score"] == subs[0]["max_score"] > 0, [c["id"] for c in subs[0]["checks"] if c["status"] != "passed"]
    assert subs[1]["score"] == 0.0
    runs = [[(c["id"], c["status"], c["points"]) for c in r["checks"]] for r in (subs[0], subs[2], subs[3])]
    assert runs[0] == runs[1] == runs[2]
