"""The whole lecturer path from an empty folder outside the repository (issue 10).

init -> new -> validate -> add trees -> release -> submit -> collect -> grade -> extend ->
regrade -> manual import -> stats -> export lms -> feedback release (and a student fetches).
Everything goes through the CLI, as a lecturer would type it; grading uses the unsandboxed
``none`` backend to keep this workflow test fast (the sandboxes have tests of their own).
"""
from __future__ import annotations

import csv
import io
import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(cli.app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def test_lecturer_path_from_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_SECRET", raising=False)
    root = tmp_path / "astro101"
    monkeypatch.chdir(tmp_path)

    # init: config, secret (0600, git-ignored), example assignment
    out = run("init", root, "--name", "Astro 101").output
    assert "created course" in out
    secret = root / ".course-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert ".course-secret" in (root / ".gitignore").read_text().split()
    assert secret.read_text().strip() not in out
    monkeypatch.chdir(root)

    # new + validate: the scaffold and the example are ready to hand out
    run("new", "k-means", "--title", "k-means on galaxy colours")
    for asg in ("example", "k-means"):
        assert "valid" in run("validate", asg, "--sandbox", "none", "--seeds", "2").output.splitlines()[-1]

    # add trees (self-contained), release it
    run("add", "trees")
    assert not (root / "reference").exists()
    toml = root / "assignments" / "trees" / "assignment.toml"
    toml.write_text(toml.read_text() + '\n[[rubric]]\nid = "q1"\npoints = 2\nprompt = "Why does M500 dominate?"\n')
    due = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0)
    cfg = root / "course.toml"
    cfg.write_text(cfg.read_text().replace("[due]", f'[due]\ntrees = {due.strftime("%Y-%m-%dT%H:%M:%SZ")}'))
    cfg.write_text(cfg.read_text().replace('sandbox = "auto"', 'sandbox = "none"'))
    run("release", "trees", "--out", root / "release" / "trees")
    run("release", "trees", "--out", tmp_path / "solution", "--solution")
    run("roster", "add", "ada", "--name", "Ada L.", "--email", "ada@uni.example")
    run("roster", "add", "bo", "--name", "Bo K.", "--email", "bo@uni.example")

    # students submit (ada the solution, one day late; bo the stub), the lecturer collects and grades
    run("submit", "--student", "ada", "--dir", tmp_path / "solution")
    run("submit", "--student", "bo", "--dir", root / "release" / "trees")
    assert "2 new, 0 already collected, 0 rejected" in run("collect", "trees").output
    run("grade", "trees")
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(run("export", "--format", "csv").output))}
    full = float(rows["ada"]["score"])
    assert full > 0 and float(rows["ada"]["final"]) < full  # late: penalised
    assert float(rows["bo"]["score"]) == 0.0

    # extend after collect: lateness is recomputed; a regrade keeps the history
    run("extend", "trees", "--student", "ada", "--days", "3", "--reason", "illness")
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(run("export", "--format", "csv").output))}
    assert float(rows["ada"]["final"]) == full
    run("grade", "trees", "--regrade", "--student", "ada")
    history = run("history", "trees", "--student", "ada").output
    assert len([line for line in history.splitlines() if "graded" in line]) >= 2

    # written answers through the sheet
    sheet = tmp_path / "sheet.csv"
    run("manual", "trees", "--export", sheet)
    filled = [r for r in csv.DictReader(sheet.open())]
    for r in filled:  # ada: full points on every written answer; bo: half
        r["points"] = r["max_points"] if r["student"] == "ada" else str(float(r["max_points"]) / 2)
    manual_total = sum(float(r["max_points"]) for r in filled if r["student"] == "ada")
    assert manual_total >= 2  # the kit's rubric items plus q1
    with sheet.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(filled[0]))
        writer.writeheader()
        writer.writerows(filled)
    run("manual", "trees", "--import", sheet)

    # stats, the LMS export, feedback released to students
    run("stats", "trees")
    assert (root / "stats" / "trees" / "index.html").is_file() and (root / "stats" / "trees" / "scores.png").is_file()
    lms = root / "export" / "lms.csv"
    run("export", "--format", "lms", "--out", lms)
    table = list(csv.DictReader(lms.open()))
    ada = next(r for r in table if r["student"] == "ada")
    assert ada["email"] == "ada@uni.example"
    trees_col = next(k for k in ada if k.startswith("trees"))
    assert float(ada[trees_col]) == pytest.approx(full + manual_total)
    run("feedback", "trees", "--release")
    fetched = run("feedback", "--fetch", "--student", "ada", "--dir", tmp_path / "solution").output
    reports = list((tmp_path / "solution" / "feedback").glob("*.md"))
    assert reports, fetched
    assert "ada" in reports[0].read_text()
    assert os.environ.get("COURSE_SECRET") is None
