"""Mutation score of an assignment's hidden checks (``course validate --mutants N``).

A *mutant* is the solution with one small, plausible change inside a solution region:

- an operator swapped (``+``/``-``, ``*``/``/``, ``<``/``<=``, ``>``/``>=``, ``==``/``!=``,
  ``+=``/``-=``, ``**``/``*``);
- a number off by one or scaled (``0`` -> ``1`` also turns ``axis=0`` into ``axis=1``);
- a name swapped (``min``/``max``, ``argmin``/``argmax``, ``True``/``False``, ``and``/``or``).

Changes are made on tokens, so the rest of the file (comments, layout) is untouched, and
a mutant that does not compile is dropped.  Each mutant is graded through the real engine;
it is *killed* when it loses at least one point.  The mutation score is
``killed / (mutants - equivalent)``.  A surviving mutant is either killed by a better
check or recorded as equivalent, with the reason, in ``assignments/<id>/mutants.toml``::

    [[equivalent]]
    id = "trees.py:212:25 '<' -> '<='"
    reason = "features are continuous: a tie between a value and a threshold has probability 0"
"""
from __future__ import annotations

import io
import random
import shutil
import tempfile
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

from course.assignment import Assignment, load_assignment
from course.config import CourseConfig
from course.errors import CourseError
from course.release import release, scoped_reference, solution_regions, strip_solutions

MUTANTS_FILE = "mutants.toml"

_OPS = {"+": "-", "-": "+", "*": "/", "/": "*", "//": "/", "<": "<=", "<=": "<", ">": ">=", ">=": ">",
        "==": "!=", "!=": "==", "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*=", "**": "*"}
_NAMES = {"min": "max", "max": "min", "argmin": "argmax", "argmax": "argmin", "True": "False", "False": "True",
          "and": "or", "or": "and", "minimum": "maximum", "maximum": "minimum"}


@dataclass(frozen=True)
class Mutant:
    file: str  # student file name
    line: int  # 1-based, in the reference file
    col: int
    old: str
    new: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.col} {self.old!r} -> {self.new!r}"


def _number_variants(text: str) -> list[str]:
    try:
        value = int(text, 0)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            return []
        return [repr(value * 2.0)] if value else ["1.0"]
    return [str(value + 1)] + ([str(value * 2)] if value > 1 else [])


def mutation_sites(source: str, file: str, graded: list[bool] | None = None) -> list[Mutant]:
    """Every mutant of ``source`` inside its solution regions (in file order); with
    ``graded``, only inside the regions marked True (those the student writes)."""
    regions = [r for i, r in enumerate(solution_regions(source)) if graded is None or graded[i]]
    inside = {i + 1 for a, b in regions for i in range(a, b + 1)}  # 1-based line numbers
    out = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise CourseError(f"{file}: cannot tokenize: {exc}") from None
    for tok in tokens:
        line, col = tok.start
        if line not in inside:
            continue
        if tok.type == tokenize.OP and tok.string in _OPS:
            out.append(Mutant(file, line, col, tok.string, _OPS[tok.string]))
        elif tok.type == tokenize.NUMBER:
            out.extend(Mutant(file, line, col, tok.string, v) for v in _number_variants(tok.string))
        elif tok.type == tokenize.NAME and tok.string in _NAMES:
            out.append(Mutant(file, line, col, tok.string, _NAMES[tok.string]))
    return out


def apply(source: str, m: Mutant) -> str:
    lines = source.splitlines(keepends=True)
    text = lines[m.line - 1]
    assert text[m.col:m.col + len(m.old)] == m.old, (m, text)
    lines[m.line - 1] = text[:m.col] + m.new + text[m.col + len(m.old):]
    return "".join(lines)


def _compiles(text: str) -> bool:
    try:
        compile(text, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def _references(asg: Assignment) -> dict[str, tuple[str, list[bool]]]:
    """Student file -> (scoped reference text, which regions the student writes)."""
    return {f.name: scoped_reference(asg, f) for f in asg.files if f.name.endswith(".py")}


def equivalents(asg: Assignment) -> dict[str, str]:
    """Mutant id -> reason, from ``assignments/<id>/mutants.toml``."""
    path = asg.path / MUTANTS_FILE
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: invalid TOML: {exc}") from exc
    out = {}
    for i, e in enumerate(raw.get("equivalent", [])):
        if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not str(e.get("reason", "")).strip():
            raise CourseError(f"{path}: equivalent[{i}] needs an id and a reason")
        out[e["id"]] = e["reason"].strip()
    return out


def sample_mutants(asg: Assignment, n: int | None, seed: int = 0) -> list[tuple[Mutant, str]]:
    """Up to ``n`` compiling mutants (all when ``n`` is None), a reproducible sample,
    each with the full text of its mutated student file."""
    candidates = []
    for name, (text, graded) in _references(asg).items():
        for m in mutation_sites(text, name, graded):
            mutated = apply(text, m)
            student = strip_solutions(mutated, where=name, keep_solutions=True)
            if _compiles(student) and student != strip_solutions(text, where=name, keep_solutions=True):
                candidates.append((m, student))
    if n is not None and n < len(candidates):
        candidates = random.Random(seed).sample(candidates, n)
        candidates.sort(key=lambda c: (c[0].file, c[0].line, c[0].col, c[0].new))
    return candidates


def mutation_score(*, config: CourseConfig, assignment_id: str, n: int | None = 30, sandbox: str | None = None,
                   workers: int | None = None, seed: int = 0, progress=None) -> dict:
    """Grade ``n`` mutants; return ``{"score", "killed", "survivors", "equivalent", ...}``."""
    from course.grading import _options
    from grader.engine import grade_submissions

    asg = load_assignment(config, assignment_id)
    sandbox, workers = _options(config, sandbox, workers)
    mutants = sample_mutants(asg, n, seed)
    if not mutants:
        raise CourseError(f"no mutation sites in the solution regions of {asg.id!r}")
    known = equivalents(asg)
    work = Path(tempfile.mkdtemp(prefix=f"ck-mutants-{asg.id}-"))
    try:
        solution = release(config=config, assignment_id=asg.id, out=work / "solution", solution=True)
        paths = []
        for i, (m, text) in enumerate(mutants):
            folder = work / f"m{i:03d}"
            shutil.copytree(solution, folder)
            (folder / m.file).write_text(text)
            paths.append(folder)
        doc = grade_submissions(asg.grading_spec(), [solution, *paths], sandbox=sandbox, workers=workers,
                                progress=progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base, results = doc["submissions"][0], doc["submissions"][1:]
    if base["status"] != "graded" or base["score"] != base["max_score"]:
        raise CourseError(f"the solution of {asg.id!r} does not score full marks "
                          f"({base['score']:g}/{base['max_score']:g}): fix it before measuring mutants")
    killed, survivors, equivalent, not_graded = [], [], [], []
    for (m, _), r in zip(mutants, results):
        row = {"id": m.id, "file": m.file, "line": m.line}
        if r["status"] != "graded":
            not_graded.append({**row, "error": r["error"]})
        elif r["score"] < base["score"]:
            lost = [c["id"].rsplit("::", 1)[-1] for c in r["checks"] if c["status"] != "passed"]
            killed.append({**row, "by": lost})
        elif m.id in known:
            equivalent.append({**row, "reason": known[m.id]})
        else:
            survivors.append(row)
    counted = len(killed) + len(survivors)
    return {
        "assignment": asg.id, "mutants": len(mutants), "killed": killed, "survivors": survivors,
        "equivalent": equivalent, "not_graded": not_graded,
        "score": round(len(killed) / counted, 4) if counted else 1.0,
    }
