"""Scoped releases that omit a definition ending in a solution region, and notebook stubs
(code cells raise with the same message as .py stubs; answer cells lose their markers)."""
from __future__ import annotations

import nbformat
import pytest

from course.release import STUB_MESSAGE, scope_source, strip_notebook, strip_solutions

SOURCE = '''import numpy as np


def helper(x):
    """Not graded: left out."""
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION


def graded(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
'''


def test_omitting_a_definition_that_ends_in_a_region_drops_its_end_marker():
    text, stubbed = scope_source(SOURCE, stubs=["graded"], omit=["helper"])
    assert "helper" not in text and text.count("### END SOLUTION") == 1
    assert stubbed == [True]
    out = strip_solutions(text, keep=lambda i: not stubbed[i])
    assert out.count(f'raise NotImplementedError("{STUB_MESSAGE}")') == 1 and "x + 1" not in out


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint(answer)"),
        nbformat.v4.new_markdown_cell("**Answer (`q1`)**: why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
    ]
    return nb


def test_notebook_stub_raises_with_the_stub_message():
    out = strip_notebook(_notebook())
    assert f'raise NotImplementedError("{STUB_MESSAGE}")' in out.cells[0].source
    assert "answer = 42" not in out.cells[0].source
    assert "Because." not in out.cells[1].source and "YOUR ANSWER HERE" in out.cells[1].source
    with pytest.raises(NotImplementedError, match=STUB_MESSAGE):
        exec(out.cells[0].source, {})


def test_solution_notebook_keeps_answers_without_markers():
    out = strip_notebook(_notebook(), keep_solutions=True)
    assert "answer = 42" in out.cells[0].source and "Because." in out.cells[1].source
    assert all("SOLUTION" not in c.source for c in out.cells)
