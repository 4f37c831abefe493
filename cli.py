"""``course``: the command line of the course kit.

Every command is a few lines calling a keyword-only function in ``course/`` or ``grader/``;
no logic lives here.  Errors meant for users are :class:`course.errors.CourseError` and are
printed as one line (exit code 1).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from course import student_cli as _student  # the student side's commands, registered here too
from course.errors import CourseError
from course.student_cli import CourseOpt
from course.student_cli import ErrorGroup as _Group
from course.student_cli import write_json as _write_json

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


def _config(course_dir: Optional[Path]):
    from course.config import load_config

    return load_config(course_dir)


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
    regrade: bool = typer.Option(False, "--regrade", help="Grade again submissions that already have a grade "
                                 "(every grade is kept: see `course history`; the latest graded one counts)."),
    student: Optional[str] = typer.Option(None, "--student", help="Only this student's latest submission."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Grade on a Dask cluster: its scheduler address, "
                                          "e.g. tcp://HOST:8786 (default: grading.cluster in course.toml; "
                                          "'local' = this machine). See docs/cluster.md."),
    junit: Optional[Path] = typer.Option(None, "--junit", help="Also write the results as JUnit XML (for CI)."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", help="Exit with code 2 when a submission "
                                               "scores below this percentage (or is not graded)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Grade submissions with the hidden checks, student code in a sandbox."""
    from course.grading import grade_adhoc, grade_collected

    config = _config(course_dir)
    if paths and (regrade or student):
        raise CourseError("--regrade and --student apply to collected submissions; drop the paths")
    if paths:
        doc = grade_adhoc(config=config, assignment_id=assignment, paths=list(paths), sandbox=sandbox, workers=workers,
                          progress=json_out != "-", cluster=cluster)
        if json_out:
            _write_json(doc, json_out)
        if json_out != "-":
            for s in doc["submissions"]:
                score = f"{s['score']:g}/{s['max_score']:g}" if s["status"] == "graded" else "not graded"
                typer.echo(f"{s['path']}: {score}" + (f"  ({s['error']})" if s["error"] else ""))
    else:
        doc = grade_collected(config=config, assignment_id=assignment, sandbox=sandbox, workers=workers,
                              progress=json_out != "-", regrade=regrade, student=student,
                              cluster=cluster)
        if json_out:
            _write_json(doc, json_out)
        if json_out != "-":
            graded = sum(s["status"] == "graded" for s in doc["submissions"])
            failed = len(doc["submissions"]) - graded
            typer.echo(f"graded {graded} submission(s), {failed} not graded, {doc['already_graded']} already graded")
    if junit:
        from course.junit import write_junit

        write_junit(doc, junit)
    if fail_under is not None:
        from course.junit import below_threshold

        low = below_threshold(doc, fail_under)
        if low:
            typer.secho(f"below {fail_under:g} %: {'; '.join(low)}", err=True, fg=typer.colors.RED)
            raise typer.Exit(2)


# -- instructor: a course of one's own ---------------------------------------------------------
@app.command()
def init(
    directory: Path = typer.Argument(..., help="Folder of the new course (absent or empty)."),
    name: Optional[str] = typer.Option(None, "--name", help="Course name (default: from the folder name)."),
    example: bool = typer.Option(True, "--example/--no-example", help="Add the small example assignment."),
) -> None:
    """Create a course: commented course.toml, secret (.course-secret, 0600), .gitignore, assignments/."""
    from course.authoring import init_course

    root = init_course(directory, name=name, example=example)
    typer.echo(f"created course in {root}")
    typer.echo("  .course-secret   the secret of the hidden data: keep it, never commit it (it is in .gitignore)")
    typer.echo(f"next: cd {root} && course validate example   (or: course new ASSIGNMENT, course add trees)")


