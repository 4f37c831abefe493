"""After the deadline: regrades with history, extensions at any time, final-grade clamping,
roster removal, adjustment log, stats, LMS export, feedback release, manual rubric points,
config validation and the migration of old gradebooks (issue 10)."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest

from cli import app
from cli_helpers import fails, run
from course.config import load_config
import course.exchange
from course.exchange import collect, ensure_inbox
from course.release import release

DUE = datetime(2030, 1, 1, tzinfo=timezone.utc)
#: inbox file name -> the simulated time it was received (a trusted test clock)
RECEIVED: dict[str, datetime] = {}


def submit(**kwargs):
    """course.exchange.submit at a simulated time, which collect's kernel clock then reports."""
    result = course.exchange.submit(**kwargs)
    RECEIVED[Path(result["path"]).name] = kwargs["now"]
    return result


@pytest.fixture(autouse=True)
def simulated_clock(monkeypatch):
    real = course.exchange.kernel_time
    monkeypatch.setattr(course.exchange, "kernel_time", lambda path, st: RECEIVED.get(path.name) or real(path, st))


@pytest.fixture
def work(course_root, tmp_path):
    """alice (solution), bob (stub) on the roster; released folders to submit from."""
    run("roster", "add", "alice", "--name", "Alice A", "--email", "alice@uni.example", "--course", course_root)
    run("roster", "add", "bob", "--name", "Bob B", "--course", course_root)
    config = load_config(course_root)
    dirs = {"stub": release(config=config, assignment_id="toy", out=tmp_path / "stub"),
            "sol": release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)}
    ensure_inbox(config.exchange_path, "toy")
    return course_root, dirs


def hand_in(root, student, directory, when):
    submit(assignment_id="toy", student_id=student, directory=directory, now=when)
    collect(config=load_config(root), assignment_id="toy")


def rows(root, *extra):
    return {r["student"]: r for r in csv.DictReader(io.StringIO(run("export", *extra, "--course", root).output))}


