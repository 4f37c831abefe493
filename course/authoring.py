"""A lecturer's own course: ``course init``, ``course new`` and ``course add``.

- :func:`init_course`: a new course folder: a commented ``course.toml``, the course secret
  (``.course-secret``, 0600, never committed), a ``.gitignore``, ``assignments/`` and one
  small example assignment that passes ``course validate``.
- :func:`new_assignment`: the scaffold of a new assignment (assignment.toml, a solution
  file with solution markers, public and hidden checks, data.py, a README template).
- :func:`add_kit_assignment`: copies one of the kit's own assignments into the course,
  with the reference files it needs, so the course is self-contained.  Only the data
  generators stay an import from the kit: ``reference.datasets`` is a stable, documented
  API (docs/authoring.md).
"""
from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

from course.assignment import ID_RE
from course.config import CONFIG_NAME, CourseConfig, builtin_course_root
from course.errors import CourseError

EXAMPLE_ID = "example"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")

COURSE_TOML = '''\
# {name}: course configuration (see `course --help` and docs/authoring.md).
# The hidden-data secret is NOT here: it lives in .course-secret (mode 0600, listed in
# .gitignore), or in the environment variable COURSE_SECRET.  Never commit it.

[course]
name = "{name}"
seed = {seed}               # seed of the released training data (public)
assignments = "assignments" # one folder per assignment
exchange = "exchange"       # local exchange folder (one shared machine); see the README
# gradebook = "postgresql+psycopg://user@host/course"   # default: gradebook.sqlite here
sandbox = "auto"            # auto | docker | bwrap | none (none: unsafe, development only)
workers = 2                 # submissions graded in parallel

[late]
per_day = 0.10              # fraction of the score lost per started day late
max_fraction = 1.0          # never more than this
# cutoff_days = 7           # later than this: submit refuses and the grade is 0

[due]                       # deadlines, UTC; one line per assignment
# example = 2027-01-15T23:59:00Z

# [extensions.example]      # extra days per student
# ada = 2
'''

GITIGNORE = """\
# secrets and per-run state of the course (never commit these)
.course-secret
gradebook.sqlite*
exchange/
submissions/
release/
feedback/
export/
.grading-*.lock
__pycache__/
"""


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)


def init_course(directory: Path, *, name: str | None = None, example: bool = True) -> Path:
    """Create a course in ``directory`` (absent or empty).

    Returns the course root.  The secret is created with
    :func:`course.secret.create_secret` and never printed.
    """
    import secrets

    from course.secret import create_secret

    root = Path(directory).absolute()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise CourseError(f"{root} exists and is not an empty folder; give a new or empty folder")
    name = name or root.name.replace("-", " ").replace("_", " ").strip() or "My course"
    if '"' in name or "\\" in name or "\n" in name:
        raise CourseError("the course name may not contain quotes, backslashes or newlines")
    try:
        root.mkdir(parents=True, exist_ok=True)
        _write_new(root / CONFIG_NAME, COURSE_TOML.format(name=name, seed=secrets.randbelow(10**8)))
        _write_new(root / ".gitignore", GITIGNORE)
        (root / "assignments").mkdir()
    except OSError as exc:
        raise CourseError(f"cannot create the course in {root}: {exc.strerror or exc}") from exc
    create_secret(root)
    if example:
        shutil.copytree(Path(__file__).resolve().parent / "example_assignment", root / "assignments" / EXAMPLE_ID,
                        ignore=_IGNORE)
    return root


