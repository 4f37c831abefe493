"""``course``: the command line of the course kit.

Every command is a few lines calling a keyword-only function in ``course/`` or ``grader/``;
no logic lives here.  Errors meant for users are :class:`course.errors.CourseError` and are
printed as one line (exit code 1).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from course.errors import CourseError


class _Group(TyperGroup):
    """Turns :class:`CourseError` into a one-line ``error: ...`` and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CourseError as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="course",
    help="A machine-learning course for astronomers and physicists: release assignments, "
    "check and submit work, grade it in a sandbox, and keep the gradebook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
image_app = typer.Typer(cls=_Group, help="The Docker image student code runs in.", no_args_is_help=True)
app.add_typer(image_app, name="image")

CourseOpt = typer.Option(None, "--course", help="Course root (default: the nearest course.toml above the current directory).")


def _config(course_dir: Optional[Path]):
    from course.config import load_config

    return load_config(course_dir)


def _write_json(doc, out: str) -> None:
    text = json.dumps(doc, indent=2, sort_keys=False)
    if out == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(out).write_text(text + "\n")


@app.command()
def assignments(
    as_json: bool = typer.Option(False, "--json", help="Print JSON (id, title, max points, student files)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """List the course's assignments."""
    from course.catalog import describe_assignments

    rows = describe_assignments(config=_config(course_dir))
    if as_json:
        _write_json(rows, "-")
        return
    for r in rows:
        typer.echo(f"{r['id']:<16} {r['max_points']:>6g} pts  {r['title']}  [{', '.join(r['student_files'])}]")


@app.command()
def grade(
    assignment: str = typer.Argument(..., help="Assignment id, e.g. 'trees'."),
    paths: Optional[List[Path]] = typer.Argument(
        None, help="Submissions to grade ad hoc (folders, .zip files or notebooks). "
        "Without paths: grade the collected submissions into the gradebook."
    ),
    sandbox: Optional[str] = typer.Option(None, help="auto | docker | bwrap | none (default: course.toml)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Submissions graded in parallel."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Write the results as JSON to this file ('-' = stdout)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Grade submissions with the hidden checks, student code in a sandbox."""
    from course.grading import grade_adhoc, grade_collected

    config = _config(course_dir)
    if paths:
        doc = grade_adhoc(config=config, assignment_id=assignment, paths=list(paths), sandbox=sandbox, workers=workers,
                          progress=json_out != "-")
        if json_out:
            _write_json(doc, json_out)
        if json_out != "-":
            for s in doc["submissions"]:
                score = f"{s['score']:g}/{s['max_score']:g}" if s["status"] == "graded" else "not graded"
                typer.echo(f"{s['path']}: {score}" + (f"  ({s['error']})" if s["error"] else ""))
    else:
        doc = grade_collected(config=config, assignment_id=assignment, sandbox=sandbox, workers=workers,
                              progress=json_out != "-")
        if json_out:
            _write_json(doc, json_out)
        if json_out != "-":
            graded = sum(s["status"] == "graded" for s in doc["submissions"])
            failed = len(doc["submissions"]) - graded
            typer.echo(f"graded {graded} submission(s), {failed} not graded, {doc['already_graded']} already graded")


# -- instructor: release ----------------------------------------------------------------------
@app.command()
def release(
    assignment: str = typer.Argument(..., help="Assignment id."),
    out: Path = typer.Option(..., "--out", help="Release folder to write (replaced if it is an earlier release)."),
    solution: bool = typer.Option(False, "--solution", help="Write the complete solution in the same layout."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Write the student version of an assignment (stubs, public tests, data, README)."""
    from course.exchange import ensure_inbox
    from course.release import release as do_release

    config = _config(course_dir)
    path = do_release(config=config, assignment_id=assignment, out=out, solution=solution)
    if not solution:
        ensure_inbox(config.exchange_path, assignment)
    typer.echo(f"released {assignment}{' (solution)' if solution else ''} to {path}")


# -- students: check, submit ---------------------------------------------------------------------
@app.command()
def check(
    assignment: Optional[str] = typer.Argument(None, help="Assignment id (default: the release folder's)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with your files (default: here)."),
    sandbox: str = typer.Option("none", help="none runs your own code unsandboxed on your machine (fine: it is yours)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Run the public tests on your files."""
    from course.grading import check_public

    doc = check_public(assignment_id=assignment, directory=directory, course_dir=course_dir, sandbox=sandbox)
    sub = doc["submissions"][0]
    if sub["status"] != "graded":
        raise CourseError(f"could not run the checks: {sub['error']}")
    for c in sub["checks"]:
        mark = {"passed": "PASS"}.get(c["status"], c["status"].upper())
        color = typer.colors.GREEN if c["status"] == "passed" else typer.colors.RED
        typer.secho(f"{mark:<8}{c['points']:g}/{c['max_points']:g}  {c['id'].rsplit('::', 1)[-1]}", fg=color)
        if c["status"] != "passed" and c.get("message"):
            for line in c["message"].splitlines():
                typer.echo(f"        {line}")
    typer.echo(f"public checks: {sub['score']:g}/{sub['max_score']:g} "
               "(the hidden checks that grade your work are different)")


@app.command()
def submit(
    assignment: Optional[str] = typer.Argument(None, help="Assignment id (default: the release folder's)."),
    student: str = typer.Option(..., "--student", help="Your student id."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with your files (default: here)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Hand in your files (only the assignment's declared files) to the exchange."""
    from course.exchange import submit as do_submit

    r = do_submit(assignment_id=assignment, student_id=student, directory=directory, course_dir=course_dir)
    typer.echo(f"submitted at {r['submitted_at']} (content {r['content_hash'][:12]})")
    if r["late_seconds"]:
        typer.secho(f"warning: this submission is late by {r['late_seconds'] / 3600:.1f} h", err=True,
                    fg=typer.colors.YELLOW)


# -- instructor: roster, collect, feedback, export, gradebook, adjust -------------------------------
roster_app = typer.Typer(cls=_Group, help="The students of the course.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")


@roster_app.command("add")
def roster_add(
    student: str = typer.Argument(..., help="Student id."),
    name: str = typer.Option("", help="Full name."),
    email: str = typer.Option("", help="E-mail address."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Add a student (or update their name/e-mail)."""
    from course.roster import add_student

    new = add_student(config=_config(course_dir), student_id=student, name=name, email=email)
    typer.echo(f"{'added' if new else 'updated'} {student}")


@roster_app.command("import")
def roster_import(
    csv_path: Path = typer.Argument(..., help="CSV with a header: id[,name][,email]."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Import students from a CSV file (all rows or none)."""
    from course.roster import import_roster

    added, updated = import_roster(config=_config(course_dir), path=csv_path)
    typer.echo(f"imported {added} new, {updated} updated student(s)")


@roster_app.command("list")
def roster_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """List the students."""
    from course.roster import list_students

    rows = list_students(config=_config(course_dir))
    if as_json:
        _write_json(rows, "-")
        return
    for r in rows:
        typer.echo(f"{r['id']:<20} {r['name']:<30} {r['email']}")


@app.command()
def collect(
    assignment: str = typer.Argument(..., help="Assignment id."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Collect new submissions from the exchange (immutable, content-addressed copies)."""
    from course.exchange import collect as do_collect

    r = do_collect(config=_config(course_dir), assignment_id=assignment)
    for c in r["collected"]:
        late = f"  LATE {c['late_days']} day(s)" if c["late_days"] else ""
        typer.echo(f"collected {c['student']:<16} {c['submitted_at']}  {c['hash'][:12]}  uid {c['uid']}{late}")
    typer.echo(f"{len(r['collected'])} new, {r['skipped']} already collected, {len(r['rejected'])} rejected")
    for group in r["shared_content"]:
        typer.secho(f"warning: identical files submitted by {', '.join(group)}", err=True, fg=typer.colors.YELLOW)
    for name, why in r["rejected"]:
        typer.echo(f"rejected {name}: {why}", err=True)
    if r["rejected"]:
        raise CourseError(f"{len(r['rejected'])} submission(s) rejected; first: {r['rejected'][0][0]}: "
                          f"{r['rejected'][0][1]}")


@app.command()
def feedback(
    assignment: str = typer.Argument(..., help="Assignment id."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder (default: <course>/feedback/<assignment>)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Write per-student feedback reports (HTML and Markdown)."""
    from course.feedback import write_feedback

    paths = write_feedback(config=_config(course_dir), assignment_id=assignment, out=out)
    typer.echo(f"wrote {len(paths)} report file(s) to {paths[0].parent}")


@app.command()
def export(
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
    out: Optional[Path] = typer.Option(None, "--out", help="File to write (default: stdout)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Export the final grades (one row per student and assignment)."""
    from course.export import export as do_export

    text = do_export(config=_config(course_dir), fmt=fmt, out=out)
    if out is None:
        sys.stdout.write(text)
    else:
        typer.echo(f"wrote {out}")


@app.command()
def gradebook(
    assignment: Optional[str] = typer.Argument(None, help="Assignment id (default: the whole course)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Show the gradebook as a table."""
    from course.export import gradebook_table

    typer.echo(gradebook_table(config=_config(course_dir), assignment_id=assignment))


@app.command()
def adjust(
    assignment: str = typer.Argument(..., help="Assignment id."),
    student: str = typer.Option(..., "--student", help="Student id."),
    points: float = typer.Option(..., "--points", help="Points to add (negative to subtract)."),
    reason: str = typer.Option(..., "--reason", help="Why (shown in the student's feedback)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Adjust a student's points by hand, with a reason."""
    from course.assignment import load_assignment
    from course.gradebook import open_gradebook

    config = _config(course_dir)
    load_assignment(config, assignment)
    book = open_gradebook(config)
    try:
        book.add_adjustment(student_id=student, assignment_id=assignment, points=points, reason=reason)
    finally:
        book.close()
    typer.echo(f"adjusted {student} on {assignment} by {points:+g} ({reason})")


@app.command()
def demo(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Where to create the demo course (default: a temp dir)."),
    assignment: Optional[str] = typer.Option(None, "--assignment", help="Assignment id (default: the first real one)."),
    sandbox: Optional[str] = typer.Option(None, help="auto | docker | bwrap | none (default: auto)."),
) -> None:
    """Run the whole loop in a temporary course: release, five students, grade, feedback."""
    from course.demo import run_demo

    run_demo(directory=directory, assignment_id=assignment, sandbox=sandbox, echo=typer.echo)


@image_app.command("build")
def image_build(
    base_image: str = typer.Option("python:3.11-slim", help="Base image with python3.11 and python3-venv."),
    tag: Optional[str] = typer.Option(None, help="Image tag (default: the grader's image)."),
    wheels: Optional[Path] = typer.Option(None, help="Folder of wheels to install from, offline."),
) -> None:
    """Build the sandbox image student code runs in."""
    from grader.image import ImageBuildError, build_image

    try:
        build_image(base_image=base_image, tag=tag, wheels=wheels)
    except ImageBuildError as exc:
        raise CourseError(str(exc)) from None


if __name__ == "__main__":  # pragma: no cover
    app()
