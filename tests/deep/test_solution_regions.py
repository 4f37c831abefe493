"""Solution regions: the stubbed modules (each region replaced by ``raise NotImplementedError``)
still import and expose the same API, and the regions sit inside function bodies."""
from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
REGION = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.M | re.S)


def stub(source: str) -> str:
    out = REGION.sub(lambda m: f'{m["indent"]}raise NotImplementedError("your code here")\n', source)
    assert "### BEGIN SOLUTION" not in out and "### END SOLUTION" not in out
    return out


def _regions(source):
    return [m for m in REGION.finditer(source)]


@pytest.mark.parametrize("path", ["reference/neural_network.py", *sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "reference" / "deep").glob("*.py"))])
def test_regions_are_indented_inside_functions(path):
    source = (ROOT / path).read_text()
    assert source.count("### BEGIN SOLUTION") == source.count("### END SOLUTION")
    for m in _regions(source):
        assert len(m["indent"]) >= 4, f"{path}: a region at module level"
        before = source[: m.start()].rstrip().splitlines()
        # the nearest less-indented line above is a def (possibly after its docstring/body)
        for line in reversed(before):
            stripped = line.lstrip()
            if stripped and len(line) - len(stripped) < len(m["indent"]):
                assert stripped.startswith("def "), f"{path}: region not directly in a function body"
                break


def test_stubbed_numpy_network_imports_and_raises(tmp_path):
    src = (ROOT / "reference" / "neural_network.py").read_text()
    assert len(_regions(src)) >= 15
    (tmp_path / "nn_stub.py").write_text(stub(src))
    spec = importlib.util.spec_from_file_location("nn_stub", tmp_path / "nn_stub.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from reference import neural_network as ref
    assert set(ref.__all__) == set(mod.__all__)
    with pytest.raises(NotImplementedError):
        mod.relu(np.zeros(3))
    with pytest.raises(NotImplementedError):
        mod.MLPClassifier(max_iter=2).fit(np.random.default_rng(0).normal(size=(10, 2)), [0, 1] * 5)
    # the API and the input validation stay
    assert mod.MLPRegressor(alpha=2.0).get_params()["alpha"] == 2.0
    with pytest.raises(ValueError):
        mod.MLPClassifier(solver="lbfgs").fit(np.ones((4, 2)), [0, 1, 0, 1])


def test_stubbed_deep_package_imports(tmp_path):
    pkg = tmp_path / "deep_stub"
    shutil.copytree(ROOT / "reference" / "deep", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for f in pkg.glob("*.py"):
        f.write_text(stub(f.read_text()))
    sys.path.insert(0, str(tmp_path))
    try:
        mod = importlib.import_module("deep_stub")
        from reference import deep as ref
        assert set(ref.__all__) == set(mod.__all__)
        with pytest.raises(NotImplementedError):
            mod.GAN(n_steps=1, device="cpu").fit(np.zeros((8, 2)))
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("deep_stub")]:
            del sys.modules[name]
