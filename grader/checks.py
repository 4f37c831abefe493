"""The public check API for assignment authors (trusted side only).

A hidden check is an ordinary pytest test.  Besides ``student`` (the sandboxed submission
as a proxy) and ``hidden_seed`` (the secret seed of the hidden data), checks may use:

``hidden_rng``
    A fresh :class:`numpy.random.Generator` per check, seeded from the hidden seed *and*
    the check's name: checks draw independent data whatever order they run in.
``submission``
    Read-only access to the submitted files on the trusted side: :meth:`Submission.source`,
    :meth:`Submission.imports` and :meth:`Submission.forbid_imports`.
``@pytest.mark.points(n)``
    Points of the check (default 1).
``@pytest.mark.timeout(seconds)``
    Wall-clock limit of the check.
``@pytest.mark.needs("test_other", ...)``
    Run only when the named checks passed; otherwise the check scores 0 with the message
    ``not run: needs test_other``, instead of piling a second failure onto the student.
``@pytest.mark.forbid_imports("sklearn.cluster", ...)``
    The check fails when the submission imports a banned module: statically (its source)
    before the check, and at run time (the worker's loaded modules) after it.
:class:`grader.Fail`
    An ``AssertionError`` whose text the student sees verbatim.

A gating check, whose failure zeroes the whole assignment, is declared in
``assignment.toml`` (``gates = ["test_api"]``), not here.  ``docs/authoring.md`` has
worked examples.
"""
from __future__ import annotations

import ast
import zlib
from pathlib import Path

import numpy as np

__all__ = ["Submission", "banned_imports", "rng_for"]

#: Largest source file the trusted side parses (submissions are far smaller).
_MAX_SOURCE_BYTES = 5 * 1024 * 1024


def rng_for(seed: int, name: str) -> np.random.Generator:
    """A generator from the (large) hidden ``seed`` and a check ``name``.

    ``SeedSequence`` keeps every bit of the seed; the name's CRC-32 only separates checks.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def _matches(module: str, banned: str) -> bool:
    return module == banned or module.startswith(banned + ".")


def banned_imports(imported, banned) -> list[str]:
    """The names in ``imported`` that are, or live inside, a module of ``banned``."""
    return sorted({m for m in imported for b in banned if _matches(m, b)})


class _ImportVisitor(ast.NodeVisitor):
    """Module names a source imports: ``import a.b``, ``from a import b`` (as ``a`` and
    ``a.b``), and literal ``__import__("a")`` / ``importlib.import_module("a")`` calls."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self.names.add(node.module)
            for alias in node.names:
                self.names.add(f"{node.module}.{alias.name}")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("__import__", "import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self.names.add(arg.value)
        self.generic_visit(node)


class Submission:
    """The submitted files, read-only, on the trusted side.

    Parameters
    ----------
    directory : path
        The private copy of the submission the engine prepared.
    student : object, optional
        The ``student`` proxy, used by :meth:`forbid_imports` to ask the worker which
        modules it has loaded.
    """

    def __init__(self, directory, student=None) -> None:
        self.directory = Path(directory)
        self._student = student

    @property
    def files(self) -> list[str]:
        """Names of the submitted Python files."""
        return sorted(p.name for p in self.directory.glob("*.py") if p.is_file() and not p.is_symlink())

    def source(self, name: str) -> str:
        """The text of the submitted file ``name`` (``""`` when it is missing)."""
        path = self.directory / name
        if "/" in name or not path.is_file() or path.is_symlink():
            return ""
        data = path.read_bytes()[:_MAX_SOURCE_BYTES]
        return data.decode("utf-8", errors="replace")

    def imports(self, name: str | None = None) -> set[str]:
        """Modules imported by file ``name`` (default: every submitted file), statically.

        A file that does not parse imports nothing here (the check that imports it fails
        on its own).
        """
        visitor = _ImportVisitor()
        for file in [name] if name else self.files:
            try:
                visitor.visit(ast.parse(self.source(file)))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        return visitor.names

    def loaded_modules(self) -> set[str]:
        """Modules loaded in the student's worker right now (needs the ``student`` proxy)."""
        if self._student is None:
            return set()
        names = self._student.builtins.sorted(self._student.sys.modules)
        return {n for n in names if type(n) is str} if type(names) is list else set()

    def forbid_imports(self, *modules: str, loaded: bool = True) -> None:
        """Fail the check if the submission imports any of ``modules`` (or a submodule).

        Checks the source statically and, with ``loaded=True``, the worker's loaded modules.
        """
        from grader.plugin import Fail

        found = banned_imports(self.imports(), modules)
        if not found and loaded:
            found = banned_imports(self.loaded_modules(), modules)
        if found:
            raise Fail(f"this part must be written from scratch: do not use {', '.join(found)}")