# -- regrade and grade history ------------------------------------------------------------------
def test_regrade_from_the_cli_keeps_every_grade(work, fake_engine, monkeypatch):
    import course.grading

    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    hand_in(root, "bob", dirs["stub"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    assert "graded 1 submission(s), 0 not graded, 0 already graded" in run(
        "grade", "toy", "--regrade", "--student", "alice", "--course", root).output

    def broken(spec, paths, *, sandbox, workers, progress):
        r = [{"path": str(p), "status": "not_graded", "score": 0.0, "max_score": 0.0, "error": "no docker",
              "checks": []} for p in paths]
        for x in r:
            progress(x)
        return {"assignment": spec.assignment, "submissions": r}

    monkeypatch.setattr(course.grading, "_grade_submissions", broken)
    run("grade", "toy", "--regrade", "--course", root)
    lines = run("history", "toy", "--student", "alice", "--course", root).output.splitlines()
    assert [ln[2:].split()[2] for ln in lines] == ["graded", "graded", "not_graded"]
    assert [ln.startswith("*") for ln in lines] == [False, True, False]  # the latest graded one counts
    assert rows(root)["alice"]["final"] == "6"  # the infrastructure failure hid nothing
    hist = json.loads(run("history", "toy", "--student", "alice", "--json", "--course", root).output)
    assert len({h["submission"] for h in hist}) == 1 and hist[1]["counts"]
    fails("grade", "toy", "--regrade", "--student", "ghost", "--course", root, match="no collected submission")
    fails("history", "toy", "--student", "ghost", "--course", root, match="unknown student 'ghost'")


def test_old_gradebook_with_one_grade_per_submission_is_migrated(work, fake_engine):
    """A gradebook made before grade history (UNIQUE submission_id) keeps its data and can regrade."""
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    db = root / "gradebook.sqlite"
    con = sqlite3.connect(db)  # rebuild grades and adjustments exactly as the old schema had them
    con.executescript("""
        PRAGMA foreign_keys=OFF;
        CREATE TABLE g_old (id INTEGER NOT NULL, submission_id INTEGER NOT NULL, status VARCHAR(16) NOT NULL,
            score FLOAT NOT NULL, max_score FLOAT NOT NULL, error TEXT, graded_at DATETIME NOT NULL,
            PRIMARY KEY (id), UNIQUE (submission_id), FOREIGN KEY(submission_id) REFERENCES submissions (id));
        INSERT INTO g_old SELECT id, submission_id, status, score, max_score, error, graded_at FROM grades;
        DROP TABLE grades; ALTER TABLE g_old RENAME TO grades;
        CREATE TABLE a_old (id INTEGER NOT NULL, student_id VARCHAR(64) NOT NULL, assignment_id VARCHAR(64) NOT NULL,
            points FLOAT NOT NULL, reason TEXT NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id));
        INSERT INTO a_old VALUES (1, 'alice', 'toy', -1, 'late README', '2029-12-30 00:00:00');
        DROP TABLE adjustments; ALTER TABLE a_old RENAME TO adjustments;
    """)
    con.commit()
    assert "UNIQUE (submission_id)" in con.execute("SELECT sql FROM sqlite_master WHERE name='grades'").fetchone()[0]
    con.close()
    assert rows(root)["alice"]["final"] == "5"  # old grade and adjustment still there
    assert (root / "gradebook.sqlite.bak-before-history").is_file()
    con = sqlite3.connect(db)
    assert "UNIQUE" not in con.execute("SELECT sql FROM sqlite_master WHERE name='grades'").fetchone()[0]
    con.close()
    run("grade", "toy", "--regrade", "--course", root)
    assert len(run("history", "toy", "--student", "alice", "--course", root).output.splitlines()) == 2


# -- lateness, extensions, final grade ----------------------------------------------------------------
def test_extension_after_collect_changes_the_lateness(work, fake_engine):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE + timedelta(hours=36))
    run("grade", "toy", "--course", root)
    assert (rows(root)["alice"]["late_days"], rows(root)["alice"]["final"]) == ("2", "3")  # 2 x 25 % of 6
    run("extend", "toy", "--student", "alice", "--days", "2", "--reason", "illness", "--course", root)
    assert (rows(root)["alice"]["late_days"], rows(root)["alice"]["final"]) == ("0", "6")
    run("extend", "toy", "--student", "alice", "--days", "1", "--course", root)  # the latest counts
    assert rows(root)["alice"]["late_days"] == "1"
    fails("extend", "toy", "--student", "ghost", "--days", "1", "--course", root, match="unknown student")
    fails("extend", "toy", "--student", "alice", "--days", "-1", "--course", root, match="must be a number >= 0")


def test_refund_then_on_time_resubmission_never_exceeds_the_maximum(work, fake_engine, tmp_path):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE + timedelta(hours=36))
    hand_in(root, "bob", dirs["sol"], DUE + timedelta(hours=36))
    run("grade", "toy", "--course", root)
    run("adjust", "toy", "--student", "alice", "--points", "3", "--reason", "late penalty waived", "--refund",
        "--course", root)
    run("adjust", "toy", "--student", "bob", "--points", "3", "--reason", "make up for the penalty", "--course", root)
    assert rows(root)["alice"]["final"] == "6" and rows(root)["alice"]["penalty"] == "0"
    (dirs["sol"] / "toy.py").write_text((dirs["sol"] / "toy.py").read_text() + "\n# resubmitted\n")
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(hours=1))
    hand_in(root, "bob", dirs["sol"], DUE - timedelta(hours=2))
    run("grade", "toy", "--course", root)
    got = rows(root)
    assert (got["alice"]["final"], got["bob"]["final"]) == ("6", "6")  # was 9 / 6 before the clamp
    assert got["alice"]["adjustment"] == "0"  # a refund is capped at the (now zero) penalty


def test_bonus_points_may_exceed_the_maximum_when_declared(work, fake_engine):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    run("adjust", "toy", "--student", "alice", "--points", "2", "--reason", "extra plot", "--course", root)
    assert rows(root)["alice"]["final"] == "6"
    toml = root / "assignments" / "toy" / "assignment.toml"
    toml.write_text("max_bonus = 1\n" + toml.read_text())
    assert rows(root)["alice"]["final"] == "7"


