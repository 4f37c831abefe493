"""The student side of the ``course`` command line: ``check``, ``fetch``, ``submit``,
``login``, ``status``, ``feedback``.

The instructor's ``course`` (``cli:app``) registers these same commands.  The student
wheel (``course-kit-student``, built by :mod:`course.student_dist`) installs this app as
its own ``course`` console script, without ``cli.py``, the reference solution, the
assignments' solutions or hidden checks.  Each command is a few lines calling a
keyword-only function of ``course/``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from course.errors import CourseError


class ErrorGroup(TyperGroup):
    """Turns :class:`CourseError` into a one-line ``error: ...`` and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CourseError as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None


CourseOpt = typer.Option(None, "--course", help="Course root (default: the nearest course.toml above the current directory).")


def write_json(doc, out: str) -> None:
    text = json.dumps(doc, indent=2, sort_keys=False)
    if out == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(out).write_text(text + "\n")




app = typer.Typer(
    cls=ErrorGroup,
    name="course",
    help="The student side of the machine-learning course: log in to the course server, fetch an "
    "assignment, check your work with the public tests, submit it, and read your feedback.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
    student: Optional[str] = typer.Option(None, "--student", help="Your student id (local exchange only; the "
                                          "server knows you by your token)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder with your files (default: here)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Hand in your files (only the assignment's declared files): to the server after
    `course login`, else to the local exchange."""
    from course.client import load_client

    if course_dir is None and load_client() is not None:
        from course.client import submit as server_submit

        r = server_submit(assignment_id=assignment, directory=directory)
        typer.echo(f"submitted {r['assignment']} at {r['submitted_at']} (content {r['content_hash'][:12]})"
                   + ("; identical to an earlier submission" if r.get("duplicate") else ""))
        return
    from course.exchange import submit as do_submit

    if not student:
        raise CourseError("--student is needed for the local exchange (or run `course login` for a server)")
    r = do_submit(assignment_id=assignment, student_id=student, directory=directory, course_dir=course_dir)
    typer.echo(f"submitted at {r['submitted_at']} (content {r['content_hash'][:12]})")
    if r["late_seconds"]:
        typer.secho(f"warning: this submission is late by {r['late_seconds'] / 3600:.1f} h", err=True,
                    fg=typer.colors.YELLOW)


@app.command()
def login(
    server: str = typer.Option(..., "--server", help="The course server's URL, e.g. https://course.example.org."),
    token: str = typer.Option(..., "--token", help="Your token from the instructor.", prompt=True, hide_input=True),
) -> None:
    """Remember the course server and your token ($XDG_CONFIG_HOME/course-kit/client.json, mode 0600)."""
    from course.client import login as do_login

    me = do_login(server=server, token=token)
    typer.echo(f"logged in to {server} as {me['student'] or 'the instructor'} (saved in {me['path']})")


@app.command()
def fetch(
    assignment: str = typer.Argument(..., help="Assignment id (see `course status`)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder to create (default: ./ASSIGNMENT)."),
) -> None:
    """Download an assignment's release from the server into a new folder."""
    from course.client import fetch as do_fetch

    path = do_fetch(assignment_id=assignment, out=out)
    typer.echo(f"fetched {assignment} into {path}; next: cd {path} && course check")


@app.command()
def status(
    assignment: Optional[str] = typer.Argument(None, help="Assignment id (default: the release folder's; "
                                               "outside one: list the assignments)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Your release folder (default: here)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Your submissions on the server and the results the assignment's policy shows."""
    from course import client

    if assignment is None and not (directory / ".assignment.json").is_file():
        rows = client.assignments()
        if as_json:
            write_json(rows, "-")
        for r in rows:
            typer.echo(f"{r['id']:<16} due {r['due'] or '-':<26} {r['title']}")
        return
    rows = client.status(assignment_id=assignment, directory=directory)
    if as_json:
        write_json(rows, "-")
        return
    if not rows:
        typer.echo("no submissions yet")
    for r in rows:
        res = r["result"]
        shown = {"off": "", "queued": "  checks queued", "running": "  checks running",
                 "not_graded": "  not graded (the server will retry or your instructor grades it)",
                 "error": "  checks failed to run"}.get(res["state"], "")
        if res["state"] == "done":
            shown = f"  {res['checks']} checks: {res['score']:g}/{res['max_score']:g}"
        typer.echo(f"{r['submitted_at']}  {r['content_hash'][:12]}{shown}")
        for c in res.get("results", []):
            typer.echo(f"    {c['status'].upper():<8}{c['points']:g}/{c['max_points']:g}  {c['name']}")


def fetch_feedback(*, assignment: Optional[str], out: Optional[Path], student: Optional[str], directory: Path,
                   course_dir: Optional[Path]) -> None:
    """``course feedback --fetch``: from the server after ``course login``, else the local exchange."""
    from course.client import load_client

    if course_dir is None and load_client() is not None:
        from course.client import fetch_feedback as server_feedback

        paths = server_feedback(assignment_id=assignment, directory=directory, out=out)
        typer.echo("\n".join(f"fetched {p}" for p in paths))
        return
    from course.feedback_exchange import fetch_feedback as local_feedback

    if not student:
        raise CourseError("--fetch needs --student (your student id)")
    paths = local_feedback(assignment_id=assignment, student_id=student, directory=directory,
                          course_dir=course_dir, out=out)
    typer.echo("\n".join(f"fetched {p}" for p in paths))


@app.command("feedback")
def student_feedback(
    assignment: Optional[str] = typer.Argument(None, help="Assignment id (default: the release folder's)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder (default: <dir>/feedback)."),
    fetch: bool = typer.Option(True, "--fetch", help="Accepted for the instructor CLI's spelling; always on here."),
    student: Optional[str] = typer.Option(None, "--student", help="Your student id (local exchange only)."),
    directory: Path = typer.Option(Path("."), "--dir", help="Your release folder (default: here)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Copy the released report on your latest submission (Markdown and HTML)."""
    fetch_feedback(assignment=assignment, out=out, student=student, directory=directory, course_dir=course_dir)


def main() -> None:  # the student wheel's console script
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
