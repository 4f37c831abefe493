"""``course manual``: written answers graded by hand through a sheet (CSV).

``--export sheet.csv`` writes one row per student on the roster and rubric item
(``student, item, max_points, points, comment, prompt``); ``points`` is blank unless already
entered.  ``--import sheet.csv`` reads it back: every row is validated first (known student,
known item, points a number within 0..max_points; errors name the line) and all rows are
stored in one transaction.  A blank ``points`` cell leaves that item as it was.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from course.config import CourseConfig
from course.errors import CourseError

SHEET_COLUMNS = ["student", "item", "max_points", "points", "comment", "prompt"]


def _rubric(config: CourseConfig, assignment_id: str):
    from course.assignment import load_assignment

    asg = load_assignment(config, assignment_id)
    if not asg.rubric:
        raise CourseError(f"assignment {asg.id!r} has no [[rubric]] items in its assignment.toml")
    return asg


def export_sheet(*, config: CourseConfig, assignment_id: str, out: Path) -> int:
    """Write the grading sheet; returns the number of rows."""
    from course.export import fmt_num, write_atomic
    from course.gradebook import open_gradebook

    asg = _rubric(config, assignment_id)
    with open_gradebook(config) as book:
        students = book.students()
        have = {(m.student_id, m.item_id): m for m in book.manual_points(asg.id)}
    if not students:
        raise CourseError("the roster is empty; add students with `course roster add` or `course roster import`")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SHEET_COLUMNS)
    for st in students:
        for item in asg.rubric:
            m = have.get((st.id, item.id))
            writer.writerow([st.id, item.id, fmt_num(item.points), fmt_num(m.points) if m else "",
                             m.comment if m else "", item.prompt])
    write_atomic(Path(out), buf.getvalue())
    return len(students) * len(asg.rubric)


def import_sheet(*, config: CourseConfig, assignment_id: str, path: Path) -> int:
    """Store the points of a filled-in sheet (all rows or none); returns the rows stored."""
    from sqlalchemy import select

    from course.catalog import count_points
    from course.gradebook import ManualPoints, _naive, open_gradebook, utcnow

    asg = _rubric(config, assignment_id)
    items = {i.id: i for i in asg.rubric}
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"sheet {path} does not exist")
    with open_gradebook(config) as book:
        roster = {s.id for s in book.students()}
        entries = []
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in ("student", "item", "points") if c not in (reader.fieldnames or [])]
                if missing:
                    raise CourseError(f"{path}:1: missing column(s) {', '.join(missing)}; export a sheet first")
                seen = set()
                for n, row in enumerate(reader, start=2):
                    sid, iid = (row.get("student") or "").strip(), (row.get("item") or "").strip()
                    text = (row.get("points") or "").strip()
                    if sid not in roster:
                        raise CourseError(f"{path}:{n}: unknown student {sid!r}")
                    if iid not in items:
                        raise CourseError(f"{path}:{n}: unknown rubric item {iid!r}; known: {', '.join(items)}")
                    if (sid, iid) in seen:
                        raise CourseError(f"{path}:{n}: {sid} / {iid} appears twice")
                    seen.add((sid, iid))
                    if not text:
                        continue
                    try:
                        pts = float(text)
                    except ValueError:
                        raise CourseError(f"{path}:{n}: points must be a number, got {text!r}") from None
                    if not math.isfinite(pts) or not 0 <= pts <= items[iid].points:
                        raise CourseError(f"{path}:{n}: points for {iid} must be within 0..{items[iid].points:g}, "
                                          f"got {text}")
                    entries.append((sid, iid, pts, (row.get("comment") or "").strip()))
        except UnicodeDecodeError:
            raise CourseError(f"{path}: not a UTF-8 CSV file") from None
        except csv.Error as exc:
            raise CourseError(f"{path}: bad CSV: {exc}") from None
        book.ensure_assignment(asg.id, title=asg.title,
                               max_points=count_points(asg.hidden_tests) if asg.hidden_tests.is_dir() else 0.0)
        with book.session() as s:
            for sid, iid, pts, comment in entries:
                row = s.scalars(select(ManualPoints).where(
                    ManualPoints.student_id == sid, ManualPoints.assignment_id == asg.id,
                    ManualPoints.item_id == iid)).first()
                if row is None:
                    s.add(ManualPoints(student_id=sid, assignment_id=asg.id, item_id=iid, points=pts,
                                       comment=comment, graded_at=_naive(utcnow())))
                else:
                    row.points, row.comment, row.graded_at = pts, comment, _naive(utcnow())
    return len(entries)
