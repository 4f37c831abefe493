"""scikit-learn's check_estimator pass rates, and the shape of the solution regions.

The pass-rate floors are the rates measured when the estimators were written (rounded
down), so a regression fails here. ``LinearRegression(solver="gd")`` fails three checks
honestly: scikit-learn's unscaled test data make plain gradient descent with the default
learning rate diverge, which the estimator reports as a ValueError.
"""
import ast
import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from _helpers_a import BEGIN, END, IMPORT_RE, MODULES_A, REFERENCE, load_source, public_api, stub_source
from reference.kernel_regression import LocallyLinearRegression, NadarayaWatson
from reference.linear_model import Lasso, LinearRegression, LogisticRegression, Perceptron, Ridge
from reference.naive_bayes import GaussianNB
from reference.neighbors import KNeighborsClassifier, KNeighborsRegressor
from reference.preprocessing import GaussianFeatures, PolynomialFeatures, StandardScaler

FLOORS = [
    (LinearRegression(), 1.0),
    (LinearRegression(solver="gd"), 0.94),
    (Ridge(), 1.0),
    (Lasso(), 1.0),
    (LogisticRegression(), 1.0),
    (Perceptron(), 1.0),
    (StandardScaler(), 1.0),
    (PolynomialFeatures(), 1.0),
    (GaussianFeatures(), 1.0),
    (KNeighborsClassifier(), 1.0),
    (KNeighborsRegressor(), 1.0),
    (GaussianNB(), 1.0),
    (NadarayaWatson(), 1.0),
    (LocallyLinearRegression(), 1.0),
]


@pytest.mark.parametrize("estimator, floor", FLOORS, ids=[repr(e) for e, _ in FLOORS])
def test_check_estimator_pass_rate(estimator, floor):
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator, on_fail=None, on_skip=None, callback=lambda **kw: results.append(kw))
    ran = [r for r in results if r["status"] in ("passed", "failed")]
    failed = [r["check_name"] for r in ran if r["status"] == "failed"]
    assert len(ran) >= 40, "check_estimator ran suspiciously few checks"
    rate = 1 - len(failed) / len(ran)
    assert rate >= floor, f"{estimator!r}: pass rate {rate:.3f} < {floor}; failing: {failed}"


# ------------------------------------------------------------------ solution regions
@pytest.mark.parametrize("name", MODULES_A)
def test_regions_sit_inside_function_bodies(name):
    source = (REFERENCE / f"{name}.py").read_text()
    lines = source.splitlines()
    markers = [i + 1 for i, line in enumerate(lines) if line.strip() in (BEGIN, END)]
    assert len(markers) >= 2 and len(markers) % 2 == 0
    bodies = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body
            has_doc = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            start = body[0].end_lineno + 1 if has_doc else body[0].lineno
            bodies.append((start, node.end_lineno, node.col_offset))
    for begin, end in zip(markers[::2], markers[1::2]):
        assert lines[begin - 1].strip() == BEGIN and lines[end - 1].strip() == END
        indent = len(lines[begin - 1]) - len(lines[begin - 1].lstrip())
        inside = [b for b in bodies if b[0] <= begin and end - 1 <= b[1] and indent > b[2]]
        assert inside, f"{name}.py: region at line {begin} is not inside a function body after its docstring"


@pytest.mark.parametrize("name", MODULES_A)
def test_module_is_self_contained(name):
    source = (REFERENCE / f"{name}.py").read_text()
    for _, module in IMPORT_RE.findall(source):
        top = module.split(".")[0]
        assert top in {"numpy", "scipy", "sklearn", "itertools", "numbers", "warnings", "math"}, (
            f"{name}.py imports {module}; a student file may only use numpy/scipy/sklearn helpers")


@pytest.mark.parametrize("name", MODULES_A)
def test_stubbed_module_imports_with_the_same_api(name):
    source = (REFERENCE / f"{name}.py").read_text()
    full = load_source(f"full_{name}", source)
    stub = load_source(f"stub_{name}", stub_source(source))
    assert public_api(stub) == public_api(full)
    assert "BEGIN SOLUTION" not in stub_source(source)


def test_stubbed_estimators_raise_not_implemented():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), np.repeat([0, 1, 2], 10)
    expectations = {
        "linear_model": ["LinearRegression", "Ridge", "Lasso", "LogisticRegression", "Perceptron"],
        "preprocessing": ["StandardScaler", "PolynomialFeatures", "GaussianFeatures"],
        "neighbors": ["KNeighborsClassifier", "KNeighborsRegressor"],
        "naive_bayes": ["GaussianNB"],
        "kernel_regression": ["NadarayaWatson", "LocallyLinearRegression"],
    }
    for module_name, classes in expectations.items():
        stub = load_source(f"stub_{module_name}", stub_source((REFERENCE / f"{module_name}.py").read_text()))
        for cls in classes:
            est = getattr(stub, cls)()
            with pytest.raises(NotImplementedError):
                est.fit(X, y)
                est.predict(X) if hasattr(est, "predict") else est.transform(X)
    funcs = {"metrics": ("accuracy_score", (y, y)), "losses": ("hinge_loss", ([1.0], [0.5])),
             "model_selection": ("train_test_split", (X,)), "inspection": ("permutation_importance", (None, X, y))}
    for module_name, (fn, args) in funcs.items():
        stub = load_source(f"stub_{module_name}", stub_source((REFERENCE / f"{module_name}.py").read_text()))
        with pytest.raises(NotImplementedError):
            getattr(stub, fn)(*args)
