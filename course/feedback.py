"""``course feedback``: per-student reports (Markdown and HTML, jinja2).

A report shows each check's name, result, points and the student-facing message the
grader recorded, the score, lateness, penalty and adjustments.  It is built only from the
gradebook, which never holds hidden test source or expected values.
"""
from __future__ import annotations

import re
from pathlib import Path

import jinja2

from course.assignment import load_assignment
from course.config import CourseConfig
from course.errors import CourseError
from course.gradebook import FinalGrade, final_grades, open_gradebook
from grader.text import clean_text

TEMPLATES = Path(__file__).resolve().parent / "templates"


#: Markdown punctuation that could start markup inside a line: escaped with a backslash.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]#|~!])")


def md_text(value) -> str:
    """``value`` as inert Markdown inline text (SECURITY.md item 32).

    One line (whitespace collapsed, so nothing can start a heading, list, quote, table or
    setext underline), control characters escaped (:func:`grader.text.clean_text`),
    ``& < >`` as HTML entities (no raw HTML: ``<script>``, ``<img onerror>``), and the
    punctuation of emphasis, code spans, links, images, tables and headings
    backslash-escaped.  Renders as the literal text.
    """
    text = "" if value is None else clean_text(" ".join(str(value).split()), limit=None, multiline=False)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def _env(autoescape: bool) -> jinja2.Environment:
    """HTML: control characters escaped, then jinja2's autoescape.  Markdown: every
    ``{{ ... }}`` passes :func:`md_text`."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=autoescape,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True, finalize=_html_text if autoescape else md_text)


def _html_text(value):
    return clean_text(value, limit=None) if isinstance(value, str) else value


def check_name(check_id: str) -> str:
    """``hidden/test_trees.py::test_depth[3]`` -> ``test_depth[3]``: no paths in reports."""
    return check_id.rsplit("::", 1)[-1]


def report_context(fg: FinalGrade, *, title: str, course_name: str, config: CourseConfig) -> dict:
    checks = []
    if fg.grade is not None:
        for c in fg.grade.checks:
            checks.append({"name": check_name(c.check_id), "status": c.status, "points": c.points,
                           "max_points": c.max_points, "message": c.message})
    sub = fg.submission
    base = (fg.score if fg.status == "graded" else 0.0) + fg.manual
    # a refunded penalty is shown net, never next to its refund
    percent = 100 * fg.late_fraction if not fg.refund else (100 * fg.penalty / base if base else 0.0)
    return {
        "course": course_name, "assignment": fg.assignment_id, "title": title, "student": fg.student_id,
        "status": fg.status, "score": fg.score, "max_score": fg.max_score, "final": fg.final,
        "final_max": fg.final_max, "manual": fg.manual, "items": fg.items,
        "late_days": fg.late_days, "penalty": fg.penalty, "penalty_percent": round(percent, 2),
        "waived": "; ".join(fg.refund_reasons) if fg.refund else "",
        "adjustment": fg.adjustment, "reasons": fg.reasons, "checks": checks,
        "error": fg.grade.error if fg.grade else None,
        "submitted_at": f"{sub.submitted_at:%Y-%m-%d %H:%M:%S} UTC" if sub else None,
        "content_hash": sub.content_hash[:12] if sub else None,
    }


def write_feedback(*, config: CourseConfig, assignment_id: str, out: Path | None = None) -> list[Path]:
    """Write ``<out>/<student>.md`` and ``<student>.html`` for every student with a submission.

    Default ``out``: ``<course>/feedback/<assignment>``.  Returns the files written.
    """
    asg = load_assignment(config, assignment_id)
    out = Path(out) if out else config.root / "feedback" / asg.id
    with open_gradebook(config) as book:
        rows = [fg for fg in final_grades(book, config, asg.id) if fg.submission is not None]
    if not rows:
        raise CourseError(f"no collected submissions for {asg.id!r}; nothing to report")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CourseError(f"cannot create {out}: {exc.strerror}") from exc
    md, html = _env(False).get_template("feedback.md.j2"), _env(True).get_template("feedback.html.j2")
    written = []
    for fg in rows:
        ctx = report_context(fg, title=asg.title, course_name=config.name, config=config)
        for template, suffix in ((md, ".md"), (html, ".html")):
            path = out / f"{fg.student_id}{suffix}"
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(template.render(**ctx), encoding="utf-8")
            tmp.replace(path)
            written.append(path)
    return written
