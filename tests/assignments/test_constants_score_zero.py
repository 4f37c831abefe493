"""SECURITY item 31: the released stubs plus hard-coded constants score 0 on every assignment.

Every assignment under ``assignments/`` is released, each stub is turned into several
"stub + constants" submissions by the generic builder in ``course/constants.py`` (fixed numbers,
fixed arrays sized from the inputs, ``fit`` returning ``self`` with constant fitted
attributes), and all of them are graded through the real engine in bubblewrap with a
fresh random course secret.  Any point awarded means a point-bearing check can be passed
without work, i.e. its inputs or its answer do not depend on the hidden seed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from course.constants import VARIANTS, build_constants, constant_source, stubbed
from course.assignment import list_assignments, load_assignment
from course.config import load_config
from course.release import release
from grader.engine import grade_submissions
from test_assignments_grading import fixed_seed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ALL = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.toml"))


def test_every_assignment_is_covered():
    ids = [a.id for a in list_assignments(load_config(ROOT))]
    assert ids == ALL and len(ALL) >= 4


def test_builder_replaces_every_stub():
    """The builder leaves no NotImplementedError reachable through the public API."""
    import numpy as np

    source = (
        "import numpy as np\n"
        "def metric(a, b):\n    raise NotImplementedError\n    return float(x)\n"
        "def pair(a):\n    raise NotImplementedError\n    return (x, y)\n"
        "class Model:\n    def __init__(self, n_estimators=7):\n        self.n_estimators = n_estimators\n"
        "    def fit(self, X, y):\n        raise NotImplementedError\n"
        "    def predict(self, X):\n        raise NotImplementedError\n"
        "    def predict_proba(self, X):\n        raise NotImplementedError\n"
    )
    assert stubbed(source) == ({"metric": "float", "pair": ("ambiguous", "ambiguous")}, ["Model"])
    namespace: dict = {"__name__": "stubmod"}
    exec(compile(constant_source(source, VARIANTS[1]), "stubmod", "exec"), namespace)  # noqa: S102
    X = np.zeros((4, 3))
    model = namespace["Model"]().fit(X, np.zeros(4))
    assert model.train_score_.shape == (7,) and model.coef_.shape == (3,)
    assert np.array_equal(model.predict(X), np.ones(4))
    assert model.predict_proba(X).shape == (4, 2)
    assert namespace["metric"](X, X) == 1.0
    assert [np.shape(v) for v in namespace["pair"](X)] == [(4,), (4,)]


@pytest.mark.parametrize("assignment_id", ALL)
def test_stub_plus_constants_scores_zero(assignment_id, tmp_path, bwrap_backend):
    config = load_config(ROOT)
    asg = load_assignment(config, assignment_id)
    stub = Path(release(config=config, assignment_id=assignment_id, out=tmp_path / "stub"))
    paths = [build_constants(stub, tmp_path / v.name, v, asg.student_files) for v in VARIANTS]
    doc = grade_submissions(fixed_seed(asg.grading_spec()), paths, sandbox=bwrap_backend, workers=2)
    scored = {}
    for variant, result in zip(VARIANTS, doc["submissions"]):
        assert result["status"] == "graded", (variant.name, result["error"])
        assert result["max_score"] > 0
        passed = [c["id"] for c in result["checks"] if c["status"] == "passed" and c["points"] > 0]
        if result["score"] or passed:
            scored[variant.name] = (result["score"], passed)
    assert not scored, f"stub + constants scored points on {assignment_id}: {scored}"
