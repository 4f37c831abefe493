"""The grading progress display: rich on a terminal, plain lines otherwise, or nothing."""
from __future__ import annotations

import io

from course.progress import GradingProgress

RESULTS = [
    {"path": "a.zip", "status": "graded", "score": 5.0, "max_score": 6.0},
    {"path": "b.zip", "status": "not_graded", "score": 0.0, "max_score": 0.0},
    {"path": "c\x1b[31m.zip", "status": "graded", "score": 6.0, "max_score": 6.0},
]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_gives_plain_lines_without_control_characters():
    out = io.StringIO()
    with GradingProgress(3, stream=out) as progress:
        for r in RESULTS:
            progress(r)
    lines = out.getvalue().splitlines()
    assert lines[0] == "[1/3] a.zip: 5/6"
    assert lines[1] == "[2/3] b.zip: not graded"
    assert lines[2].startswith("[3/3] c") and "\x1b" not in out.getvalue()
    assert progress.counts == {"graded": 2, "not_graded": 1}


def test_a_terminal_gets_a_live_bar_with_counts_per_status_and_an_eta():
    out = Terminal()
    with GradingProgress(3, stream=out) as progress:
        assert progress.live
        for r in RESULTS:
            progress(r)
    text = out.getvalue()
    assert "3/3" in text and "ETA" in text
    assert "2 graded, 1 not graded" in text
    assert "a.zip: 5/6" in text
    assert "\x1b[31m" not in text  # student text never drives the terminal


def test_quiet_prints_nothing_but_still_counts():
    out = Terminal()
    with GradingProgress(3, stream=out, quiet=True) as progress:
        for r in RESULTS:
            progress(r)
    assert out.getvalue() == "" and progress.done == 3
