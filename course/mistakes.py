"""The plausible-mistake corpus of an assignment (``assignments/<id>/mistakes.toml``).

Each entry is a mistake a student could make, written as a text change of the released
solution, and the hidden check that must catch it::

    [[mistake]]
    name = "depth_off_by_one"
    file = "trees.py"
    old = "depth >= self._max_depth"
    new = "depth > self._max_depth"
    check = "test_max_depth_semantics"

``course validate --mistakes`` grades every mistake with the hidden checks (each must lose
points on its ``check``) and with the public checks (the *public catch rate*: how many a
student could find alone with ``course check``).
"""
from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from course.assignment import Assignment, load_assignment
from course.config import CourseConfig
from course.errors import CourseError

MISTAKES_FILE = "mistakes.toml"


@dataclass(frozen=True)
class Mistake:
    """Replace ``old`` by ``new`` (exactly one occurrence) in ``file``; ``check`` must lose points."""

    name: str
    file: str
    old: str
    new: str
    check: str


def load_mistakes(asg: Assignment) -> list[Mistake]:
    """The assignment's corpus (empty when it has no mistakes.toml)."""
    path = asg.path / MISTAKES_FILE
    if not path.is_file():
        return []
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: invalid TOML: {exc}") from exc
    out, names = [], set()
    for i, m in enumerate(raw.get("mistake", [])):
        fields = ("name", "file", "old", "new", "check")
        if not isinstance(m, dict) or any(not isinstance(m.get(k), str) or not m.get(k) for k in fields):
            raise CourseError(f"{path}: mistake[{i}] needs the text fields {', '.join(fields)}")
        if m["name"] in names:
            raise CourseError(f"{path}: duplicate mistake name {m['name']!r}")
        names.add(m["name"])
        out.append(Mistake(**{k: m[k] for k in fields}))
    return out


def apply_mistake(solution: Path, dest: Path, mistake: Mistake) -> Path:
    """A copy of the solution release ``solution`` in ``dest`` with ``mistake`` made."""
    shutil.copytree(solution, dest)
    target = dest / mistake.file
    text = target.read_text() if target.is_file() else ""
    count = text.count(mistake.old)
    if count != 1:
        raise CourseError(f"mistake {mistake.name}: expected exactly one {mistake.old!r} in {mistake.file}, "
                          f"found {count} (the solution changed: update {MISTAKES_FILE})")
    target.write_text(text.replace(mistake.old, mistake.new))
    return dest


def check_named(result: dict, name: str) -> list[dict]:
    """The checks of ``result`` for test function ``name`` (all parametrisations)."""
    return [c for c in result["checks"] if c["id"].split("::")[-1].split("[")[0] == name]


def mistake_report(*, config: CourseConfig, assignment_id: str, sandbox: str | None = None,
                   workers: int | None = None) -> dict:
    """Grade every mistake with the hidden and the public checks.

    Returns ``{"mistakes": [{"name", "check", "hidden_caught", "lost", "public_caught",
    "public_failing"}], "hidden_rate", "public_rate"}``.
    """
    from course.grading import _options
    from course.release import release
    from grader.engine import grade_submissions

    asg = load_assignment(config, assignment_id)
    corpus = load_mistakes(asg)
    if not corpus:
        raise CourseError(f"assignment {asg.id!r} has no {MISTAKES_FILE}")
    sandbox, workers = _options(config, sandbox, workers)
    work = Path(tempfile.mkdtemp(prefix=f"ck-mistakes-{asg.id}-"))
    try:
        solution = release(config=config, assignment_id=asg.id, out=work / "solution", solution=True)
        paths = [apply_mistake(solution, work / m.name, m) for m in corpus]
        hidden = grade_submissions(asg.grading_spec(), paths, sandbox=sandbox, workers=workers)["submissions"]
        public = grade_submissions(asg.grading_spec(public=True), paths, sandbox=sandbox,
                                   workers=workers)["submissions"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for m, h, p in zip(corpus, hidden, public):
        targeted = check_named(h, m.check)
        lost = sum(c["max_points"] - c["points"] for c in targeted)
        failing = [c["id"].rsplit("::", 1)[-1] for c in p["checks"] if c["status"] != "passed"]
        rows.append({"name": m.name, "check": m.check, "hidden_caught": bool(targeted) and lost > 0,
                     "lost": lost, "public_caught": bool(failing), "public_failing": failing})
    n = len(rows)
    return {"assignment": asg.id, "mistakes": rows,
            "hidden_rate": round(sum(r["hidden_caught"] for r in rows) / n, 4),
            "public_rate": round(sum(r["public_caught"] for r in rows) / n, 4)}