def test_missing_student_shows_the_current_maximum(work, fake_engine):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    hidden = root / "assignments" / "toy" / "hidden" / "test_hidden.py"
    hidden.write_text(hidden.read_text().replace("@pytest.mark.points(2)", "@pytest.mark.points(4)"))
    assert rows(root)["bob"]["status"] == "missing" and rows(root)["bob"]["max_score"] == "8"


def test_feedback_shows_the_net_penalty_not_the_penalty_next_to_its_refund(work, fake_engine, tmp_path):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE + timedelta(hours=36))
    run("grade", "toy", "--course", root)
    run("adjust", "toy", "--student", "alice", "--points", "1.5", "--reason", "half the penalty waived",
        "--refund", "--course", root)
    run("feedback", "toy", "--out", tmp_path / "fb", "--course", root)
    md = (tmp_path / "fb" / "alice.md").read_text()
    assert "**Score: 4.5 / 6**" in md and "late penalty -1.5" in md and "25 % penalty" in md
    assert "adjustment" not in md.lower() and "-3" not in md and "50 %" not in md
    run("adjust", "toy", "--student", "alice", "--points", "1.5", "--reason", "all waived", "--refund",
        "--course", root)
    run("feedback", "toy", "--out", tmp_path / "fb", "--course", root)
    md = (tmp_path / "fb" / "alice.md").read_text()
    assert "**Score: 6 / 6**" in md and "penalty waived" in md and "late penalty" not in md


# -- collect, export -----------------------------------------------------------------------------------
def test_identical_files_warning_reflects_only_the_latest_submissions(work, tmp_path):
    root, dirs = work
    for sid in ("alice", "bob"):
        submit(assignment_id="toy", student_id=sid, directory=dirs["sol"], now=DUE - timedelta(days=2))
    assert "identical files submitted by alice, bob" in run("collect", "toy", "--course", root).stderr
    (dirs["sol"] / "toy.py").write_text((dirs["sol"] / "toy.py").read_text() + "\n# bob's own\n")
    submit(assignment_id="toy", student_id="bob", directory=dirs["sol"], now=DUE - timedelta(days=1))
    assert "identical files" not in run("collect", "toy", "--course", root).stderr


def test_export_creates_its_folder_and_formats_numbers_one_way(work, fake_engine, tmp_path):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    run("export", "--out", root / "export" / "grades.csv", "--course", root)
    text = (root / "export" / "grades.csv").read_text()
    assert ".0," not in text and not any(line.endswith(".0") for line in text.splitlines())
    run("export", "--format", "lms", "--out", root / "export" / "lms" / "canvas.csv", "--course", root)
    lms = list(csv.reader((root / "export" / "lms" / "canvas.csv").open()))
    assert lms == [["student", "name", "email", "toy"], ["alice", "Alice A", "alice@uni.example", "6"],
                   ["bob", "Bob B", "", "0"]]


def test_lms_export_leaves_not_graded_blank(work, fake_engine):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))  # collected, not graded yet
    lms = list(csv.reader(io.StringIO(run("export", "--format", "lms", "--course", root).output)))
    assert lms[1] == ["alice", "Alice A", "alice@uni.example", ""]


# -- roster remove, adjust --list/--remove --------------------------------------------------------------
def test_roster_remove_refuses_with_submissions_unless_forced(work, fake_engine):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    fails("roster", "remove", "alice", "--course", root, match="has 1 submission(s); `--force`")
    assert "removed bob" == run("roster", "remove", "bob", "--course", root).output.strip()
    out = run("roster", "remove", "alice", "--force", "--course", root).output
    assert "removed alice and their 1 submissions, 1 grades" in out
    assert json.loads(run("roster", "list", "--json", "--course", root).output) == []
    fails("roster", "remove", "alice", "--course", root, match="unknown student 'alice'")