def _module_name(assignment_id: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", assignment_id).strip("_") or "work"


def new_assignment(*, config: CourseConfig, assignment_id: str, title: str | None = None) -> Path:
    """Write the scaffold of assignment ``assignment_id``; return its folder."""
    if not ID_RE.match(assignment_id or ""):
        raise CourseError(f"invalid assignment id {assignment_id!r}: lower-case letters, digits, '-' and '_'")
    dest = config.assignments_path / assignment_id
    if dest.exists():
        raise CourseError(f"{dest} already exists")
    module = _module_name(assignment_id)
    title = title or assignment_id.replace("-", " ").replace("_", " ").capitalize()
    if '"' in title or "\n" in title:
        raise CourseError("the title may not contain quotes or newlines")
    values = {"id": assignment_id, "module": module, "title": title}
    try:
        for rel, text in _SCAFFOLD.items():
            _write_new(dest / rel.format(**values), text.replace("{{id}}", assignment_id)
                       .replace("{{module}}", module).replace("{{title}}", title))
    except OSError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise CourseError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    return dest


def kit_assignments() -> list[str]:
    """Ids of the assignments this kit ships (``course add`` takes any of them)."""
    root = builtin_course_root() / "assignments"
    return sorted(d.name for d in root.iterdir() if (d / "assignment.toml").is_file()) if root.is_dir() else []


def add_kit_assignment(*, config: CourseConfig, assignment_id: str) -> Path:
    """Copy the kit's assignment ``assignment_id`` into the course, self-contained.

    Reference files outside the assignment folder (e.g. ``reference/tree.py``) are copied
    to ``assignments/<id>/solution/<student file>`` and ``assignment.toml`` points there.
    """
    known = kit_assignments()
    if assignment_id not in known:
        raise CourseError(f"the kit has no assignment {assignment_id!r}; choose one of {', '.join(known)}")
    kit = builtin_course_root()
    src = kit / "assignments" / assignment_id
    dest = config.assignments_path / assignment_id
    if dest.exists():
        raise CourseError(f"{dest} already exists")
    raw = tomllib.loads((src / "assignment.toml").read_text())
    toml_text = (src / "assignment.toml").read_text()
    try:
        shutil.copytree(src, dest, ignore=_IGNORE)
        prefix = f"assignments/{assignment_id}/"
        for f in raw.get("files", []):
            ref = f.get("reference")
            if not ref or ref.startswith(prefix):
                continue
            local = f"{prefix}solution/{f['name']}"
            target = config.root / local
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(kit / ref, target)
            toml_text = toml_text.replace(f'reference = "{ref}"', f'reference = "{local}"')
        (dest / "assignment.toml").write_text(toml_text)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


_SCAFFOLD: dict[str, str] = {
    "assignment.toml": '''\
# {{title}}: one assignment (docs/authoring.md explains every key).
title = "{{title}}"
gpu = "none"                  # none | optional | required
# gates = ["test_api"]        # gating checks: if one fails, the assignment scores 0

[limits]                      # per submission; see grader.spec.Limits
check_timeout = 20            # seconds per check
memory_mb = 1024

[[files]]                     # what students write and submit
name = "{{module}}.py"
reference = "assignments/{{id}}/solution/{{module}}.py"   # stub = this minus solution regions
''',
    "solution/{module}.py": '''\
"""{{title}}.

Students receive this file with every solution region replaced by
``raise NotImplementedError("your code here")``.
"""
import numpy as np


def standardise(x):
    """Scale ``x`` to zero mean and unit standard deviation (per column)."""
    x = np.asarray(x, dtype=float)
    ### BEGIN SOLUTION
    return (x - x.mean(axis=0)) / x.std(axis=0)
    ### END SOLUTION


class LeastSquares:
    """Linear regression with an intercept, by the normal equations."""

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        ### BEGIN SOLUTION
        A = np.column_stack([np.ones(len(X)), X])
        coef = np.linalg.lstsq(A, y, rcond=None)[0]
        self.intercept_, self.coef_ = coef[0], coef[1:]
        ### END SOLUTION
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        ### BEGIN SOLUTION
        return self.intercept_ + X @ self.coef_
        ### END SOLUTION
''',
    "data.py": '''\
"""Training data released to students (``course release`` writes it to ``data/``).

``release_data(seed)`` returns a dict of DataFrames or arrays; the seed is the course's
public seed.  Hidden checks draw their own data from the secret (``hidden_rng``).
"""
import numpy as np
import pandas as pd


def release_data(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 2))
    y = 1.5 + X @ np.array([2.0, -0.5]) + 0.1 * rng.normal(size=200)
    return {"train": pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "y": y})}
''',
    "tests/test_{module}_public.py": '''\
"""Public checks: students run these with `course check` (or plain `pytest`)."""
import numpy as np
import pytest


@pytest.mark.points(1)
def test_standardise_small_example(student):
    """standardise() gives zero mean and unit standard deviation."""
    z = np.asarray(student.{{module}}.standardise(np.array([[1.0], [2.0], [3.0]])))
    assert np.allclose(z.mean(axis=0), 0) and np.allclose(z.std(axis=0), 1)


@pytest.mark.points(1)
def test_fit_a_line(student):
    """LeastSquares recovers y = 1 + 2 x exactly."""
    x = np.array([[0.0], [1.0], [2.0]])
    model = student.{{module}}.LeastSquares().fit(x, 1 + 2 * x[:, 0])
    assert np.allclose(model.predict(np.array([[3.0]])), [7.0])
''',
    "hidden/test_{module}_hidden.py": '''\
"""Hidden checks: they never leave the instructor's side.

Every point-bearing check draws its inputs from ``hidden_rng`` (the course secret), so
no constant answer can pass.  Messages are the docstrings: write them for students.
"""
import numpy as np
import pytest


@pytest.mark.points(2)
def test_standardise(student, hidden_rng):
    """standardise() works column by column on data it has never seen."""
    x = hidden_rng.normal(loc=3.0, scale=2.0, size=(50, 3))
    z = np.asarray(student.{{module}}.standardise(x))
    assert z.shape == x.shape
    assert np.allclose(z, (x - x.mean(axis=0)) / x.std(axis=0))


@pytest.mark.points(3)
def test_coefficients(student, hidden_rng):
    """LeastSquares.fit finds the intercept and slopes of noise-free data."""
    X = hidden_rng.normal(size=(40, 3))
    w, b = hidden_rng.normal(size=3), hidden_rng.normal()
    model = student.{{module}}.LeastSquares().fit(X, b + X @ w)
    assert np.allclose(model.coef_, w) and np.isclose(model.intercept_, b)


@pytest.mark.points(2)
@pytest.mark.needs("test_coefficients")
def test_predict(student, hidden_rng):
    """LeastSquares.predict generalises to new data (R^2 above 0.9 on a noisy problem)."""
    X = hidden_rng.normal(size=(300, 2))
    y = 1.0 + X @ np.array([2.0, -1.0]) + 0.3 * hidden_rng.normal(size=300)
    model = student.{{module}}.LeastSquares().fit(X[:200], y[:200])
    pred = np.asarray(model.predict(X[200:]), dtype=float)
    r2 = 1 - np.sum((y[200:] - pred) ** 2) / np.sum((y[200:] - y[200:].mean()) ** 2)
    assert pred.shape == (100,) and r2 > 0.9
''',
    "README.md.j2": '''\
# {{ assignment.title }}

{{ course.name }}, assignment `{{ assignment.id }}`{% if assignment.due %}, due {{ assignment.due.strftime("%Y-%m-%d %H:%M UTC") }}{% endif %}.

Complete `{{module}}.py`:

1. `standardise(x)`: zero mean and unit standard deviation, column by column.
2. `LeastSquares`: `fit(X, y)` stores `intercept_` and `coef_`; `predict(X)`.

Training data: {% for f in data_files %}`data/{{ f }}`{% if not loop.last %}, {% endif %}{% endfor %}.

Run `course check` for the public tests, then `course submit --student YOUR_ID`.
''',
}
