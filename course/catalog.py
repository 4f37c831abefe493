"""``course assignments``: what the course offers, read from the assignment folders."""
from __future__ import annotations

import ast
import threading
from pathlib import Path

from course.assignment import list_assignments
from course.config import CourseConfig
from course.errors import CourseError


def _points_marker(decorator: ast.expr) -> float | None:
    """``n`` if ``decorator`` is ``pytest.mark.points(n)`` (or ``mark.points(n)``)."""
    if not isinstance(decorator, ast.Call) or not decorator.args:
        return None
    func = decorator.func
    if not (isinstance(func, ast.Attribute) and func.attr == "points"):
        return None
    base = func.value
    if not (isinstance(base, ast.Attribute) and base.attr == "mark") and not (isinstance(base, ast.Name) and base.id == "mark"):
        return None
    try:
        value = ast.literal_eval(decorator.args[0])
    except ValueError:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


_AST_LOCK = threading.Lock()


def parse_source(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, one thread at a time.

    CPython 3.11 keeps the AST constructor's recursion counter in per-interpreter state;
    when a garbage collection during the conversion runs a finalizer and another thread
    parses meanwhile, one of them fails with ``SystemError: AST constructor recursion
    depth mismatch``.  ``course serve`` parses in its worker threads (points of an upload,
    the assignment list, releases): 1 of 200 concurrent uploads failed with a 500 until
    this lock.
    """
    with _AST_LOCK:
        return ast.parse(text, filename=filename)


def count_points(tests_dir: Path) -> float:
    """Sum of ``@pytest.mark.points(n)`` over the test functions in ``tests_dir``.

    Parsed from the source (nothing is imported or run).  A marker on a class counts once
    per test method; a ``pytestmark`` list is not expanded (write points on functions).
    """
    total = 0.0
    for path in sorted(Path(tests_dir).rglob("test_*.py")):
        try:
            tree = parse_source(path.read_text(), filename=str(path))
        except SyntaxError as exc:
            raise CourseError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from exc
        for node in tree.body:
            total += _node_points(node, inherited=None)
    return total


def _node_points(node: ast.AST, inherited: float | None) -> float:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
        own = [p for p in map(_points_marker, node.decorator_list) if p is not None]
        pts = own[-1] if own else inherited
        return pts or 0.0
    if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
        own = [p for p in map(_points_marker, node.decorator_list) if p is not None]
        cls_pts = own[-1] if own else inherited
        return sum(_node_points(child, cls_pts) for child in node.body)
    return 0.0


def describe_assignments(*, config: CourseConfig) -> list[dict]:
    """One dict per assignment: id, title, max_points (from the hidden checks),
    student_files and due (ISO string or None)."""
    rows = []
    for asg in list_assignments(config):
        rows.append({
            "id": asg.id,
            "title": asg.title,
            "max_points": count_points(asg.hidden_tests) if asg.hidden_tests.is_dir() else 0.0,
            "student_files": list(asg.student_files),
            "due": asg.due.isoformat() if asg.due else None,
        })
    return rows
