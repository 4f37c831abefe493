"""The generative assignment (torch) graded end to end through the real engine.

Same bar as the other assignments: the solution release scores full marks, the stub
release 0, three runs agree; the plausible mistakes of ``mistakes.toml`` each lose points
on the check meant to catch them; full marks on hidden seeds 0..9 and 256-bit seeds; and
under bubblewrap and Docker (the notebook runs in ``test_notebooks.py``, as every
assignment's does).  Training the networks costs seconds per check, so the mistake
corpus, the seeds and the real sandboxes are ``slow`` (they still run in CI).
"""
from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from course.assignment import load_assignment
from course.config import load_config
from course.mistakes import load_mistakes
from course.release import release
from grader.engine import grade_submissions
from test_assignments_grading import ROOT, _check, _mutate, fixed_seed

ASSIGNMENT = "generative"
MISTAKES = load_mistakes(load_assignment(load_config(ROOT), ASSIGNMENT))
SEEDS = [*range(10), 2**256 - 1, 0x6A09E667F3BCC908B2FB1366EA957D3E3ADEC17512775099DA2F590B0667322A]

_CACHE: dict = {}


def _graded(tmp_root: Path) -> dict:
    """Solution x3 and stub (hidden checks), solution and stub (public checks), cached."""
    if not _CACHE:
        config = load_config(ROOT)
        asg = load_assignment(config, ASSIGNMENT)
        spec = fixed_seed(asg.grading_spec())
        solution = Path(release(config=config, assignment_id=ASSIGNMENT, out=tmp_root / "solution", solution=True))
        stub = Path(release(config=config, assignment_id=ASSIGNMENT, out=tmp_root / "stub"))
        subs = grade_submissions(spec, [solution, stub, solution, solution], sandbox="none", workers=2)["submissions"]
        public = grade_submissions(asg.grading_spec(public=True), [solution, stub], sandbox="none", workers=2)
        _CACHE.update(solution=subs[0], stub=subs[1], repeats=subs[2:4], public=public["submissions"],
                      release=stub, solution_dir=solution, spec=spec, asg=asg, tmp_root=tmp_root)
    return _CACHE


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    return _graded(tmp_path_factory.mktemp("generative"))


def test_solution_scores_full_marks(graded):
    sol = graded["solution"]
    assert sol["status"] == "graded", sol["error"]
    assert [c["id"] for c in sol["checks"] if c["status"] != "passed"] == []
    assert sol["max_score"] >= 25 and sol["score"] == sol["max_score"]


def test_stub_scores_zero(graded):
    stub = graded["stub"]
    assert stub["status"] == "graded", stub["error"]
    assert stub["score"] == 0.0 and stub["max_score"] > 0
    # only the 0-point API gate may pass: the given helpers exist in the stub
    assert [c["id"].split("::")[-1] for c in stub["checks"] if c["status"] == "passed"] == ["test_api"]


def test_three_runs_identical(graded):
    runs = [graded["solution"], *graded["repeats"]]
    summaries = [[(c["id"], c["status"], c["points"]) for c in r["checks"]] for r in runs]
    assert summaries[0] == summaries[1] == summaries[2]


def test_public_checks_help(graded):
    solution, stub = graded["public"]
    assert solution["status"] == "graded" and stub["status"] == "graded"
    assert solution["max_score"] >= 4 and solution["score"] == solution["max_score"]
    assert stub["score"] == 0.0


def test_scoped_release(graded):
    """The student writes the U-net, PSNR, the coupling layers and the flow, the NT-Xent
    loss, the three training loops and the evaluation functions; the helpers come
    implemented; the data and README ship; no hidden check does."""
    rel, asg = graded["release"], graded["asg"]
    assert asg.gpu == "optional"
    source = (rel / "generative.py").read_text()
    tree = ast.parse(source)
    stubbed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s) for s in node.body):
            stubbed.add(node.name)
    assert stubbed == {"__init__", "forward", "inverse", "log_prob", "train_denoiser", "denoise", "psnr",
                       "train_flow", "nt_xent_loss", "train_contrastive", "encode"}
    for given in ("def augment_views", "def flow_log_prob", "def flow_inverse", "def gaussian_log_likelihood",
                  "def contrastive_loss", "def initial_encoder", "class Encoder"):
        assert given in source, given
    readme = (rel / "README.md").read_text()
    assert asg.title in readme and "course check" in readme and "{{" not in readme and "`generative.py`" in readme
    assert sorted(p.name for p in (rel / "data").glob("*.npz")) == [
        "aligned_labelled.npz", "any_angle_test.npz", "clean_stamps.npz", "colour_magnitude.npz", "unlabelled.npz"]
    assert not (rel / "hidden").exists()
    assert [r.id for r in asg.rubric] == ["q_denoising", "q_flow", "q_contrastive"]
    notebook = (rel / f"{ASSIGNMENT}.ipynb").read_text()
    assert "NotImplementedError" in notebook and "BEGIN SOLUTION" not in notebook


def test_every_check_draws_hidden_data():
    """Every point-bearing check takes ``hidden_rng`` (SECURITY item 31)."""
    tree = ast.parse((ROOT / "assignments" / ASSIGNMENT / "hidden" / "test_generative_hidden.py").read_text())
    checks = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")]
    assert len(checks) >= 12
    for check in checks:
        if check.name != "test_api":
            assert "hidden_rng" in [a.arg for a in check.args.args], check.name


def test_at_least_eight_mistakes():
    assert len(MISTAKES) >= 8 and len({m.name for m in MISTAKES}) == len(MISTAKES)
    # the ones the issue and the lectures name
    assert {"denoiser_trained_clean_to_clean", "flow_log_det_sign_error", "flow_log_det_omitted",
            "nt_xent_temperature_ignored", "noise_added_at_test_time"} <= {m.name for m in MISTAKES}


@pytest.fixture(scope="module")
def mutants(graded) -> dict:
    tmp_root = graded["tmp_root"]
    paths = [_mutate(graded["solution_dir"], tmp_root / "mistakes" / m.name, m) for m in MISTAKES]
    subs = grade_submissions(graded["spec"], paths, sandbox="none", workers=2)["submissions"]
    return dict(zip([m.name for m in MISTAKES], subs))


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_loses_points_on_its_check(mistake, mutants, graded):
    mutant = mutants[mistake.name]
    assert mutant["status"] == "graded", mutant["error"]
    targeted = _check(mutant, mistake.check)
    assert sum(c["max_points"] - c["points"] for c in targeted) > 0, f"{mistake.name} not caught by {mistake.check}"
    assert mutant["score"] < graded["solution"]["max_score"]


@pytest.mark.slow
def test_solution_full_marks_on_many_hidden_seeds(graded):
    """Thresholds hold on hidden seeds 0..9 and on 256-bit seeds (the course secret's size)."""
    from concurrent.futures import ThreadPoolExecutor

    def grade(seed):
        spec = replace(graded["spec"], seed=seed)
        return grade_submissions(spec, [graded["solution_dir"]], sandbox="none", workers=1)["submissions"][0]

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
    runs = [[(c["id"], c["status"], c["points"]) for c in s["checks"]] for s in (subs[0], subs[2], subs[3])]
    assert runs[0] == runs[1] == runs[2]
