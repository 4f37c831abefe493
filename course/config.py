"""``course.toml``: the configuration at the root of a course."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from course.errors import CourseError
from grader.spec import SANDBOXES

CONFIG_NAME = "course.toml"


def builtin_course_root() -> Path:
    """This repository: the course the kit ships with (embedded defaults)."""
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class LatePolicy:
    """Late penalty: ``per_day`` fraction of the score lost per started day late,
    never more than ``max_fraction``; after ``cutoff_days`` a submission scores 0."""

    per_day: float = 0.10
    max_fraction: float = 1.0
    cutoff_days: float | None = None


@dataclass(frozen=True)
class CourseConfig:
    root: Path
    name: str = "Machine learning for astronomy"
    seed: int = 20261121
    assignments_dir: Path = Path("assignments")
    exchange: Path = Path("exchange")
    gradebook_url: str = ""
    sandbox: str = "auto"
    workers: int = 2
    late: LatePolicy = field(default_factory=LatePolicy)
    due: dict[str, datetime] = field(default_factory=dict)
    extensions: dict[str, dict[str, float]] = field(default_factory=dict)
    cluster: str = ""  # [grading] cluster: a Dask scheduler address; "" grades on this machine

    @property
    def assignments_path(self) -> Path:
        return self.root / self.assignments_dir

    @property
    def exchange_path(self) -> Path:
        return self.root / self.exchange

    @property
    def gradebook(self) -> str:
        return self.gradebook_url or f"sqlite:///{self.root / 'gradebook.sqlite'}"


def find_course_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` holding ``course.toml``."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG_NAME).is_file():
            return d
    raise CourseError(
        f"no {CONFIG_NAME} found in {here} or any parent; run inside a course or pass --course DIR"
    )


def _as_datetime(value, where: str) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError as exc:
            raise CourseError(f"{where}: not an ISO date-time: {value!r}") from exc
    else:
        raise CourseError(f"{where}: expected a date-time, got {value!r}")
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


#: ``[course]`` keys and the types they take.
COURSE_KEYS: dict[str, tuple[type, ...]] = {
    "name": (str,), "seed": (int,), "assignments": (str,), "exchange": (str,),
    "gradebook": (str,), "sandbox": (str,), "workers": (int,),
}
#: ``[grading]`` keys and their types.
GRADING_KEYS: dict[str, tuple[type, ...]] = {"cluster": (str,)}
#: ``[late]`` keys and their types.
LATE_KEYS: dict[str, tuple[type, ...]] = {"per_day": (int, float), "max_fraction": (int, float),
                                          "cutoff_days": (int, float)}


def _type_name(types: tuple[type, ...]) -> str:
    return "a number" if float in types else {int: "an integer", str: "a string"}[types[0]]


def validate_raw(raw: dict, *, assignments_root: Path) -> list[str]:
    """Every problem in a parsed course.toml: unknown keys, bad types, entries for unknown
    assignments (``[due]``, ``[extensions]``; checked when the assignments folder exists)."""
    problems: list[str] = []

    def typed(section: str, table, spec: dict[str, tuple[type, ...]]) -> None:
        if not isinstance(table, dict):
            problems.append(f"[{section}] must be a table")
            return
        for key, value in table.items():
            if key not in spec:
                problems.append(f"unknown key {section}.{key} (known: {', '.join(spec)})")
            elif isinstance(value, bool) or not isinstance(value, spec[key]):
                problems.append(f"{section}.{key} must be {_type_name(spec[key])}, got {value!r}")

    typed("course", raw.get("course", {}), COURSE_KEYS)
    typed("late", raw.get("late", {}), LATE_KEYS)
    typed("grading", raw.get("grading", {}), GRADING_KEYS)
    cluster = raw.get("grading", {}).get("cluster") if isinstance(raw.get("grading"), dict) else None
    if isinstance(cluster, str) and cluster:
        from grader.cluster import valid_address

        problem = valid_address(cluster)
        if problem:
            problems.append(f"grading.cluster: {problem}")
    known = None
    if assignments_root.is_dir():
        known = sorted(d.name for d in assignments_root.iterdir() if (d / "assignment.toml").is_file())

    def assignment_key(section: str, aid: str) -> None:
        if known is not None and aid not in known:
            problems.append(f"{section}.{aid}: no assignment {aid!r} (known: {', '.join(known) or 'none'})")

    due = raw.get("due", {})
    if not isinstance(due, dict):
        problems.append("[due] must be a table of assignment = date-time")
    else:
        for aid, value in due.items():
            assignment_key("due", aid)
            if not isinstance(value, (str, datetime)):
                problems.append(f"due.{aid} must be a date-time, got {value!r}")
    ext = raw.get("extensions", {})
    if not isinstance(ext, dict):
        problems.append("[extensions] must hold [extensions.<assignment>] tables")
    else:
        for aid, table in ext.items():
            assignment_key("extensions", aid)
            if not isinstance(table, dict):
                problems.append(f"extensions.{aid} must be a table of student = days")
                continue
            for sid, days in table.items():
                if isinstance(days, bool) or not isinstance(days, (int, float)) or days < 0:
                    problems.append(f"extensions.{aid}.{sid} must be a number of days >= 0, got {days!r}")
    return problems


def load_config(root: Path | None = None) -> CourseConfig:
    """Read ``course.toml`` from ``root`` (or the nearest course above the cwd)."""
    root = find_course_root(root) if root is None or not (Path(root) / CONFIG_NAME).is_file() else Path(root).resolve()
    path = root / CONFIG_NAME
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: invalid TOML: {exc}") from exc
    c = raw.get("course", {})
    known = {"course", "late", "due", "extensions", "grading"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CourseError(f"{path}: unknown section(s) {', '.join(unknown)}")
    if "hidden_seed" in c:
        raise CourseError(
            f"{path}: [course] hidden_seed is no longer supported (a guessable seed); delete it: "
            "the hidden data's seeds come from the course secret .course-secret (run `course secret init`)"
        )
    problems = validate_raw(raw, assignments_root=root / str(c.get("assignments", "assignments")))
    if problems:
        raise CourseError(f"{path}: " + "; ".join(problems))
    sandbox = c.get("sandbox", "auto")
    if sandbox not in SANDBOXES:
        raise CourseError(f"{path}: course.sandbox must be one of {', '.join(SANDBOXES)}, got {sandbox!r}")
    try:
        seed = int(c.get("seed", 20261121))
        workers = int(c.get("workers", 2))
        late = LatePolicy(**raw.get("late", {}))
    except (TypeError, ValueError) as exc:
        raise CourseError(f"{path}: {exc}") from exc
    due = {k: _as_datetime(v, f"{path}: due.{k}") for k, v in raw.get("due", {}).items()}
    return CourseConfig(
        root=root,
        name=c.get("name", CourseConfig.name),
        seed=seed,
        assignments_dir=Path(c.get("assignments", "assignments")),
        exchange=Path(c.get("exchange", "exchange")),
        gradebook_url=c.get("gradebook", ""),
        sandbox=sandbox,
        workers=workers,
        late=late,
        due=due,
        extensions=raw.get("extensions", {}),
        cluster=raw.get("grading", {}).get("cluster", ""),
    )
