"""``course export`` and ``course gradebook``: final grades as CSV, JSON, LMS CSV or a table.

Numbers in CSV files are written one way: at most 4 decimals, no trailing zeros
(``0``, ``1.5``, ``6``, ``0.3333``).  JSON keeps them as numbers.

``--format lms``: one row per student (``student``, ``name``, ``email``) and one column per
assignment holding the final grade; a blank cell means not graded yet (never a zero), a
missing submission is 0.  Importing it:

- Canvas: Grades > Import; Canvas matches rows on its own student columns, so use
  "SIS Login ID" = ``student`` (or e-mail) and map each assignment column to an assignment.
- Moodle: Grades > Import > CSV file; map "Email address" (``email``) or "username"
  (``student``) to the user, and each assignment column to a grade item.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from course.config import CourseConfig
from course.errors import CourseError
from course.gradebook import final_grades, open_gradebook

COLUMNS = ["student", "assignment", "status", "score", "max_score", "late_days", "penalty", "adjustment", "final",
           "manual", "manual_max", "final_max"]
FORMATS = ("csv", "json", "lms")


def fmt_num(x: float) -> str:
    """A number the one way CSV files and tables show it: ``0``, ``1.5``, ``6``, ``0.3333``."""
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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
                       "score": round(fg.score, 6), "max_score": float(fg.max_score), "late_days": fg.late_days,
                       "penalty": round(fg.penalty, 6), "adjustment": float(fg.adjustment), "final": fg.final,
                       "manual": float(fg.manual), "manual_max": float(fg.manual_max),
                       "final_max": float(fg.final_max)}
                if checks:
                    row["checks"] = [{"id": c.check_id, "status": c.status, "points": c.points,
                                      "max_points": c.max_points} for c in (fg.grade.checks if fg.grade else [])]
                    row["submitted_at"] = fg.submission.submitted.isoformat() if fg.submission else None
                    row["items"] = fg.items
                rows.append(row)
        return rows


def _csv_text(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: fmt_num(v) if isinstance(v, float) else v for k, v in row.items() if k in columns})
    return buf.getvalue()


def lms_rows(*, config: CourseConfig) -> tuple[list[str], list[dict]]:
    """One row per student: student, name, email, then the final grade of each assignment
    (None when not graded yet)."""
    rows = grade_rows(config=config)
    with open_gradebook(config) as book:
        students = book.students()
    assignments = sorted({r["assignment"] for r in rows})
    final = {(r["student"], r["assignment"]): r for r in rows}
    out = []
    for st in students:
        row = {"student": st.id, "name": st.name, "email": st.email}
        for a in assignments:
            r = final.get((st.id, a))
            row[a] = r["final"] if r and r["status"] in ("graded", "missing") else None
        out.append(row)
    return ["student", "name", "email", *assignments], out


def write_atomic(out: Path, text: str) -> None:
    """Write ``out`` (creating its folder) through a temporary file and a rename."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(text)
        tmp.replace(out)
    except OSError as exc:
        raise CourseError(f"cannot write {out}: {exc.strerror}") from exc


def export(*, config: CourseConfig, fmt: str = "csv", out: Path | None = None) -> str:
    """Every final grade as CSV (one row per student and assignment), JSON, or an LMS
    gradebook CSV (one row per student, one column per assignment).

    Writes ``out`` atomically when given (its folder is created); returns the text.
    """
    if fmt not in FORMATS:
        raise CourseError(f"unknown export format {fmt!r}; use {', '.join(FORMATS)}")
    if fmt == "json":
        rows = grade_rows(config=config, checks=True)
        text = json.dumps({"course": config.name, "grades": rows}, indent=2) + "\n"
    elif fmt == "lms":
        columns, rows = lms_rows(config=config)
        text = _csv_text([{k: ("" if v is None else v) for k, v in r.items()} for r in rows], columns)
    else:
        text = _csv_text(grade_rows(config=config), COLUMNS)
    if out is not None:
        write_atomic(Path(out), text)
    return text


def gradebook_table(*, config: CourseConfig, assignment_id: str | None = None) -> str:
    """A plain-text table: per-student detail for one assignment, or the course overview."""
    rows = grade_rows(config=config, assignment_id=assignment_id)
    if not rows:
        return "(gradebook is empty: add students and collect submissions)"
    if assignment_id is not None:
        manual = any(r["manual_max"] for r in rows)
        head = ["student", "status", "score", *(["manual"] if manual else []), "late", "penalty", "adjust", "final"]
        body = [[r["student"], r["status"], f"{fmt_num(r['score'])}/{fmt_num(r['max_score'])}",
                 *([f"{fmt_num(r['manual'])}/{fmt_num(r['manual_max'])}"] if manual else []), f"{r['late_days']}d",
                 fmt_num(r["penalty"]), ("+" if r["adjustment"] > 0 else "") + fmt_num(r["adjustment"])
                 if r["adjustment"] else "", fmt_num(r["final"])]
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
                cells.append(fmt_num(r["final"]) if r["status"] == "graded" else r["status"])
            total = sum(final[(st, a)]["final"] for a in assignments)
            body.append([st, *cells, fmt_num(total)])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in body]
    return "\n".join(lines)
