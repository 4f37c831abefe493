"""``course serve`` parses Python (points of a test folder, releases) in many threads at once.

On CPython 3.11 concurrent ``ast.parse`` calls can fail with ``SystemError: AST constructor
recursion depth mismatch`` when a garbage collection during one parse runs a finalizer
that lets another thread parse (1 of 200 uploads of benchmarks/server_load.py got a 500).
Every parse of the server goes through :func:`course.catalog.parse_source`; here eight
threads parse with it while finalizers of reference cycles keep switching threads, and
not one parse may fail (with a bare ``ast.parse`` this fails within seconds).
"""
from __future__ import annotations

import gc
import threading
import time

from tests.conftest import ROOT


class _Cycle:
    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        time.sleep(0)  # a thread switch in the middle of whatever the collector interrupted


def test_parse_source_is_safe_in_many_threads():
    from course.catalog import count_points, parse_source

    source = (ROOT / "course" / "gradebook.py").read_text()
    hidden = ROOT / "assignments" / "trees" / "hidden"
    points = count_points(hidden)
    errors: list[str] = []
    old = gc.get_threshold()
    gc.set_threshold(10, 1, 1)

    def work(i: int) -> None:
        stop = time.monotonic() + 3.0
        while time.monotonic() < stop:
            for _ in range(5):
                _Cycle()
            try:
                parse_source(source)
            except SystemError as exc:
                errors.append(str(exc))
        if count_points(hidden) != points:
            errors.append("count_points changed")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.set_threshold(*old)
    assert errors == []
