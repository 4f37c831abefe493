"""The public check API (grader.checks): needs, import bans, hidden_rng, submission, gates.

A small assignment is written per test session; submissions are graded through the real
engine on the ``none`` backend (the API lives on the trusted side; the sandboxes are
covered by test_engine.py) and once on bubblewrap for the run-time import ban.
"""
from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from grader.checks import Submission, banned_imports, rng_for
from grader.engine import failed_gates, grade_submission
from grader.plugin import order_by_needs
from grader.spec import GradingSpec, Limits

CHECKS = textwrap.dedent('''
    import numpy as np
    import pytest
    from grader import Fail


    def test_api(student):
        """mean() exists."""
        assert callable(student.mod.mean)


    @pytest.mark.needs("test_mean")
    def test_mean_of_rows(student, hidden_rng):
        """mean() works along rows too."""
        X = hidden_rng.normal(size=(5, 3))
        assert np.allclose(student.mod.mean(X), X.mean(axis=0))


    def test_mean(student, hidden_rng):
        """mean() is the average of a vector."""
        x = hidden_rng.normal(size=10)
        assert np.isclose(student.mod.mean(x), x.mean())


    @pytest.mark.forbid_imports("statistics")
    def test_mean_from_scratch(student, hidden_rng):
        """mean() is written from scratch (no statistics module)."""
        x = hidden_rng.normal(size=4)
        assert np.isclose(student.mod.mean(x), x.mean())


    def test_source_has_docstring(submission):
        """mod.py starts with a docstring."""
        if not submission.source("mod.py").lstrip().startswith('"""'):
            raise Fail("start mod.py with a module docstring")


    def test_rng_differs_per_check(hidden_rng, hidden_seed):
        """(infrastructure) each check gets its own stream"""
        other = np.random.default_rng(np.random.SeedSequence([hidden_seed, 0]))
        assert hidden_rng.normal() != other.normal()
''')

GOOD = '"""Means."""\nimport numpy as np\n\n\ndef mean(x):\n    return np.asarray(x).mean(axis=0)\n'
WRONG = '"""Means."""\n\ndef mean(x):\n    return 0.0\n'
BANNED_STATIC = '"""Means."""\nimport statistics\nimport numpy as np\n\n\ndef mean(x):\n    return np.asarray(x).mean(axis=0)\n'
BANNED_RUNTIME = ('"""Means."""\nimport numpy as np\n\n\ndef mean(x):\n'
                  '    __builtins__["__import__"]("stat" + "istics")\n    return np.asarray(x).mean(axis=0)\n')
NO_DOC = 'import numpy as np\n\n\ndef mean(x):\n    return np.asarray(x).mean(axis=0)\n'


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> GradingSpec:
    hidden = tmp_path_factory.mktemp("api") / "hidden"
    hidden.mkdir()
    (hidden / "test_api.py").write_text(CHECKS)
    return GradingSpec("api", hidden, ("mod.py",), limits=Limits(check_timeout=20, total_timeout=120),
                       seed=2**200 + 12345, gates=("test_api",))


def grade(spec, tmp_path, source: str, sandbox="none") -> dict:
    sub = tmp_path / "sub"
    sub.mkdir(exist_ok=True)
    (sub / "mod.py").write_text(source)
    result = grade_submission(spec, sub, sandbox=sandbox)
    assert result["status"] == "graded", result["error"]
    return {c["id"].rsplit("::", 1)[-1]: c for c in result["checks"]} | {"_": result}


def test_good_submission_passes_everything_with_a_256_bit_seed(spec, tmp_path):
    r = grade(spec, tmp_path, GOOD)
    assert r["_"]["score"] == r["_"]["max_score"] == 6.0
    assert r["_"]["error"] is None
    assert all(" -- " not in c["message"] for k, c in r.items() if k != "_")  # no failure detail


def test_prerequisites_run_first_and_dependents_are_not_run(spec, tmp_path):
    r = grade(spec, tmp_path, WRONG)
    ids = [c["id"].rsplit("::", 1)[-1] for c in r["_"]["checks"]]
    assert ids.index("test_mean") < ids.index("test_mean_of_rows")
    assert r["test_mean"]["status"] == "failed"
    dependent = r["test_mean_of_rows"]
    assert dependent["status"] == "failed" and dependent["points"] == 0.0
    assert dependent["message"].endswith("-- not run: needs test_mean")


def test_static_import_ban(spec, tmp_path):
    r = grade(spec, tmp_path, BANNED_STATIC)
    assert r["test_mean_from_scratch"]["status"] == "failed"
    assert "do not use statistics" in r["test_mean_from_scratch"]["message"]
    assert r["test_mean"]["status"] == "passed"


def test_runtime_import_ban(spec, tmp_path):
    r = grade(spec, tmp_path, BANNED_RUNTIME)
    assert "statistics" not in Submission(tmp_path / "sub").imports()  # hidden from a static scan
    assert r["test_mean_from_scratch"]["status"] == "failed"
    assert "do not use statistics" in r["test_mean_from_scratch"]["message"]


