"""The neural-networks assignment graded end to end through the real engine.

Same bar as the other assignments (``test_assignments_grading.py``, whose helpers this
reuses): the solution release scores full marks, the stub release 0, three runs agree;
plausible student mistakes (the lecture's: softmax without max-subtraction, dropout not
rescaled or left on when measuring, Adam without bias correction, a gradient sign error,
...) each lose points on the check meant to catch them; the release is scoped (stubs only
for what is graded; the notebook is checked by test_notebooks.py); the solution scores
full marks on hidden seeds 0..9 and 256-bit seeds, and under bubblewrap and Docker.
"""
from __future__ import annotations

import ast
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.mistakes import load_mistakes
from course.release import release
from grader.engine import grade_submissions
from test_assignments_grading import ROOT, _check, _mutate, fixed_seed

ASSIGNMENT = "neural-networks"
ASG_DIR = ROOT / "assignments" / ASSIGNMENT

MISTAKES = load_mistakes(load_assignment(load_config(ROOT), ASSIGNMENT))

# hidden seeds the solution must score full marks on: 0..9 and random 256-bit integers
SEEDS = [*range(10), 2**256 - 1, 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95]

_CACHE: dict = {}


def _graded(tmp_root: Path) -> dict:
    """Grade solution x3, stub and every mistake (one call, two workers), cached."""
    if not _CACHE:
        config = load_config(ROOT)
        asg = load_assignment(config, ASSIGNMENT)
        spec = fixed_seed(asg.grading_spec())
        solution = Path(release(config=config, assignment_id=ASSIGNMENT, out=tmp_root / "solution", solution=True))
        stub = Path(release(config=config, assignment_id=ASSIGNMENT, out=tmp_root / "stub"))
        mutants = [_mutate(solution, tmp_root / m.name, m) for m in MISTAKES]
        subs = grade_submissions(spec, [solution, stub, solution, solution, *mutants],
                                 sandbox="none", workers=2)["submissions"]
        public = grade_submissions(asg.grading_spec(public=True), [solution, stub], sandbox="none", workers=2)
        _CACHE.update(solution=subs[0], stub=subs[1], repeats=subs[2:4],
                      mutants=dict(zip([m.name for m in MISTAKES], subs[4:])),
                      public=public["submissions"], release=stub, solution_dir=solution, spec=spec, asg=asg)
    return _CACHE


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    return _graded(tmp_path_factory.mktemp("neural-networks"))


def test_solution_scores_full_marks(graded):
    sol = graded["solution"]
    assert sol["status"] == "graded", sol["error"]
    assert [c["id"] for c in sol["checks"] if c["status"] != "passed"] == []
    assert sol["max_score"] >= 25 and sol["score"] == sol["max_score"]


def test_stub_scores_zero(graded):
    stub = graded["stub"]
    assert stub["status"] == "graded", stub["error"]
    assert stub["score"] == 0.0 and stub["max_score"] > 0
    assert all(c["status"] != "passed" for c in stub["checks"] if c["max_points"] > 0)


def test_three_runs_identical(graded):
    runs = [graded["solution"], *graded["repeats"]]
    summaries = [[(c["id"], c["status"], c["points"]) for c in r["checks"]] for r in runs]
    assert summaries[0] == summaries[1] == summaries[2]


def test_public_checks_help(graded):
    solution, stub = graded["public"]
    assert solution["status"] == "graded" and stub["status"] == "graded"
    assert solution["max_score"] >= 4 and solution["score"] == solution["max_score"]
    assert stub["score"] == 0.0


def test_declares_optional_gpu_and_rubric(graded):
    asg = graded["asg"]
    assert asg.gpu == "optional" and graded["spec"].gpu == "optional"
    assert {r.id for r in asg.rubric} == {"xor", "overfitting", "mc-dropout"}


def test_release_is_scoped_and_ships_data(graded):
    """Stubs exactly where a hidden check grades the code; leaky ReLU, tanh and the
    estimators' training loop come implemented; the data and README are there."""
    rel, asg = graded["release"], graded["asg"]
    readme = (rel / "README.md").read_text()
    assert asg.title in readme and "course check" in readme and "{{" not in readme
    nn = (rel / "neural_network.py").read_text()
    funcs = {}
    for node in ast.walk(ast.parse(nn)):
        if isinstance(node, ast.ClassDef):
            for f in node.body:
                if isinstance(f, ast.FunctionDef):
                    funcs[f"{node.name}.{f.name}"] = ast.get_source_segment(nn, f)
        elif isinstance(node, ast.FunctionDef) and node.col_offset == 0:
            funcs[node.name] = ast.get_source_segment(nn, node)
    stubbed = {name for name, src in funcs.items() if 'NotImplementedError("your code here")' in src}
    toml = tomllib.loads((ASG_DIR / "assignment.toml").read_text())
    assert stubbed == set(toml["files"][0]["stubs"])
    assert "np.where(z > 0, z, slope * z)" in funcs["leaky_relu"] and "np.tanh(z)" in funcs["tanh"]
    assert "for epoch in range(self.max_iter)" in funcs["_BaseMLP._fit"]
    assert "NotImplementedError" in (rel / "spectra.py").read_text()
    assert sorted(p.name for p in (rel / "data").glob("*.csv")) == ["spectra.csv", "wavelength.csv"]
    assert not (rel / "hidden").exists()


def test_every_check_bans_deep_learning_libraries():
    """Every point-bearing hidden check forbids torch and sklearn.neural_network in the
    submission: the network is written from scratch."""
    tree = ast.parse((ASG_DIR / "hidden" / "test_neural_networks_hidden.py").read_text())
    checks = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")]
    assert len(checks) >= 14
    for check in checks:
        if check.name == "test_api":
            continue
        assert "SCRATCH" in {d.id for d in check.decorator_list if isinstance(d, ast.Name)}, check.name


def test_at_least_eight_mistakes():
    assert len(MISTAKES) >= 8 and len({m.name for m in MISTAKES}) == len(MISTAKES)
    lecture = {"softmax_without_max_subtraction", "dropout_not_rescaled", "dropout_left_on_when_measuring_the_curves",
               "adam_without_bias_correction", "backward_gradient_sign_error"}
    assert lecture <= {m.name for m in MISTAKES}


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
    """Thresholds hold on seeds 0..9 and on 256-bit seeds (the course secret's size)."""
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
    """Solution full marks, stub 0 and identical repeated runs under bubblewrap and Docker."""
    solution, stub = graded["solution_dir"], graded["release"]
    subs = grade_submissions(graded["spec"], [solution, stub, solution], sandbox=safe_backend,
                             workers=2)["submissions"]
    assert all(r["status"] == "graded" for r in subs), [r["error"] for r in subs]
    assert subs[0]["score"] == subs[0]["max_score"] > 0
    assert subs[1]["score"] == 0.0
    assert [(c["id"], c["status"], c["points"]) for c in subs[0]["checks"]] == \
        [(c["id"], c["status"], c["points"]) for c in subs[2]["checks"]]
