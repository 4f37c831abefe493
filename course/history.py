"""After the deadline: grade history (``course history``), extensions (``course extend``)
and the adjustment log (``course adjust --list / --remove``)."""
from __future__ import annotations

from course.config import CourseConfig
from course.errors import CourseError


def grade_history(*, config: CourseConfig, assignment_id: str, student_id: str) -> list[dict]:
    """Every grading run of every submission of one student, oldest first.

    Each row: graded_at, status, score, max_score, error, submission (id), content_hash,
    submitted_at, counts (True for the one grade that counts now).
    """
    from course.assignment import load_assignment
    from course.gradebook import open_gradebook

    asg = load_assignment(config, assignment_id)
    with open_gradebook(config) as book:
        if not book.has_student(student_id):
            raise CourseError(f"unknown student {student_id!r}; see `course roster list`")
        subs = [s for s in book.submissions(asg.id) if s.student_id == student_id]
        latest = book.latest_submissions(asg.id).get(student_id)
        counting = book.grade_of(latest.id) if latest else None
        rows = []
        for sub in subs:
            for g in book.grade_history(sub.id):
                rows.append({"graded_at": f"{g.graded_at:%Y-%m-%d %H:%M:%S}", "status": g.status, "score": g.score,
                             "max_score": g.max_score, "error": g.error, "submission": sub.id,
                             "content_hash": sub.content_hash, "submitted_at": f"{sub.submitted_at:%Y-%m-%d %H:%M:%S}",
                             "counts": counting is not None and g.id == counting.id, "_key": (g.graded_at, g.id)})
    rows.sort(key=lambda r: r.pop("_key"))
    return rows


def extend(*, config: CourseConfig, assignment_id: str, student_id: str, days: float, reason: str = "") -> None:
    """Grant ``days`` extra days (replaces earlier extensions of this student, including
    course.toml's); the lateness shown and exported is recomputed from it."""
    from course.assignment import load_assignment
    from course.gradebook import open_gradebook

    asg = load_assignment(config, assignment_id)
    with open_gradebook(config) as book:
        book.add_extension(student_id=student_id, assignment_id=asg.id, days=days, reason=reason)


def list_adjustments(*, config: CourseConfig, assignment_id: str, student_id: str | None = None) -> list[dict]:
    from course.assignment import load_assignment
    from course.gradebook import open_gradebook

    asg = load_assignment(config, assignment_id)
    with open_gradebook(config) as book:
        return [{"id": a.id, "student": a.student_id, "points": a.points, "reason": a.reason,
                 "refund": bool(a.refund), "created_at": f"{a.created_at:%Y-%m-%d %H:%M:%S}"}
                for a in book.all_adjustments(asg.id, student_id)]


def remove_adjustment(*, config: CourseConfig, assignment_id: str, adjustment_id: int) -> dict:
    from course.assignment import load_assignment
    from course.gradebook import open_gradebook

    asg = load_assignment(config, assignment_id)
    with open_gradebook(config) as book:
        a = book.remove_adjustment(adjustment_id, assignment_id=asg.id)
    return {"id": a.id, "student": a.student_id, "points": a.points, "reason": a.reason}


def add_adjustment(*, config: CourseConfig, assignment_id: str, student_id: str, points: float, reason: str,
                   refund: bool = False) -> int:
    from course.assignment import load_assignment
    from course.gradebook import open_gradebook

    asg = load_assignment(config, assignment_id)
    with open_gradebook(config) as book:
        return book.add_adjustment(student_id=student_id, assignment_id=asg.id, points=points, reason=reason,
                                   refund=refund)