@pytest.mark.bwrap
def test_runtime_import_ban_in_bubblewrap(spec, tmp_path, request):
    from tests.conftest import backend_or_skip

    backend = backend_or_skip("bwrap")
    r = grade(spec, tmp_path, BANNED_RUNTIME, sandbox=backend)
    assert r["test_mean_from_scratch"]["status"] == "failed"
    assert r["test_mean"]["status"] == "passed"


def test_submission_source_check(spec, tmp_path):
    r = grade(spec, tmp_path, NO_DOC)
    assert r["test_source_has_docstring"]["status"] == "failed"
    assert r["test_source_has_docstring"]["message"].endswith("-- start mod.py with a module docstring")


def test_gate_zeroes_the_assignment(spec, tmp_path):
    r = grade(spec, tmp_path, '"""Means."""\n')  # no mean(): the gate test_api fails
    assert r["test_api"]["status"] != "passed"
    assert r["test_source_has_docstring"]["status"] == "passed"  # still reported ...
    assert r["_"]["score"] == 0.0  # ... but the gate zeroes the score
    assert "gating check test_api did not pass" in r["_"]["error"]


def test_without_gates_the_same_submission_keeps_its_points(spec, tmp_path):
    r = grade(replace(spec, gates=()), tmp_path, '"""Means."""\n')
    assert r["_"]["score"] == r["test_source_has_docstring"]["points"] + r["test_rng_differs_per_check"]["points"]
    assert r["_"]["score"] > 0


def test_a_gate_naming_no_check_fails_closed():
    checks = [{"id": "hidden/t.py::test_a", "status": "passed"}, {"id": "hidden/t.py::test_b[1]", "status": "passed"},
              {"id": "hidden/t.py::test_b[2]", "status": "failed"}]
    assert failed_gates(checks, ["test_a"]) == []
    assert failed_gates(checks, ["test_b"]) == ["test_b"]
    assert failed_gates(checks, ["test_b[1]"]) == []
    assert failed_gates(checks, ["test_renamed"]) == ["test_renamed"]


def test_rng_for_keeps_every_bit_of_the_seed():
    a, b = rng_for(2**200, "test_x"), rng_for(2**200 + 2**150, "test_x")
    assert a.integers(2**62) != b.integers(2**62)
    assert rng_for(7, "test_x").integers(2**62) == rng_for(7, "test_x").integers(2**62)
    assert rng_for(7, "test_x").integers(2**62) != rng_for(7, "test_y").integers(2**62)


def test_static_imports_cover_import_forms(tmp_path):
    (tmp_path / "a.py").write_text(
        "import sklearn.cluster as c\nfrom sklearn.cluster import KMeans\nfrom . import x\n"
        "import importlib\nm = importlib.import_module('scipy.cluster.vq')\nn = __import__('os')\n"
    )
    names = Submission(tmp_path).imports()
    assert {"sklearn.cluster", "sklearn.cluster.KMeans", "scipy.cluster.vq", "os", "importlib"} <= names
    assert banned_imports(names, ["sklearn.cluster"]) == ["sklearn.cluster", "sklearn.cluster.KMeans"]
    assert banned_imports(names, ["sklearn.clus"]) == []
    (tmp_path / "b.py").write_text("def broken(:\n")
    assert "os" in Submission(tmp_path).imports()  # an unparsable file adds nothing and breaks nothing


class _Item:
    def __init__(self, name, needs=()):
        self.name = self.originalname = name
        self._needs = needs

    def iter_markers(self, kind):
        class M:
            args = self._needs
        return [M()] if kind == "needs" and self._needs else []


def test_order_by_needs_is_stable_and_survives_cycles():
    a, b, c = _Item("a", ("c",)), _Item("b"), _Item("c")
    assert [i.name for i in order_by_needs([a, b, c])] == ["c", "a", "b"]
    x, y = _Item("x", ("y",)), _Item("y", ("x",))
    assert sorted(i.name for i in order_by_needs([x, y])) == ["x", "y"]
    assert [i.name for i in order_by_needs([b, c])] == ["b", "c"]


def test_timings_are_reported_only_when_asked(spec, tmp_path):
    from grader.engine import grade_submissions

    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "mod.py").write_text(GOOD)
    plain = grade_submissions(spec, [sub], sandbox="none")["submissions"][0]
    timed = grade_submissions(spec, [sub], sandbox="none", timings=True)["submissions"][0]
    assert all("seconds" not in c for c in plain["checks"])
    assert all(type(c["seconds"]) is float and 0 <= c["seconds"] < 20 for c in timed["checks"])


def test_errors_in_student_code_name_the_file_line_and_code(spec, tmp_path):
    source = GOOD.replace("return np.asarray(x).mean(axis=0)", "y = np.asarray(x)\n    return X_tr.mean(axis=0)")
    r = grade(spec, tmp_path, source)
    message = r["test_mean"]["message"]
    assert "NameError: name 'X_tr' is not defined" in message
    assert message.endswith("(at mod.py, line 7, in mean: return X_tr.mean(axis=0))"), message


def test_where_in_student_code_takes_the_innermost_frame():
    from grader.plugin import where_in_student_code

    trace = ('  File "a.py", line 3, in f\n    g()\n  File "b.py", line 9, in g\n    1 / 0')
    assert where_in_student_code(trace) == " (at b.py, line 9, in g: 1 / 0)"
    assert where_in_student_code("") == ""
