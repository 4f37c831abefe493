"""``course export`` and ``course gradebook``: final grades as CSV, JSON or a table."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from course.config import CourseConfig
from course.errors import CourseError
from course.gradebook import final_grades, open_gradebook

COLUMNS = ["student", "assignment", "status", "score", "max_score", "late_days", "penalty", "adjustment", "final"]


def grade_rows(*, config: CourseConfig, assignment_id: str | None = None, checks: bool = False) -> list[dict]:
    """One row per (student on the roster, assignment with collected submissions)."""
    with open_gradebook(config) as book:
        ids = [a.id for a in book.assignments()]
        if assignment_id is not None:
            if assignment_id not in ids:
                raise CourseError(f"no collected submissions for assignment {assignment_id!r}")
            ids = [assignment_id]
        rows = []
        for aid in ids:
            for fg in final_grades(book, config, aid):
                row = {"student": fg.student_id, "assignment": aid, "status": fg.status,
                       "score": round(fg.score, 6), "max_score": fg.max_score, "late_days": fg.late_days,
                       "penalty": round(fg.penalty, 6), "adjustment": fg.adjustment, "final": fg.final}
                if checks:
                    row["checks"] = [{"id": c.check_id, "status": c.status, "points": c.points,
                                      "max_points": c.max_points} for c in (fg.grade.checks if fg.grade else [])]
                    row["submitted_at"] = fg.submission.submitted.isoformat() if fg.submission else None
                rows.append(row)
        return rows


def export(*, config: CourseConfig, fmt: str = "csv", out: Path | None = None) -> str:
    """Every final grade as CSV (one row per student and assignment) or JSON.

    Writes ``out`` atomically when given; returns the text.
    """
    if fmt not in ("csv", "json"):
        raise CourseError(f"unknown export format {fmt!r}; use csv or json")
    rows = grade_rows(config=config, checks=fmt == "json")
    if fmt == "json":
        text = json.dumps({"course": config.name, "grades": rows}, indent=2) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    if out is not None:
        out = Path(out)
        try:
            tmp = out.with_name(f".{out.name}.tmp")
            tmp.write_text(text)
            tmp.replace(out)
        except OSError as exc:
            raise CourseError(f"cannot write {out}: {exc.strerror}") from exc
    return text


def gradebook_table(*, config: CourseConfig, assignment_id: str | None = None) -> str:
    """A plain-text table: per-student detail for one assignment, or the course overview."""
    rows = grade_rows(config=config, assignment_id=assignment_id)
    if not rows:
        return "(gradebook is empty: add students and collect submissions)"
    if assignment_id is not None:
        head = ["student", "status", "score", "late", "penalty", "adjust", "final"]
        body = [[r["student"], r["status"], f"{r['score']:g}/{r['max_score']:g}", f"{r['late_days']}d",
                 f"{r['penalty']:g}", f"{r['adjustment']:+g}" if r["adjustment"] else "", f"{r['final']:g}"]
                for r in rows]
    else:
        assignments = sorted({r["assignment"] for r in rows})
        students = sorted({r["student"] for r in rows})
        final = {(r["student"], r["assignment"]): r for r in rows}
        head = ["student", *assignments, "total"]
        body = []
        for st in students:
            cells = []
            for a in assignments:
                r = final[(st, a)]
                cells.append(f"{r['final']:g}" if r["status"] == "graded" else r["status"])
            total = sum(final[(st, a)]["final"] for a in assignments)
            body.append([st, *cells, f"{total:g}"])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in body]
    return "\n".join(lines)
