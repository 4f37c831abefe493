"""End-to-end grading through the engine: reference/stub and SECURITY.md attacks.

Every attack submission lives in ``fixtures/attacks/<name>/``; a ``toy.py`` starting with
``# BASE: solution`` (or ``stub``) is appended to that file of the toy assignment, so an
attack only states what it changes.  Each backend grades the whole batch once (two
workers in parallel), and the tests below assert on its results.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.engine import grade_submission, grade_submissions
from grader.spec import GradingSpec, Limits

FIXTURES = Path(__file__).parent / "fixtures"
TOY = FIXTURES / "toy"
ATTACKS = FIXTURES / "attacks"
SEED = 20240611
LIMITS = Limits(check_timeout=8, total_timeout=120)
SPEC = GradingSpec("toy", TOY / "hidden", ("toy.py",), limits=LIMITS, seed=SEED)
CHECKS = [
    "test_toy.py::test_fit_recovers_coefficients",
    "test_toy.py::test_predict",
    "test_toy.py::test_standardize",
    "test_toy.py::test_mse",
    "test_toy.py::test_mse_rejects_mismatched_lengths",
]
BATCH = ["solution", "solution", "solution", "stub", "exit_at_import", "osexit_in_fit", "atexit_exit",
         "fake_results", "shadow_harness", "shadow_modules", "monkeypatch", "rigged", "hang", "zip_slip",
         "symlinked"]
_CACHE: dict[str, dict] = {}


def build(name: str, dest: Path) -> Path:
    """The submission called ``name`` under ``dest`` (a folder, or a zip for zip_slip)."""
    if name in ("solution", "stub"):
        return TOY / name
    dest.mkdir(parents=True, exist_ok=True)
    if name == "zip_slip":
        path = dest / "zip_slip.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.write(TOY / "solution" / "toy.py", "toy.py")
            zf.writestr("../../escaped_by_zip.py", "print('escaped')\n")
        return path
    if name == "symlinked":
        target = dest / "symlinked"
        target.mkdir()
        (target / "toy.py").symlink_to((TOY / "solution" / "toy.py").resolve())
        return target
    target = dest / name
    shutil.copytree(ATTACKS / name, target)
    attack = (target / "toy.py").read_text()
    first = attack.splitlines()[0]
    if first.startswith("# BASE: "):
        base = (TOY / first.split()[-1] / "toy.py").read_text()
        (target / "toy.py").write_text(base + "\n\n" + attack)
    return target


def by_check(result: dict) -> dict:
    return {c["id"]: c for c in result["checks"]}


def batch(backend, tmp_path_factory) -> dict[str, list[dict]]:
    name = backend if isinstance(backend, str) else backend.name
    if name not in _CACHE:
        root = tmp_path_factory.mktemp(f"attacks-{name}")
        paths = [build(n, root / f"{i}") for i, n in enumerate(BATCH)]
        doc = grade_submissions(SPEC, paths, sandbox=backend, workers=2)
        assert doc["assignment"] == "toy"
        results: dict[str, list[dict]] = {}
        for n, r in zip(BATCH, doc["submissions"]):
            results.setdefault(n, []).append(r)
        _CACHE[name] = {"results": results, "root": root}
    return _CACHE[name]


@pytest.fixture(params=["none", "bwrap", "docker"])
def backend(request, backend_for):
    """The unsafe 'none' backend, then each real sandbox (the safe_backend policy)."""
    return "none" if request.param == "none" else backend_for(request.param)


@pytest.fixture
def graded(backend, tmp_path_factory):
    return batch(backend, tmp_path_factory)["results"]


def one(graded, name) -> dict:
    (result,) = graded[name]
    assert result["status"] == "graded", result["error"]
    assert [c["id"] for c in result["checks"]] == CHECKS
    return result


# --------------------------------------------------------------------------- 24
def test_reference_full_marks_stub_zero_three_identical_runs(graded):
    runs = graded["solution"]
    assert len(runs) == 3
    for r in runs:
        assert r["status"] == "graded" and r["error"] is None
        assert r["score"] == r["max_score"] == 6.0
        assert all(c["status"] == "passed" for c in r["checks"])
    assert runs[0] == runs[1] == runs[2]
    stub = one(graded, "stub")
    assert stub["score"] == 0.0 and stub["max_score"] == 6.0
    assert all(c["status"] == "error" and "NotImplementedError" in c["message"] for c in stub["checks"])


def test_result_matches_the_json_contract(graded):
    r = graded["solution"][0]
    assert set(r) == {"path", "status", "score", "max_score", "error", "checks"}
    for c in r["checks"]:
        assert set(c) == {"id", "status", "points", "max_points", "message"}
        assert type(c["points"]) is float and type(c["max_points"]) is float
    json.dumps(r)


# --------------------------------------------------------------------------- 1
def test_exit_at_import_fails_every_check(graded):
    r = one(graded, "exit_at_import")
    assert r["score"] == 0.0
    assert all(c["status"] == "error" and "SystemExit" in c["message"] for c in r["checks"])


def test_os_exit_in_a_call_fails_only_that_check_and_grading_goes_on(graded):
    r = one(graded, "osexit_in_fit")
    checks = by_check(r)
    for cid in CHECKS[:2]:
        assert checks[cid]["status"] == "error"
        assert "exited with code 0" in checks[cid]["message"]
    assert [checks[c]["status"] for c in CHECKS[2:]] == ["passed"] * 3
    assert r["score"] == 3.0


def test_atexit_and_sys_exit_in_a_call(graded):
    r = one(graded, "atexit_exit")
    checks = by_check(r)
    assert checks[CHECKS[3]]["status"] == "error" and "SystemExit" in checks[CHECKS[3]]["message"]
    assert checks[CHECKS[4]]["status"] == "error"
    assert r["score"] == 4.0


# --------------------------------------------------------------------------- 2, 3, 4, 5
@pytest.mark.parametrize("name", ["fake_results", "shadow_harness", "monkeypatch", "rigged"])
def test_cheats_score_zero(graded, name):
    r = one(graded, name)
    assert r["score"] == 0.0, by_check(r)
    assert r["max_score"] == 6.0


def test_fake_results_leave_the_real_checks_intact(graded):
    r = one(graded, "fake_results")
    assert all(c["points"] == 0.0 for c in r["checks"])
    assert all("NotImplementedError" in c["message"] for c in r["checks"])


def test_shadowed_modules_do_not_affect_the_worker(graded):
    r = one(graded, "shadow_modules")
    assert r["score"] == 6.0, by_check(r)


def test_rigged_values_never_pass(graded):
    checks = by_check(one(graded, "rigged"))
    assert checks[CHECKS[0]]["status"] == "failed"
    assert "coef_ must be a numpy array" in checks[CHECKS[0]]["message"]  # grader.Fail shown verbatim
    assert checks[CHECKS[2]]["status"] == "error" and "dtype object" in checks[CHECKS[2]]["message"]
    assert checks[CHECKS[3]]["status"] in ("failed", "error")


# --------------------------------------------------------------------------- 8
def test_messages_never_show_source_or_expected_values(graded):
    for name in ("stub", "monkeypatch", "rigged", "hang", "osexit_in_fit"):
        for c in graded[name][0]["checks"]:
            msg, name = c["message"], c["id"].split("::")[1]
            assert msg == name if c["status"] == "passed" else msg.startswith(name + ":")
            for leak in ("assert", "allclose", "Second paragraph", "1e-2", "4.0 / 3.0", "1.333", str(SEED),
                         "hidden_seed", "HIDDEN-SENTINEL", "_data("):
                assert leak not in msg, (name, msg)


def test_failed_check_message_is_name_plus_docstring(graded):
    checks = by_check(one(graded, "monkeypatch"))
    assert checks[CHECKS[3]]["status"] == "failed"
    assert checks[CHECKS[3]]["message"] == "test_mse: mse must be the mean of the squared differences."
    assert checks[CHECKS[4]]["status"] == "failed"  # pytest.raises(ValueError) did not raise
    assert checks[CHECKS[4]]["message"].endswith("differ in length.")


# --------------------------------------------------------------------------- 11 (proxy timeouts)
def test_endless_loop_times_out_only_its_check(graded):
    r = one(graded, "hang")
    checks = by_check(r)
    assert checks[CHECKS[2]]["status"] == "timeout"
    assert "timed out after 8 s" in checks[CHECKS[2]]["message"]
    assert r["score"] == 5.0


# --------------------------------------------------------------------------- 19
def test_zip_slip_is_refused_and_nothing_escapes(graded, tmp_path_factory):
    (r,) = graded["zip_slip"]
    assert r["status"] == "graded" and r["score"] == 0.0 and r["max_score"] == 6.0
    assert r["error"].startswith("submission refused:") and "escapes" in r["error"]
    for d in (Path.cwd(), Path(r["path"]).parent, Path(r["path"]).parents[1], Path("/tmp")):
        assert not (d / "escaped_by_zip.py").exists()


def test_symlinked_file_is_not_followed(graded):
    r = one(graded, "symlinked")
    assert r["score"] == 0.0
    assert "ModuleNotFoundError" in r["checks"][0]["message"]


# --------------------------------------------------------------------------- 6
def test_missing_tests_dir_is_not_graded(tmp_path):
    spec = GradingSpec("toy", tmp_path / "no-such-dir", ("toy.py",), limits=LIMITS)
    r = grade_submission(spec, TOY / "solution", sandbox="none")
    assert r["status"] == "not_graded" and r["score"] == 0.0 and r["error"]


def test_broken_hidden_checks_are_not_graded(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_broken.py").write_text("def test_x(student:\n")
    spec = GradingSpec("toy", hidden, ("toy.py",), limits=LIMITS)
    r = grade_submission(spec, TOY / "solution", sandbox="none")
    assert r["status"] == "not_graded"
    assert "could not be collected" in r["error"]


@pytest.mark.parametrize("has_gpu, expected", [(False, "not_graded"), (True, "graded")])
def test_gpu_required_without_a_gpu_is_not_graded(monkeypatch, has_gpu, expected):
    """SECURITY 21 / issue 2: "required" never silently falls back to the CPU."""
    import dataclasses

    import grader.engine as engine

    monkeypatch.setattr(engine, "host_has_gpu", lambda: has_gpu)
    spec = dataclasses.replace(SPEC, gpu="required")
    r = grade_submission(spec, TOY / "solution", sandbox="none")
    assert r["status"] == expected
    if expected == "not_graded":
        assert "requires a GPU" in r["error"]
    else:
        assert r["score"] == r["max_score"] > 0


def test_unavailable_sandbox_is_not_graded(monkeypatch):
    import grader.sandbox as sandbox

    monkeypatch.setitem(sandbox.BACKENDS, "docker", ("grader.sandbox.no_such_module", "DockerBackend"))
    seen = []
    doc = grade_submissions(SPEC, [TOY / "solution", TOY / "stub"], sandbox="docker", progress=seen.append)
    assert [r["status"] for r in doc["submissions"]] == ["not_graded", "not_graded"]
    assert all("unavailable" in r["error"] for r in doc["submissions"])
    assert len(seen) == 2


def test_worker_that_cannot_start_is_not_graded(monkeypatch, tmp_path):
    """A backend whose start() fails is an infrastructure failure (not the student's)."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.fixture(autouse=True, scope='session')\n"
        "def _break(request):\n"
        "    state = request.config.pluginmanager.get_plugin('grader-state')\n"
        "    def boom(*a, **k):\n"
        "        raise OSError('no such image')\n"
        "    state.session.backend.start = boom\n"
    )
    shutil.copy(TOY / "hidden" / "test_toy.py", hidden / "test_toy.py")
    spec = GradingSpec("toy", hidden, ("toy.py",), limits=LIMITS)
    r = grade_submission(spec, TOY / "solution", sandbox="none")
    assert r["status"] == "not_graded"
    assert "could not start" in r["error"] and "no such image" in r["error"]