@app.command()
def new(
    assignment: str = typer.Argument(..., help="New assignment id (lower-case letters, digits, '-', '_')."),
    title: Optional[str] = typer.Option(None, "--title", help="Title shown to students."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Scaffold a new assignment: assignment.toml, solution, public and hidden checks, data.py, README."""
    from course.authoring import new_assignment

    path = new_assignment(config=_config(course_dir), assignment_id=assignment, title=title)
    typer.echo(f"created {path}; edit it, then run `course validate {assignment}`")


@app.command()
def add(
    assignment: str = typer.Argument(..., help="One of the kit's assignments (e.g. 'trees')."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Copy one of the kit's assignments into this course, with the reference files it needs."""
    from course.authoring import add_kit_assignment

    path = add_kit_assignment(config=_config(course_dir), assignment_id=assignment)
    typer.echo(f"added {assignment} to {path}")


@app.command()
def validate(
    assignment: str = typer.Argument(..., help="Assignment id."),
    seeds: int = typer.Option(3, "--seeds", help="Hidden seeds the solution is graded on (full marks on each)."),
    sandbox: Optional[str] = typer.Option(None, help="auto | docker | bwrap | none (default: course.toml)."),
    workers: Optional[int] = typer.Option(None, "-j", "--workers", help="Submissions graded in parallel."),
    mutants: int = typer.Option(0, "--mutants", help="Also grade N mutants of the solution regions and print "
                                "the mutation score and the survivors (0: skip).", min=0),
    mistakes: bool = typer.Option(False, "--mistakes", help="Also grade the plausible-mistake corpus "
                                  "(mistakes.toml): each must lose points on its hidden check; prints the "
                                  "public catch rate."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Also write the report as JSON ('-' = stdout)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Check an assignment before release: the solution scores full marks on N hidden seeds,
    the stub and stub + constants score 0, two runs agree; per-check times; optionally the
    mutation score of the hidden checks (assignments/ID/mutants.toml records equivalent mutants)."""
    from course.validate import validate as do_validate

    echo = typer.echo if json_out != "-" else (lambda *_: None)
    config = _config(course_dir)
    report = do_validate(config=config, assignment_id=assignment, seeds=seeds, sandbox=sandbox,
                         workers=workers, echo=echo)
    if mutants:
        from course.mutants import mutation_score

        report["mutation"] = mutation_score(config=config, assignment_id=assignment, n=mutants, sandbox=sandbox,
                                            workers=workers)
    if mistakes:
        from course.mistakes import mistake_report

        report["mistakes"] = mistake_report(config=config, assignment_id=assignment, sandbox=sandbox, workers=workers)
        missed = [m["name"] for m in report["mistakes"]["mistakes"] if not m["hidden_caught"]]
        if missed:
            report["ok"] = False
            report["problems"].append(f"mistakes not caught by their hidden check: {', '.join(missed)}")
    if json_out:
        _write_json(report, json_out)
    if json_out != "-":
        typer.echo(f"solution: {', '.join(f'{s:g}' for s in report['solution_scores'])} / {report['max_score']:g}"
                   f"   stub: {report['stub_score']:g}"
                   f"   stub + constants: {', '.join(f'{s:g}' for s in report['constant_scores'])}")
        for name, secs in report["check_seconds"].items():
            typer.echo(f"  {secs:7.2f} s  {name}")
        typer.echo(f"slowest check: {report['slowest']}; all checks: {report['total_seconds']:.1f} s")
        if "mutation" in report:
            mu = report["mutation"]
            typer.echo(f"mutation score: {mu['score']:.2f} ({len(mu['killed'])} killed, {len(mu['survivors'])} "
                       f"survived, {len(mu['equivalent'])} equivalent, of {mu['mutants']})")
            for row in mu["survivors"]:
                typer.echo(f"  survivor: {row['id']}")
        if "mistakes" in report:
            mi = report["mistakes"]
            for m in mi["mistakes"]:
                typer.echo(f"  mistake {m['name']:<40} hidden: {'caught' if m['hidden_caught'] else 'MISSED'}"
                           f" ({m['check']})   public: {', '.join(m['public_failing']) or 'not caught'}")
            typer.echo(f"mistakes: hidden catch rate {mi['hidden_rate']:.2f}, public catch rate {mi['public_rate']:.2f}")
        for p in report["problems"]:
            typer.secho(f"problem: {p}", fg=typer.colors.RED, err=True)
        typer.echo("valid" if report["ok"] else f"NOT valid: {len(report['problems'])} problem(s)")
    if not report["ok"]:
        raise typer.Exit(1)


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
for _cmd in (_student.check, _student.submit):
    app.command()(_cmd)


# -- instructor: roster, collect, feedback, export, gradebook, adjust -------------------------------
roster_app = typer.Typer(cls=_Group, help="The students of the course.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")


@roster_app.command("add")
def roster_add(
    student: str = typer.Argument(..., help="Student id."),
    name: str = typer.Option("", help="Full name."),
    email: str = typer.Option("", help="E-mail address."),
    unix_user: str = typer.Option("", "--unix-user", help="Unix user (name or uid) who submits for this student "
                                  "through a local exchange."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Add a student (or update their name/e-mail/Unix user)."""
    from course.roster import add_student

    new = add_student(config=_config(course_dir), student_id=student, name=name, email=email, unix_user=unix_user)
    typer.echo(f"{'added' if new else 'updated'} {student}")


@roster_app.command("import")
def roster_import(
    csv_path: Path = typer.Argument(..., help="CSV with a header: id[,name][,email][,unix_user]."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Import students from a CSV file (all rows or none)."""
    from course.roster import import_roster

    added, updated = import_roster(config=_config(course_dir), path=csv_path)
    typer.echo(f"imported {added} new, {updated} updated student(s)")


@roster_app.command("remove")
def roster_remove(
    student: str = typer.Argument(..., help="Student id."),
    force: bool = typer.Option(False, "--force", help="Also delete their submissions, grades, adjustments, "
                               "extensions and manual points from the gradebook (collected files stay on disk)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Remove a student (refused if they have submissions, unless --force)."""
    from course.roster import remove_student

    counts = remove_student(config=_config(course_dir), student_id=student, force=force)
    gone = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    typer.echo(f"removed {student}" + (f" and their {gone}" if gone else ""))


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
        typer.echo(f"{r['id']:<20} {r['name']:<30} {r['email']:<30} {r['unix_user']}".rstrip())


@roster_app.command("tokens")
def roster_tokens(
    students: Optional[List[str]] = typer.Argument(None, help="Student ids."),
    all_students: bool = typer.Option(False, "--all", help="Every student on the roster."),
    instructor: bool = typer.Option(False, "--instructor", help="Also (or only) the instructor's token."),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke their tokens instead of issuing new ones."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Issue API tokens for `course serve` (shown once, stored hashed; a new token revokes the old)."""
    from course.tokens import issue_tokens, revoke_tokens

    config = _config(course_dir)
    if revoke:
        if all_students:
            raise CourseError("--revoke takes student ids (or --instructor), not --all")
        n = revoke_tokens(config=config, students=students or [], instructor=instructor)
        typer.echo(f"revoked {n} token(s)")
        return
    for who, token in issue_tokens(config=config, students=students or [], all_students=all_students,
                                   instructor=instructor):
        typer.echo(f"{who}\t{token}")


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
        typer.echo(f"collected {c['student']:<16} {c['submitted_at']}  {c['hash'][:12]}  by {c['unix_user']}{late}")
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
    assignment: Optional[str] = typer.Argument(None, help="Assignment id (with --fetch: default the release folder's)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder (default: <course>/feedback/<assignment>; "
                                       "with --fetch: <dir>/feedback)."),
    release: bool = typer.Option(False, "--release", help="Also hand each report to its student through the "
                                 "exchange (exchange/feedback/<assignment>/, not listable by students)."),
    fetch: bool = typer.Option(False, "--fetch", help="Student: copy the released report on your latest submission."),
    student: Optional[str] = typer.Option(None, "--student", help="With --fetch: your student id."),
    directory: Path = typer.Option(Path("."), "--dir", help="With --fetch: your release folder (default: here)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Write per-student feedback reports (HTML and Markdown); --release hands them out, --fetch gets yours."""
    if fetch:
        _student.fetch_feedback(assignment=assignment, out=out, student=student, directory=directory,
                                course_dir=course_dir)
        return
    from course.feedback import write_feedback

    if not assignment:
        raise CourseError("name the assignment: course feedback ASSIGNMENT")
    config = _config(course_dir)
    paths = write_feedback(config=config, assignment_id=assignment, out=out)
    typer.echo(f"wrote {len(paths)} report file(s) to {paths[0].parent}")
    if release:
        from course.feedback_exchange import release_feedback

        released = release_feedback(config=config, assignment_id=assignment, reports=paths[0].parent)
        typer.echo(f"released {len(released)} report(s) to {config.exchange_path / 'feedback' / assignment}; "
                   f"students run: course feedback --fetch --student ID")


@app.command()
def export(
    fmt: str = typer.Option("csv", "--format", help="csv (one row per student and assignment) | json (with checks) "
                            "| lms (one row per student with name and e-mail, one column per assignment, for a "
                            "Canvas or Moodle CSV import: match students on e-mail or id; blank = not graded yet)."),
    out: Optional[Path] = typer.Option(None, "--out", help="File to write, its folder created (default: stdout)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Export the final grades (CSV, JSON or an LMS gradebook CSV)."""
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
    student: Optional[str] = typer.Option(None, "--student", help="Student id (with --list: only theirs)."),
    points: Optional[float] = typer.Option(None, "--points", help="Points to add (negative to subtract)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (shown in the student's feedback)."),
    refund: bool = typer.Option(False, "--refund", help="A refund of the late penalty: worth at most the penalty "
                                "(so never more than the maximum after an on-time resubmission); shown as a net penalty."),
    list_: bool = typer.Option(False, "--list", help="List the adjustments (id, student, points, reason)."),
    remove: Optional[int] = typer.Option(None, "--remove", help="Delete the adjustment with this id (see --list)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Adjust a student's points by hand, with a reason; --list and --remove manage them."""
    from course.history import add_adjustment, list_adjustments, remove_adjustment

    config = _config(course_dir)
    if list_:
        rows = list_adjustments(config=config, assignment_id=assignment, student_id=student)
        for r in rows:
            typer.echo(f"{r['id']:>4}  {r['created_at']}  {r['student']:<16} {r['points']:+g}"
                       f"{'  (penalty refund)' if r['refund'] else ''}  {r['reason']}")
        if not rows:
            typer.echo(f"no adjustments on {assignment}")
        return
    if remove is not None:
        r = remove_adjustment(config=config, assignment_id=assignment, adjustment_id=remove)
        typer.echo(f"removed adjustment {r['id']} ({r['student']}, {r['points']:+g}, {r['reason']})")
        return
    if student is None or points is None or reason is None:
        raise CourseError("adjusting needs --student, --points and --reason (or use --list / --remove ID)")
    new_id = add_adjustment(config=config, assignment_id=assignment, student_id=student, points=points,
                            reason=reason, refund=refund)
    typer.echo(f"adjusted {student} on {assignment} by {points:+g} ({reason}); id {new_id}")


@app.command()
def extend(
    assignment: str = typer.Argument(..., help="Assignment id."),
    student: str = typer.Option(..., "--student", help="Student id."),
    days: float = typer.Option(..., "--days", help="Extra days after the due date (0 revokes)."),
    reason: str = typer.Option("", "--reason", help="Why (kept in the gradebook)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Give a student extra days at any time (the latest extend wins over course.toml); lateness is recomputed."""
    from course.history import extend as do_extend

    do_extend(config=_config(course_dir), assignment_id=assignment, student_id=student, days=days, reason=reason)
    typer.echo(f"{student} has {days:g} extra day(s) on {assignment}")


@app.command()
def history(
    assignment: str = typer.Argument(..., help="Assignment id."),
    student: str = typer.Option(..., "--student", help="Student id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """List every grade of a student's submissions (time, status, score, submission); * marks the one that counts."""
    from course.history import grade_history

    rows = grade_history(config=_config(course_dir), assignment_id=assignment, student_id=student)
    if as_json:
        _write_json(rows, "-")
        return
    if not rows:
        typer.echo(f"no grades for {student} on {assignment}")
    for r in rows:
        score = f"{r['score']:g}/{r['max_score']:g}" if r["status"] == "graded" else f"({r['error']})"
        typer.echo(f"{'*' if r['counts'] else ' '} {r['graded_at']}  {r['status']:<10} {score:<12} "
                   f"submission {r['submission']} ({r['content_hash'][:12]}, submitted {r['submitted_at']})")


@app.command()
def stats(
    assignment: str = typer.Argument(..., help="Assignment id."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for index.html and scores.png "
                                       "(default: <course>/stats/<assignment>)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Per-check pass rates, score histogram and most common failures: a table and an HTML page with a plot."""
    from course.stats import write_stats

    table, page = write_stats(config=_config(course_dir), assignment_id=assignment, out=out)
    typer.echo(table)
    typer.echo(f"\nwrote {page}")


@app.command()
def manual(
    assignment: str = typer.Argument(..., help="Assignment id (its rubric items are declared in assignment.toml)."),
    export_to: Optional[Path] = typer.Option(None, "--export", help="Write a grading sheet: one row per student "
                                             "and rubric item, points blank until entered."),
    import_from: Optional[Path] = typer.Option(None, "--import", help="Read a filled-in sheet (all rows or none; "
                                               "points within 0..max; blank points are skipped)."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Grade written answers (rubric items) by hand through a CSV sheet."""
    from course.manual import export_sheet, import_sheet

    if (export_to is None) == (import_from is None):
        raise CourseError("use exactly one of --export SHEET.csv or --import SHEET.csv")
    config = _config(course_dir)
    if export_to is not None:
        n = export_sheet(config=config, assignment_id=assignment, out=export_to)
        typer.echo(f"wrote {n} row(s) to {export_to}")
    else:
        n = import_sheet(config=config, assignment_id=assignment, path=import_from)
        typer.echo(f"stored {n} manual grade(s) for {assignment}")


@app.command()
def demo(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Where to create the demo course (default: a temp dir)."),
    assignment: Optional[str] = typer.Option(None, "--assignment", help="Assignment id (default: the first real one)."),
    sandbox: Optional[str] = typer.Option(None, help="auto | docker | bwrap | none (default: auto)."),
) -> None:
    """Run the whole loop in a temporary course: release, five students, grade, feedback."""
    from course.demo import run_demo

    run_demo(directory=directory, assignment_id=assignment, sandbox=sandbox, echo=typer.echo)


# -- the submission server and its client ---------------------------------------------------------
@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (behind a reverse proxy: keep 127.0.0.1)."),
    port: int = typer.Option(8000, help="TCP port."),
    sandbox: Optional[str] = typer.Option(None, help="Sandbox of grading on submit (default: course.toml)."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Grading jobs run in parallel."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Grade on this Dask scheduler (tcp://HOST:PORT; "
                                          "default: course.toml [grading] cluster; local: this machine)."),
    ssl_keyfile: Optional[Path] = typer.Option(None, "--ssl-keyfile", help="TLS private key (PEM), for uvicorn."),
    ssl_certfile: Optional[Path] = typer.Option(None, "--ssl-certfile", help="TLS certificate (PEM), for uvicorn."),
    course_dir: Optional[Path] = CourseOpt,
) -> None:
    """Run the submission server: students fetch, submit and read feedback with their tokens
    (see docs/server.md)."""
    from course.server import serve as do_serve

    config = _config(course_dir)
    typer.echo(f"serving {config.name} on {'https' if ssl_certfile else 'http'}://{host}:{port}", err=True)
    do_serve(config=config, host=host, port=port, sandbox=sandbox, workers=workers, ssl_keyfile=ssl_keyfile,
             ssl_certfile=ssl_certfile, cluster=cluster)


for _cmd in (_student.login, _student.fetch, _student.status):
    app.command()(_cmd)


@app.command("student-wheel")
def student_wheel(
    out: Path = typer.Option(Path("dist"), "--out", help="Folder for the wheel (default: dist/)."),
) -> None:
    """Build the student wheel (course-kit-student: login, fetch, check, submit, status, feedback; no solutions, no hidden checks)."""
    from course.student_dist import build_student_wheel

    path = build_student_wheel(out=out)
    typer.echo(f"built {path}; students: pip install {path.name}, then `course login --server URL`")


secret_app = typer.Typer(cls=_Group, help="The course secret: seeds of the hidden data.", no_args_is_help=True)
app.add_typer(secret_app, name="secret")


@secret_app.command("init")
def secret_init(course_dir: Optional[Path] = CourseOpt) -> None:
    """Create the course's random secret (.course-secret, mode 0600, git-ignored); never overwrites one."""
    from course.config import find_course_root
    from course.secret import create_secret

    path = create_secret(find_course_root(course_dir))
    typer.echo(f"created {path} (256 random bits, mode 0600, listed in .gitignore); keep a private backup: "
               "the hidden data, and so the grades, cannot be reproduced without it")


cluster_app = typer.Typer(cls=_Group, help="A Dask cluster of grading machines (see docs/cluster.md).",
                          no_args_is_help=True)
app.add_typer(cluster_app, name="cluster")


@cluster_app.command("up")
def cluster_up(
    workers: int = typer.Option(2, "--workers", "-n", min=1, help="Worker processes (each grades one submission at a time)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (default: loopback only)."),
    port: int = typer.Option(8786, min=0, max=65535, help="Scheduler port (0: any free port)."),
) -> None:
    """Start a local Dask cluster (a scheduler and N workers), print its address, run until Ctrl-C."""
    from course.cluster import run_local_cluster

    run_local_cluster(workers=workers, host=host, port=port, echo=typer.echo)


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
