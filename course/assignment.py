"""``assignments/<id>/assignment.toml``: one assignment's definition.

Layout of an assignment folder::

    assignments/<id>/
      assignment.toml     title, due, gpu, limits, [[files]]
      README.md.j2        student instructions (jinja2), and/or a notebook <id>.ipynb
      data.py             optional: ``release_data(seed) -> dict[str, DataFrame | ndarray]``
      tests/              public checks (go to students; run by ``course check``)
      hidden/             hidden checks (never leave the instructor's side)

``assignment.toml``::

    title = "Trees, forests and feature importance"
    due = 2026-12-15T23:59:00Z      # optional; course.toml [due] overrides
    gpu = "none"                     # none | optional | required
    gates = ["test_api"]             # optional: gating checks; one failing zeroes the score
    on_submit = "public"             # optional, course serve: none | public | hidden-score | hidden-full
    [limits]                         # optional, see grader.spec.Limits
    check_timeout = 30
    memory_mb = 2048
    [[files]]
    name = "trees.py"                # what the student submits
    reference = "reference/tree.py"  # stub generated from it by stripping solutions
    stubs = ["DecisionTreeRegressor"]  # optional: only these definitions' regions are stubs;
                                     # the other regions come implemented (taught earlier)
    omit = ["export_text"]           # optional: top-level definitions left out entirely
    [[rubric]]                       # optional: written answers, graded by hand (course manual)
    id = "q1"
    points = 2
    prompt = "Why does the forest overfit less than one deep tree?"

Final grade: ``clamp(checks + rubric - late penalty + adjustments, 0, max)`` where ``max`` is
the checks' points plus the rubric's.  ``max_bonus = N`` (default 0) lets adjustments take
a grade up to N points above that maximum (bonus points).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from course.config import CourseConfig, _as_datetime
from course.errors import CourseError
from course.secret import derive_seed, load_secret
from grader.spec import GPU_MODES, GradingSpec, Limits

#: Grading on submit through ``course serve``: nothing, the public checks (all shown), the
#: hidden checks with only the score shown, or the hidden checks with each check's result.
ON_SUBMIT = ("none", "public", "hidden-score", "hidden-full")

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class StudentFile:
    name: str
    reference: str | None = None  # path relative to the course root
    #: definitions whose solution regions become stubs (None: all); the others come implemented
    stubs: tuple[str, ...] | None = None
    #: top-level definitions left out of the student's file
    omit: tuple[str, ...] = ()


@dataclass(frozen=True)
class RubricItem:
    """A written answer graded by hand: ``[[rubric]] id, points, prompt``."""

    id: str
    points: float
    prompt: str = ""


@dataclass(frozen=True)
class Assignment:
    id: str
    path: Path
    title: str
    files: tuple[StudentFile, ...]
    gpu: str = "none"
    due: datetime | None = None
    limits: Limits = Limits()
    course: CourseConfig | None = None
    gates: tuple[str, ...] = ()
    rubric: tuple[RubricItem, ...] = ()
    max_bonus: float = 0.0
    #: What ``course serve`` runs after an upload (see :data:`ON_SUBMIT`).
    on_submit: str = "none"

    @property
    def student_files(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.files)

    @property
    def public_tests(self) -> Path:
        return self.path / "tests"

    @property
    def hidden_tests(self) -> Path:
        return self.path / "hidden"

    def hidden_seed(self) -> int:
        """The secret seed of this assignment's hidden data (trusted side only).

        A 256-bit integer derived from the course secret (:mod:`course.secret`); raises
        :class:`CourseError` saying how to create the secret when the course has none.
        """
        if self.course is None:
            raise CourseError(f"assignment {self.id!r} has no course, so no course secret for its hidden seed")
        return derive_seed(load_secret(self.course.root), self.id)

    def grading_spec(self, *, public: bool = False) -> GradingSpec:
        """The grader's view: hidden checks (or the public ones for ``course check``).

        Only the hidden checks need the course secret; the public ones get the public
        seed of the released data.
        """
        if public:
            seed = self.course.seed if self.course else 0
        else:
            seed = self.hidden_seed()
        return GradingSpec(
            assignment=self.id,
            tests_dir=self.public_tests if public else self.hidden_tests,
            student_files=self.student_files,
            limits=self.limits,
            gpu=self.gpu,
            seed=seed,
            gates=() if public else self.gates,
            public=public,
        )


def list_assignments(config: CourseConfig) -> list[Assignment]:
    """Every assignment of the course, sorted by id."""
    root = config.assignments_path
    if not root.is_dir():
        raise CourseError(f"assignments directory {root} does not exist")
    return [load_assignment(config, d.name) for d in sorted(root.iterdir()) if (d / "assignment.toml").is_file()]


def load_assignment(config: CourseConfig, assignment_id: str) -> Assignment:
    """Load ``assignments/<assignment_id>/assignment.toml`` with clear errors."""
    if not ID_RE.match(assignment_id or ""):
        raise CourseError(f"invalid assignment id {assignment_id!r}")
    path = config.assignments_path / assignment_id
    toml_path = path / "assignment.toml"
    if not toml_path.is_file():
        known = [d.name for d in sorted(config.assignments_path.glob("*")) if (d / "assignment.toml").is_file()]
        raise CourseError(f"unknown assignment {assignment_id!r}; known: {', '.join(known) or 'none'}")
    try:
        raw = tomllib.loads(toml_path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{toml_path}: invalid TOML: {exc}") from exc
    gpu = raw.get("gpu", "none")
    if gpu not in GPU_MODES:
        raise CourseError(f"{toml_path}: gpu must be one of {', '.join(GPU_MODES)}, got {gpu!r}")
    files = []
    for i, f in enumerate(raw.get("files", [])):
        name = f.get("name") if isinstance(f, dict) else None
        if not name or "/" in name or name.startswith("."):
            raise CourseError(f"{toml_path}: files[{i}].name must be a plain file name, got {name!r}")
        scope = {}
        for key in ("stubs", "omit"):
            value = f.get(key)
            if value is not None:
                if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                    raise CourseError(f"{toml_path}: files[{i}].{key} must be a list of names, got {value!r}")
                scope[key] = tuple(value)
        unknown = sorted(set(f) - {"name", "reference", "stubs", "omit"})
        if unknown:
            raise CourseError(f"{toml_path}: files[{i}]: unknown key(s) {', '.join(unknown)}; "
                              "known: name, reference, stubs, omit")
        files.append(StudentFile(name=name, reference=f.get("reference"), **scope))
    if not files:
        raise CourseError(f"{toml_path}: at least one [[files]] entry is required")
    allowed = {f.name for f in fields(Limits)}
    bad = sorted(set(raw.get("limits", {})) - allowed)
    if bad:
        raise CourseError(f"{toml_path}: unknown limit(s) {', '.join(bad)}; known: {', '.join(sorted(allowed))}")
    gates = raw.get("gates", [])
    if not isinstance(gates, list) or not all(isinstance(g, str) and g for g in gates):
        raise CourseError(f"{toml_path}: gates must be a list of check names, got {gates!r}")
    rubric = _rubric(raw.get("rubric", []), toml_path)
    max_bonus = raw.get("max_bonus", 0)
    if isinstance(max_bonus, bool) or not isinstance(max_bonus, (int, float)) or max_bonus < 0:
        raise CourseError(f"{toml_path}: max_bonus must be a number >= 0, got {max_bonus!r}")
    on_submit = raw.get("on_submit", "none")
    if on_submit not in ON_SUBMIT:
        raise CourseError(f"{toml_path}: on_submit must be one of {', '.join(ON_SUBMIT)}, got {on_submit!r}")
    due = config.due.get(assignment_id) or (
        _as_datetime(raw["due"], f"{toml_path}: due") if "due" in raw else None
    )
    return Assignment(
        id=assignment_id,
        path=path,
        title=raw.get("title", assignment_id),
        files=tuple(files),
        gpu=gpu,
        due=due,
        limits=Limits(**raw.get("limits", {})),
        course=config,
        gates=tuple(gates),
        rubric=rubric,
        max_bonus=float(max_bonus),
        on_submit=on_submit,
    )


def _rubric(raw, toml_path: Path) -> tuple[RubricItem, ...]:
    if not isinstance(raw, list):
        raise CourseError(f"{toml_path}: rubric must be a list of [[rubric]] tables")
    items, seen = [], set()
    for i, r in enumerate(raw):
        where = f"{toml_path}: rubric[{i}]"
        if not isinstance(r, dict):
            raise CourseError(f"{where}: expected a table with id, points, prompt")
        unknown = sorted(set(r) - {"id", "points", "prompt"})
        if unknown:
            raise CourseError(f"{where}: unknown key(s) {', '.join(unknown)}; known: id, points, prompt")
        rid, pts, prompt = r.get("id"), r.get("points"), r.get("prompt", "")
        if not isinstance(rid, str) or not ID_RE.match(rid):
            raise CourseError(f"{where}.id must be a short id (lowercase letters, digits, '_', '-'), got {rid!r}")
        if rid in seen:
            raise CourseError(f"{where}.id: duplicate rubric id {rid!r}")
        if isinstance(pts, bool) or not isinstance(pts, (int, float)) or not pts > 0:
            raise CourseError(f"{where}.points must be a number > 0, got {pts!r}")
        if not isinstance(prompt, str):
            raise CourseError(f"{where}.prompt must be text, got {prompt!r}")
        seen.add(rid)
        items.append(RubricItem(id=rid, points=float(pts), prompt=prompt))
    return tuple(items)