@pytest.mark.parametrize("safe_backend", ["docker"], indirect=True)
def test_docker_image_missing_is_not_graded(safe_backend):
    backend = safe_backend
    spec = GradingSpec("toy", TOY / "hidden", ("toy.py",), limits=LIMITS, image="course-kit-no-such-image:0")
    r = grade_submission(spec, TOY / "solution", sandbox=backend)
    assert r["status"] == "not_graded" and r["error"]


def test_progress_reports_every_submission_and_order_is_kept(tmp_path):
    seen = []
    doc = grade_submissions(SPEC, [TOY / "stub", TOY / "solution"], sandbox="none", workers=2, progress=seen.append)
    assert [r["score"] for r in doc["submissions"]] == [0.0, 6.0]
    assert sorted(r["path"] for r in seen) == sorted([str(TOY / "stub"), str(TOY / "solution")])


def test_notebook_submission_is_graded(tmp_path):
    source = (TOY / "solution" / "toy.py").read_text()
    nb = {"cells": [{"cell_type": "code", "source": "%matplotlib inline\n" + source, "metadata": {}, "outputs": [],
                     "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "homework.ipynb"
    path.write_text(json.dumps(nb))
    r = grade_submission(SPEC, path, sandbox="none")
    assert r["score"] == 6.0


def test_inprocess_baseline_grades_the_same(tmp_path):
    r = grade_submission(SPEC, TOY / "solution", sandbox="inprocess")
    assert r["score"] == 6.0
    stub = grade_submission(SPEC, TOY / "stub", sandbox="inprocess")
    assert stub["score"] == 0.0


# --------------------------------------------------------------------------- 7, 9, 10: real sandboxes
def test_secrets_are_invisible_in_the_sandbox(safe_backend, tmp_path, monkeypatch):
    """SECURITY 7 and 9; the unsafe 'none' backend is the positive control of the attack."""
    monkeypatch.setenv("CK_TEST_SECRET", "token-123")
    spy = build("spy", tmp_path / "s")
    doc = grade_submissions(SPEC, [spy], sandbox=safe_backend)
    safe = doc["submissions"][0]
    control = grade_submission(SPEC, spy, sandbox="none")
    assert by_check(control)[CHECKS[3]]["status"] == "passed", "the spy found nothing even without a sandbox"
    assert safe["status"] == "graded"
    assert by_check(safe)[CHECKS[3]]["status"] == "failed", by_check(safe)[CHECKS[2]]["message"]


def test_next_submission_sees_nothing_of_the_previous(safe_backend, tmp_path):
    """SECURITY 10; under 'none' the reader does see the writer's marks (control)."""
    marks = [Path(d) / "coursekit-attack10-mark" for d in ("/tmp", "/dev/shm", "/var/tmp", str(Path.home()))]
    writer, reader = build("writer", tmp_path / "w"), build("reader", tmp_path / "r")
    try:
        doc = grade_submissions(SPEC, [writer], sandbox=safe_backend)
        doc2 = grade_submissions(SPEC, [reader], sandbox=safe_backend)
        assert doc["submissions"][0]["score"] == 6.0
        assert by_check(doc2["submissions"][0])[CHECKS[3]]["status"] == "failed"
        control = grade_submissions(SPEC, [writer, reader], sandbox="none", workers=1)["submissions"]
        assert by_check(control[1])[CHECKS[3]]["status"] == "passed"
    finally:
        for m in marks:
            try:
                m.unlink()
            except OSError:
                pass