def test_adjust_list_and_remove(work, fake_engine):
    root, dirs = work
    hand_in(root, "bob", dirs["stub"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    out = run("adjust", "toy", "--student", "bob", "--points", "2", "--reason", "good README", "--course", root).output
    adj_id = out.strip().rsplit("id ", 1)[1]
    listed = run("adjust", "toy", "--list", "--course", root).output
    assert "bob" in listed and "+2" in listed and "good README" in listed
    assert rows(root)["bob"]["final"] == "2"
    run("adjust", "toy", "--remove", adj_id, "--course", root)
    assert rows(root)["bob"]["final"] == "0"
    assert "no adjustments" in run("adjust", "toy", "--list", "--course", root).output
    fails("adjust", "toy", "--remove", adj_id, "--course", root, match=f"no adjustment with id {adj_id}")
    fails("adjust", "toy", "--student", "bob", "--course", root, match="needs --student, --points and --reason")
    fails("adjust", "toy", "--student", "bob", "--points", "-1", "--reason", "x", "--refund", "--course", root,
          match="must be positive")


# -- stats ---------------------------------------------------------------------------------------------------
def test_stats_table_and_html_page_with_a_plot(work, fake_engine, tmp_path):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    hand_in(root, "bob", dirs["stub"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    out = run("stats", "toy", "--out", tmp_path / "st", "--course", root).output
    assert "2 graded submission(s)" in out
    rate = next(ln for ln in out.splitlines() if ln.rstrip().endswith("test_mean"))
    assert rate.split()[:2] == ["50%", "1/2"]
    assert "1x  test_mean: test_mean failed: see the docstring" in out
    page = (tmp_path / "st" / "index.html").read_text()
    assert 'src="scores.png"' in page and "test_predicts_mean" in page
    assert (tmp_path / "st" / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run("stats", "toy", "--course", root)
    assert (root / "stats" / "toy" / "index.html").is_file()
    fails("stats", "nope", "--course", root, match="unknown assignment")


def test_stats_without_grades_is_a_clear_error(work):
    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    fails("stats", "toy", "--course", root, match="no graded submissions")


# -- feedback release and fetch ------------------------------------------------------------------------------
def test_feedback_release_and_fetch(work, fake_engine, tmp_path):
    import stat

    root, dirs = work
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    hand_in(root, "bob", dirs["stub"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    out = run("feedback", "toy", "--release", "--course", root).output
    assert "released 2 report(s)" in out
    shared = root / "exchange" / "feedback" / "toy"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o711 and stat.S_IMODE(shared.parent.stat().st_mode) == 0o711
    got = run("feedback", "--fetch", "--student", "alice", "--dir", dirs["sol"]).output
    assert "fetched" in got and "Score: 6 / 6" in (dirs["sol"] / "feedback" / "toy-report.md").read_text()
    fails("feedback", "--fetch", "--student", "alice", "--dir", dirs["stub"], match="no feedback released for alice")
    fails("feedback", "--fetch", "--dir", dirs["sol"], match="--fetch needs --student")


# -- manual rubric points --------------------------------------------------------------------------------
RUBRIC = '\n[[rubric]]\nid = "q1"\npoints = 2\nprompt = "Why standardise?"\n\n[[rubric]]\nid = "q2"\npoints = 1\n'


def test_manual_sheet_export_import_and_final_grade(work, fake_engine, tmp_path):
    root, dirs = work
    fails("manual", "toy", "--export", tmp_path / "s.csv", "--course", root, match="has no [[rubric]] items")
    toml = root / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + RUBRIC)
    hand_in(root, "alice", dirs["sol"], DUE - timedelta(days=1))
    run("grade", "toy", "--course", root)
    run("manual", "toy", "--export", tmp_path / "sheets" / "s.csv", "--course", root)
    sheet = list(csv.DictReader((tmp_path / "sheets" / "s.csv").open()))
    assert [(r["student"], r["item"], r["max_points"], r["points"]) for r in sheet] == [
        ("alice", "q1", "2", ""), ("alice", "q2", "1", ""), ("bob", "q1", "2", ""), ("bob", "q2", "1", "")]
    bad = tmp_path / "bad.csv"
    bad.write_text("student,item,points\nalice,q1,1\nalice,q1b,1\n")
    fails("manual", "toy", "--import", bad, "--course", root, match="bad.csv:3: unknown rubric item 'q1b'")
    bad.write_text("student,item,points\nalice,q1,1\nalice,q2,1.5\n")
    fails("manual", "toy", "--import", bad, "--course", root, match="bad.csv:3: points for q2 must be within 0..1")
    bad.write_text("student,item,points\nmallory,q1,1\n")
    fails("manual", "toy", "--import", bad, "--course", root, match="bad.csv:2: unknown student 'mallory'")
    assert rows(root)["alice"]["manual"] == "0"  # nothing half-imported
    sheet[0]["points"], sheet[0]["comment"], sheet[2]["points"] = "1.5", "clear", "2"
    good = tmp_path / "good.csv"
    with good.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(sheet[0]))
        w.writeheader()
        w.writerows(sheet)
    assert "stored 2 manual grade(s)" in run("manual", "toy", "--import", good, "--course", root).output
    got = rows(root)
    assert (got["alice"]["final"], got["alice"]["manual"], got["alice"]["final_max"]) == ("7.5", "1.5", "9")
    assert got["bob"]["final"] == "2"  # written answers count even without a submission
    table = run("gradebook", "toy", "--course", root).output
    assert table.splitlines()[0].split()[3] == "manual" and "1.5/3" in table
    run("feedback", "toy", "--out", tmp_path / "fb", "--course", root)
    md = (tmp_path / "fb" / "alice.md").read_text()
    assert "**q1** (Why standardise?): 1.5 / 2: clear" in md and "**q2**: not graded yet" in md
    assert "**Score: 7.5 / 9**" in md
    fails("manual", "toy", "--course", root, match="exactly one of --export")


def test_rubric_definition_errors(work):
    root, _ = work
    toml = root / "assignments" / "toy" / "assignment.toml"
    base = toml.read_text()
    toml.write_text(base + '\n[[rubric]]\nid = "q1"\npoints = -1\n')
    fails("assignments", "--course", root, match="rubric[0].points must be a number > 0")
    toml.write_text(base + '\n[[rubric]]\nid = "q1"\npoints = 1\nmax = 3\n')
    fails("assignments", "--course", root, match="rubric[0]: unknown key(s) max")


# -- config validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("workers = 2", "workers = 2\nnmae = \"x\""), "course.toml: unknown key course.nmae"),
    (lambda t: t.replace("workers = 2", "workers = \"two\""), "course.workers must be an integer, got 'two'"),
    (lambda t: t.replace("cutoff_days = 3", "cutoff_days = 3\nper_dya = 0.1"), "unknown key late.per_dya"),
    (lambda t: t.replace("toy = 2030-01-01T00:00:00Z", "toy = 2030-01-01T00:00:00Z\ntoyy = 2030-01-01T00:00:00Z"),
     "due.toyy: no assignment 'toyy' (known: toy)"),
    (lambda t: t + "\n[extensions.nope]\nalice = 1\n", "extensions.nope: no assignment 'nope'"),
    (lambda t: t.replace("carol = 2", "carol = \"two\""), "extensions.toy.carol must be a number of days >= 0"),
])
def test_config_validation_names_the_file_and_key(course_root, edit, message):
    toml = course_root / "course.toml"
    toml.write_text(edit(toml.read_text()))
    result = fails("assignments", "--course", course_root, match=message)
    assert str(toml) in result.stderr


def test_config_validation_reports_every_problem_at_once(course_root):
    toml = course_root / "course.toml"
    toml.write_text(toml.read_text().replace("workers = 2", "workers = 2\nfoo = 1\nbar = 2"))
    fails("assignments", "--course", course_root, match="unknown key course.foo (known: name")
    err = run("assignments", "--course", course_root, ok=False).stderr
    assert "course.bar" in err and len(err.strip().splitlines()) == 1


def test_help_lists_the_new_commands():
    out = run("--help").output
    for cmd in ("history", "extend", "stats", "manual"):
        assert cmd in out
    assert "remove" in run("roster", "--help").output
