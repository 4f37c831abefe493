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

import click
import typer
from typer.core import TyperGroup

from course.errors import CourseError


class _Group(TyperGroup):
    """Turns :class:`CourseError` into a one-line ``error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context):
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
        doc = grade_collected(config=config, assignment_id=assignment, sandbox=sandbox, workers=workers)
        if json_out:
            _write_json(doc, json_out)


@image_app.command("build")
def image_build(
    base_image: str = typer.Option("python:3.11-slim", help="Base image with python3.11 and python3-venv."),
    tag: Optional[str] = typer.Option(None, help="Image tag (default: the grader's image)."),
    wheels: Optional[Path] = typer.Option(None, help="Folder of wheels to install from, offline."),
) -> None:
    """Build the sandbox image student code runs in."""
    from grader.image import build_image

    build_image(base_image=base_image, tag=tag, wheels=wheels)


if __name__ == "__main__":  # pragma: no cover
    app()
