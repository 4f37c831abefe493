"""Scoped releases: stubs only for what is graded; the rest implemented or left out."""
from __future__ import annotations

import pytest

from course.errors import CourseError
from course.release import region_owners, scope_source, strip_solutions

SOURCE = '''import numpy as np


def sigmoid(z):
    """The logistic function."""
    ### BEGIN SOLUTION
    return 1 / (1 + np.exp(-z))
    ### END SOLUTION


@staticmethod
def helper(x):
    return x


class Ridge:
    def fit(self, X, y):
        ### BEGIN SOLUTION
        self.coef_ = np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ y)
        ### END SOLUTION
        return self


class Perceptron:
    def fit(self, X, y):
        ### BEGIN SOLUTION
        self.w_ = np.zeros(X.shape[1])
        ### END SOLUTION
        return self

    def predict(self, X):
        ### BEGIN SOLUTION
        return np.sign(X @ self.w_)
        ### END SOLUTION
'''


def test_region_owners_name_the_enclosing_definition():
    assert region_owners(SOURCE) == ["sigmoid", "Ridge.fit", "Perceptron.fit", "Perceptron.predict"]


def test_stubs_only_for_named_definitions_the_rest_implemented():
    text, stubbed = scope_source(SOURCE, stubs=["Perceptron.fit", "sigmoid"])
    assert stubbed == [True, False, True, False]
    student = strip_solutions(text, keep=lambda i: not stubbed[i])
    assert student.count('raise NotImplementedError("your code here")') == 2
    assert "np.linalg.solve" in student and "np.sign(X @ self.w_)" in student
    assert "np.exp(-z)" not in student and "np.zeros(X.shape[1])" not in student
    compile(student, "<student>", "exec")


def test_omit_removes_definitions_with_their_decorators():
    text, stubbed = scope_source(SOURCE, stubs=["Perceptron"], omit=["Ridge", "helper"])
    assert "class Ridge" not in text and "def helper" not in text and "@staticmethod" not in text
    assert stubbed == [False, True, True]
    compile(strip_solutions(text), "<student>", "exec")


@pytest.mark.parametrize("kwargs, match", [
    ({"stubs": ["Lasso"]}, "stubs names Lasso"),
    ({"omit": ["Lasso"]}, "omit names Lasso"),
])
def test_unknown_names_are_refused(kwargs, match):
    with pytest.raises(CourseError, match=match):
        scope_source(SOURCE, **kwargs)


def test_scoped_assignment_release_and_mutants(tmp_path, monkeypatch):
    from course.assignment import load_assignment
    from course.config import load_config
    from course.mutants import sample_mutants
    from course.release import release

    root = tmp_path / "c"
    (root / "assignments" / "a" / "hidden").mkdir(parents=True)
    (root / "course.toml").write_text('[course]\nname = "c"\nseed = 1\n')
    (root / "ref.py").write_text(SOURCE)
    (root / "assignments" / "a" / "assignment.toml").write_text(
        'title = "a"\n[[files]]\nname = "lin.py"\nreference = "ref.py"\nstubs = ["Perceptron"]\nomit = ["Ridge"]\n')
    config = load_config(root)
    out = release(config=config, assignment_id="a", out=tmp_path / "rel")
    text = (out / "lin.py").read_text()
    assert "class Ridge" not in text and "np.exp(-z)" in text and text.count("NotImplementedError") == 2
    mutants = sample_mutants(load_assignment(config, "a"), None)
    # mutants only where the student writes code: Perceptron's regions of the scoped text
    scoped, _ = scope_source(SOURCE, stubs=["Perceptron"], omit=["Ridge"])
    first = scoped.splitlines().index("class Perceptron:") + 1
    assert mutants and min(m.line for m, _ in mutants) > first
    bad = root / "assignments" / "a" / "assignment.toml"
    bad.write_text(bad.read_text().replace('omit = ["Ridge"]', 'omit = ["Ridge"]\nstub = ["x"]'))
    with pytest.raises(CourseError, match="unknown key"):
        load_assignment(load_config(root), "a")
