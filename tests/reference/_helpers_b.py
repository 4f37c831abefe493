"""Helpers for the tests of the second half of the reference library (H5's modules)."""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference"
MODULES_B = ["tree", "ensemble", "svm", "gaussian_process", "decomposition", "manifold",
             "cluster", "mixture"]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def stub_source(source: str) -> str:
    """Replace every solution region by ``raise NotImplementedError`` at its indentation."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            assert not inside, "nested solution region"
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("student: implement this")')
        elif stripped == END:
            assert inside, "END SOLUTION without BEGIN"
            inside = False
        elif not inside:
            out.append(line)
    assert not inside, "unterminated solution region"
    return "\n".join(out) + "\n"


def load_source(name: str, source: str):
    """Import ``source`` as a fresh module called ``name`` (not put in sys.modules)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def estimator_check_results(estimator):
    """Run scikit-learn's ``check_estimator`` on ``estimator`` without stopping at the
    first failure; return ``(n_passed, n_failed, failed check names)``.  Skipped checks
    (not applicable) count as neither."""
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None, on_skip=None)
    passed = [r for r in results if r["status"] == "passed"]
    failed = [r for r in results if r["status"] == "failed"]
    return len(passed), len(failed), sorted({r["check_name"] for r in failed})


def single_blas_thread():
    """Context manager limiting BLAS/OpenMP to one thread: on a loaded 2-core machine
    multi-threaded BLAS spins and makes small factorisations 100x slower."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)
