"""``course grade --junit OUT``: the grading document as JUnit XML, for CI systems.

One ``<testsuite>`` per submission, one ``<testcase>`` per check (a failed check is a
``<failure>``, an error or timeout an ``<error>``, with the student-facing message only); a
submission that could not be graded is one ``<error>`` case.  Text goes through
:func:`grader.text.clean_text` and the XML writer's escaping.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from course.errors import CourseError
from grader.text import clean_text


def _t(value) -> str:
    return clean_text("" if value is None else str(value), limit=5000)


def junit_xml(doc: dict) -> str:
    suites = ET.Element("testsuites", name=_t(doc.get("assignment")))
    for sub in doc.get("submissions", []):
        checks = sub.get("checks", []) if sub.get("status") == "graded" else []
        name = _t(sub.get("student") or sub.get("path"))
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(max(1, len(checks))),
                              failures=str(sum(c["status"] == "failed" for c in checks)),
                              errors=str(sum(c["status"] in ("error", "timeout") for c in checks)
                                         + (sub.get("status") != "graded")))
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="score",
                      value=f"{sub.get('score', 0):g}/{sub.get('max_score', 0):g}")
        if sub.get("status") != "graded":
            case = ET.SubElement(suite, "testcase", classname=name, name="grading")
            ET.SubElement(case, "error", message=_t(sub.get("error") or "not graded"))
            continue
        for c in checks:
            case = ET.SubElement(suite, "testcase", classname=name, name=_t(c["id"].rsplit("::", 1)[-1]))
            if c["status"] == "failed":
                ET.SubElement(case, "failure", message=_t(c.get("message")))
            elif c["status"] in ("error", "timeout"):
                ET.SubElement(case, "error", message=_t(c.get("message")), type=c["status"])
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(doc: dict, out: Path) -> None:
    from course.export import write_atomic

    write_atomic(Path(out), junit_xml(doc))


def below_threshold(doc: dict, fail_under: float) -> list[str]:
    """Submissions scoring under ``fail_under`` percent (or not graded)."""
    if not 0 <= fail_under <= 100:
        raise CourseError(f"--fail-under must be a percentage within 0..100, got {fail_under:g}")
    low = []
    for s in doc.get("submissions", []):
        pct = 100.0 * s.get("score", 0) / s["max_score"] if s.get("max_score") else 0.0
        if s.get("status") != "graded" or pct < fail_under:
            low.append(f"{s.get('student') or s.get('path')}: "
                       + (f"{pct:.0f} %" if s.get("status") == "graded" else "not graded"))
    return low
