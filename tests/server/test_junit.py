"""``course grade --junit OUT`` and ``--fail-under``."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from typer.testing import CliRunner

import cli
from tests.course.conftest import fake_grade_submissions

DOC = {"assignment": "toy", "submissions": [
    {"path": "a", "status": "graded", "score": 2.0, "max_score": 6.0, "error": None, "checks": [
        {"id": "hidden/t.py::test_ok", "status": "passed", "points": 2, "max_points": 2, "message": ""},
        {"id": "hidden/t.py::test_bad", "status": "failed", "points": 0, "max_points": 3,
         "message": "<b>wrong</b> \x00 ]]>"},
        {"id": "hidden/t.py::test_slow", "status": "timeout", "points": 0, "max_points": 1, "message": "too slow"}]},
    {"path": "b", "status": "not_graded", "score": 0.0, "max_score": 6.0, "error": "docker down", "checks": []}]}


def test_junit_xml_counts_and_escapes():
    from course.junit import below_threshold, junit_xml

    root = ET.fromstring(junit_xml(DOC).split("?>", 1)[1])
    a, b = root.findall("testsuite")
    assert (a.get("tests"), a.get("failures"), a.get("errors")) == ("3", "1", "1")
    assert a.find("testcase[@name='test_bad']/failure").get("message") == "<b>wrong</b> \\x00 ]]>"
    assert b.find("testcase/error").get("message") == "docker down"
    assert below_threshold(DOC, 30) == ["b: not graded"]
    assert below_threshold(DOC, 50) == ["a: 33 %", "b: not graded"]


def test_course_grade_junit_and_fail_under(tmp_path, monkeypatch):
    import course.grading
    from course.release import release
    from tests.server.conftest import make_course
    from course.config import load_config
    from course.secret import SECRET_ENV

    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setattr(course.grading, "_grade_submissions", fake_grade_submissions)
    config = load_config(make_course(tmp_path, "", on_submit="none"))
    stub = release(config=config, assignment_id="toy", out=tmp_path / "stub")
    sol = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True)
    run = CliRunner().invoke
    out = tmp_path / "r.xml"
    ok = run(cli.app, ["grade", "toy", str(sol), "--junit", str(out), "--fail-under", "90", "--course", str(config.root)])
    assert ok.exit_code == 0, ok.output
    assert ET.parse(out).getroot().find("testsuite").get("failures") == "0"
    low = run(cli.app, ["grade", "toy", str(sol), str(stub), "--fail-under", "90", "--course", str(config.root)])
    assert low.exit_code == 2 and "below 90 %" in low.output
    bad = run(cli.app, ["grade", "toy", str(sol), "--fail-under", "150", "--course", str(config.root)])
    assert bad.exit_code == 1 and "error: --fail-under must be a percentage" in bad.output
