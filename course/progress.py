"""Progress of a grading run on stderr, drawn by rich (which typer ships).

On a terminal: one live bar with the count done, counts per status (graded, not graded),
the elapsed time and an ETA.  Not a terminal (a log file, CI, a pipe): one plain line per
finished submission, nothing redrawn, no control characters.  ``quiet=True`` prints
nothing at all.

Use it as a callable (``progress(result)`` per finished submission) inside ``with``::

    with GradingProgress(total=len(paths)) as progress:
        grade_submissions(spec, paths, progress=progress)
"""
from __future__ import annotations

import sys
import threading
from collections import Counter

from grader.text import clean_text

STATUSES = ("graded", "not_graded")


def _label(result: dict) -> str:
    if result.get("status") == "graded":
        return f"{result.get('score', 0):g}/{result.get('max_score', 0):g}"
    return "not graded"


class GradingProgress:
    """Progress display of ``total`` submissions (see the module docstring).

    Parameters
    ----------
    total : int
    stream : file, optional
        Default ``sys.stderr``; the live bar is used only when it is a terminal.
    quiet : bool
        Print nothing.
    """

    def __init__(self, total: int, stream=None, *, quiet: bool = False) -> None:
        self.total, self.stream, self.quiet = total, stream or sys.stderr, quiet
        self.done = 0
        self.counts: Counter = Counter()
        self._lock = threading.Lock()
        self._rich = None
        self._task = None
        try:
            self.live = not quiet and self.stream.isatty()
        except (AttributeError, ValueError):
            self.live = False

    def _status_text(self) -> str:
        parts = [f"{self.counts[s]} {s.replace('_', ' ')}" for s in STATUSES]
        parts += [f"{n} {s}" for s, n in self.counts.items() if s not in STATUSES]
        return ", ".join(parts)

    def __enter__(self) -> "GradingProgress":
        if self.live:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._rich = Progress(
                TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[statuses]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=Console(file=self.stream), transient=False,
            )
            self._rich.start()
            self._task = self._rich.add_task("grading", total=self.total, statuses=self._status_text())
        return self

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None

    def __call__(self, result: dict) -> None:
        with self._lock:
            self.done += 1
            self.counts[str(result.get("status", "?"))] += 1
            if self.quiet:
                return
            line = clean_text(f"{result.get('path', '?')}: {_label(result)}", limit=300, multiline=False)
            if self._rich is not None:
                self._rich.update(self._task, completed=self.done, statuses=self._status_text())
                self._rich.console.print(line, markup=False, highlight=False)
            else:
                self.stream.write(f"[{self.done}/{self.total}] {line}\n")
                self.stream.flush()
