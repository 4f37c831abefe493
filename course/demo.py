"""``course demo``: the whole instructor loop in a temporary course.

The demo course is built from the embedded defaults (this repository's course.toml,
assignments/ and reference/, plus the small example in ``course/example_assignment``)
and gets a due date one week from now.  Five simulated students:

========  ===========================================================================
ada       perfect: the solution release
bruno     stub: the student release, unchanged
chandra   partly right: every other solution region of the last student file is a stub
dmitri    late: the solution, submitted 36 hours after the due date
eve       malicious: the solution plus ``os._exit(0)`` at import and a fake results file
========  ===========================================================================

Then: submit, collect, grade (sandbox ``auto`` unless told), feedback, export, and the
gradebook printed at the end.
"""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from course.errors import CourseError

REAL_ASSIGNMENTS = ("linear-models", "classification", "trees", "ensembles")
EXAMPLE_ID = "example"
STUDENTS = (
    ("ada", "perfect"),
    ("bruno", "stub"),
    ("chandra", "partly right"),
    ("dmitri", "late"),
    ("eve", "malicious"),
)
MALICIOUS_HEADER = (
    "import json as _j, os as _o\n"
    "for _name in ('results.json', 'report.xml'):\n"
    "    try:\n"
    "        open(_name, 'w').write(_j.dumps({'score': 100, 'max_score': 100}))\n"
    "    except OSError:\n"
    "        pass\n"
    "print('{\"score\": 100, \"max_score\": 100}')\n"
    "_o._exit(0)\n"
)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_demo_course(root: Path, *, sandbox: str | None = None) -> tuple[Path, dict]:
    """Create the demo course in ``root`` (must be empty or absent); return (root, due dates)."""
    from course.assignment import list_assignments
    from course.config import builtin_course_root, load_config
    from course.secret import create_secret

    src = builtin_course_root()
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise CourseError(f"{root} is not empty; give an empty or new folder to --dir")
    root.mkdir(parents=True, exist_ok=True)
    base = load_config(src)
    for name in ("assignments", "reference"):
        if (src / name).is_dir():
            shutil.copytree(src / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "assignments").mkdir(exist_ok=True)
    example = root / "assignments" / EXAMPLE_ID
    if not example.exists():
        shutil.copytree(Path(__file__).resolve().parent / "example_assignment", example,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    lines = [
        "# The demo course (created by `course demo` from the kit's embedded defaults).",
        "[course]",
        f"name = {_toml_value(base.name + ' (demo)')}",
        f"seed = {base.seed}",
        'assignments = "assignments"',
        'exchange = "exchange"',
        f"sandbox = {_toml_value(sandbox or base.sandbox)}",
        f"workers = {base.workers}",
        "",
        "[late]",
        f"per_day = {base.late.per_day!r}",
        f"max_fraction = {base.late.max_fraction!r}",
    ]
    if base.late.cutoff_days is not None:
        lines.append(f"cutoff_days = {base.late.cutoff_days!r}")
    (root / "course.toml").write_text("\n".join(lines) + "\n")
    create_secret(root)  # the demo's own random secret: hidden grading needs one
    ids = [a.id for a in list_assignments(load_config(root))]
    dues = {i: due for i in ids}
    (root / "course.toml").write_text(
        (root / "course.toml").read_text() + "\n[due]\n" + "".join(f'"{i}" = {_toml_value(d)}\n' for i, d in dues.items())
    )
    return root, dues


def pick_assignment(config) -> str:
    """The first real assignment whose hidden checks exist, else any other ready one,
    else the embedded example."""
    from course.assignment import list_assignments
    from course.catalog import count_points

    ready = [a.id for a in list_assignments(config) if a.hidden_tests.is_dir() and count_points(a.hidden_tests) > 0]
    for a in REAL_ASSIGNMENTS:
        if a in ready:
            return a
    others = [i for i in ready if i != EXAMPLE_ID]
    return others[0] if others else EXAMPLE_ID


def _student_copy(src: Path, dest: Path, names: tuple[str, ...]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copyfile(src / n, dest / n)
    shutil.copyfile(src / ".assignment.json", dest / ".assignment.json")
    return dest


def run_demo(*, directory: Path | None = None, assignment_id: str | None = None, sandbox: str | None = None,
             echo: Callable[[str], None] = print) -> dict:
    """Run the loop; returns paths (course, feedback, export) and the final grades."""
    from course.assignment import load_assignment
    from course.config import load_config
    from course.exchange import collect, ensure_inbox, submit
    from course.export import export, gradebook_table, grade_rows
    from course.feedback import write_feedback
    from course.gradebook import open_gradebook
    from course.grading import grade_collected
    from course.release import release, strip_solutions

    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="course-demo-"))
    root, dues = build_demo_course(root, sandbox=sandbox)
    config = load_config(root)
    aid = assignment_id or pick_assignment(config)
    asg = load_assignment(config, aid)
    echo(f"demo course: {root}")
    echo(f"assignment:  {aid} ({asg.title}), due {dues[aid]:%Y-%m-%d %H:%M} UTC, sandbox {config.sandbox}")

    echo("1. release: student version and solution")
    student_rel = release(config=config, assignment_id=aid, out=root / "release" / aid)
    solution_rel = release(config=config, assignment_id=aid, out=root / "release" / f"{aid}-solution", solution=True)
    ensure_inbox(config.exchange_path, aid)

    echo("2. five students work and submit")
    with open_gradebook(config) as book:
        for sid, _ in STUDENTS:
            book.add_student(sid, name=sid.capitalize())
    work = root / "students"
    names = asg.student_files
    dirs = {
        "ada": _student_copy(solution_rel, work / "ada", names),
        "bruno": _student_copy(student_rel, work / "bruno", names),
        "chandra": _student_copy(student_rel, work / "chandra", names),
        "dmitri": _student_copy(solution_rel, work / "dmitri", names),
        "eve": _student_copy(solution_rel, work / "eve", names),
    }
    # partly right: the solution, except every other solution region of the last marked file
    marked = [f for f in asg.files if f.reference and f.name.endswith(".py")]
    for f in marked:
        text = (config.root / f.reference).read_text()
        keep = (lambda i: i % 2 == 0) if f is marked[-1] else (lambda i: True)
        (dirs["chandra"] / f.name).write_text(strip_solutions(text, keep=keep))
    for name in names:  # every file exits at import, so no check can pass on real work
        path = dirs["eve"] / name
        if not name.endswith(".py"):
            continue
        lines = path.read_text().splitlines(keepends=True)
        at = max([i + 1 for i, ln in enumerate(lines) if ln.startswith("from __future__")], default=0)
        path.write_text("".join(lines[:at]) + MALICIOUS_HEADER + "".join(lines[at:]))
    (dirs["eve"] / "results.json").write_text('{"score": 100, "max_score": 100}\n')  # never submitted
    now = datetime.now(timezone.utc)
    simulated: dict[str, datetime] = {}  # the demo's clock: dmitri hands in 36 h after the due date
    for sid, kind in STUDENTS:
        when = dues[aid] + timedelta(hours=36) if kind == "late" else now
        r = submit(assignment_id=aid, student_id=sid, directory=dirs[sid], now=when)
        simulated[Path(r["path"]).name] = when
        echo(f"   {sid:<8} ({kind:<12}) submitted {r['content_hash'][:12]}"
             + (f", {r['late_seconds'] / 3600:.0f} h late" if r["late_seconds"] else ""))

    echo("3. collect")
    # a real exchange takes the time from the kernel; the demo simulates the late hand-in
    rep = collect(config=config, assignment_id=aid, received_at=lambda path, st: simulated[path.name])
    echo(f"   {len(rep['collected'])} collected, {len(rep['rejected'])} rejected")

    echo("4. grade (hidden checks, student code in the sandbox)")
    owners: dict[str, list[str]] = {}
    with open_gradebook(config) as book:
        for sid, sub in book.latest_submissions(aid).items():
            owners.setdefault(str(Path(sub.path)), []).append(sid)

    def shown(r: dict) -> None:
        who = ", ".join(sorted(owners.get(str(Path(r["path"])), ["?"])))
        echo(f"   graded {who}: " + (f"{r['score']:g}/{r['max_score']:g}" if r["status"] == "graded"
                                     else f"not graded ({r['error']})"))

    doc = grade_collected(config=config, assignment_id=aid, progress=shown)

    echo("5. feedback and export")
    reports = write_feedback(config=config, assignment_id=aid)
    export_dir = root / "export"
    export(config=config, fmt="csv", out=export_dir / "grades.csv")
    export(config=config, fmt="json", out=export_dir / "grades.json")
    echo("")
    echo(gradebook_table(config=config, assignment_id=aid))
    echo("")
    echo(f"feedback reports: {reports[0].parent}")
    echo(f"grades:           {export_dir / 'grades.csv'} and grades.json")
    echo(f"the course:       {root}  (try: course gradebook --course {root})")
    return {"course": root, "assignment": aid, "feedback": reports[0].parent, "export": export_dir,
            "grades": grade_rows(config=config, assignment_id=aid), "graded": doc}
