"""The kit against its peers: Otter-Grader and nbgrader grade the same assignment, in one run.

One small assignment (four trivial checks on two functions, ``square`` and ``work``: the
honest submission of ``tests/sandbox/fixtures/e2e``) is written in each tool's format:

- the kit: a hidden pytest file using the ``student`` proxy; a submission is a folder
  with ``mod.py``; graded with the sandbox ``none``, ``bwrap`` and ``docker``;
- Otter-Grader: four OK-format test files (``tests/q1.py`` ...) zipped by
  ``otter generate``; a submission is a notebook; graded by ``otter run``;
- nbgrader: a course directory (``nbgrader_config.py``, ``source/``, the gradebook)
  whose source notebook has one solution cell and four autograder test cells, released
  by ``nbgrader generate_assignment``; a submission is the released notebook with the
  solution cell filled in; graded by ``nbgrader autograde``.

Every tool grades ``--n`` submissions (default 20), one process per submission, so each
pays its own start-up, as an instructor's command does (the kit's process calls
``grader.engine.grade_submission``, the function behind ``course grade``).  The tools
take turns submission by submission, in a rotating order, so machine noise hits all of
them alike; one warm-up grading per tool comes first and is not counted.  Every grading
must give full marks, or the script stops.

Otter-Grader and nbgrader are installed into virtual environments of their own under
``--cache`` (default ``.cache/peers``) with ``pip install``; this needs the package
index once, which is why no test runs this script.

Usage::

    python benchmarks/peers.py [--n 20] [--tools kit-none,kit-bwrap,kit-docker,otter,nbgrader]
    python benchmarks/peers.py --dry-run     # build the three assignments, print the commands
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT_CODE = (ROOT / "tests" / "sandbox" / "fixtures" / "e2e" / "attacks" / "honest.py").read_text()

# The four checks, one point each: (name, expression on the student's functions, expected).
CHECKS = [
    ("square", "square(3)", "9"),
    ("work", "work()", "'done'"),
    ("square_negative", "square(-4)", "16"),
    ("square_zero", "square(0)", "0"),
]
PEERS = {  # tool -> (distribution to install, its command, extra packages for its kernel)
    "otter": ("otter-grader", "otter", ["ipykernel"]),
    "nbgrader": ("nbgrader", "nbgrader", []),
}
ALL_TOOLS = ["kit-none", "kit-bwrap", "kit-docker", "otter", "nbgrader"]
BASELINE = "kit-bwrap"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


# ----------------------------------------------------------------------------- installation
def peer_python(cache: Path, tool: str) -> Path:
    return cache / tool / "bin" / "python"


def install_peer(cache: Path, tool: str) -> None:
    """A virtual environment of the tool's own, created and filled once."""
    dist, command, extra = PEERS[tool]
    env = cache / tool
    if (env / "bin" / command).exists():
        return
    print(f"installing {dist} into {env} ...", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", dist, *extra],
                   check=True)


def peer_env(cache: Path, tool: str) -> dict:
    """The environment a peer's commands run in: its venv first on PATH (nbgrader starts
    ``alembic`` from there)."""
    bin_dir = str(cache / tool / "bin")
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
            "VIRTUAL_ENV": str(cache / tool)}


def peer_version(cache: Path, tool: str) -> str:
    dist = PEERS[tool][0]
    out = subprocess.run([str(peer_python(cache, tool)), "-c",
                          f"import importlib.metadata as m; print(m.version({dist!r}))"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


# ----------------------------------------------------------------------------- notebooks
def notebook(cells: list[dict]) -> dict:
    for i, cell in enumerate(cells):
        cell.setdefault("id", f"cell-{i}")
        if cell["cell_type"] == "code":
            cell.setdefault("execution_count", None)
            cell.setdefault("outputs", [])
    return {"cells": cells, "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def write_json(path: Path, doc: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


# ----------------------------------------------------------------------------- the three formats
def build_kit(root: Path, n: int) -> list[Path]:
    """Hidden pytest checks in ``root/hidden``; submissions ``root/subNN/mod.py``."""
    lines = ['"""The peers benchmark\'s checks (trusted side)."""', "import pytest", ""]
    for name, expr, expected in CHECKS:
        lines += ["", "@pytest.mark.points(1)", f"def test_{name}(student):",
                  f"    assert student.mod.{expr} == {expected}", ""]
    (root / "hidden").mkdir(parents=True)
    (root / "hidden" / "test_peers.py").write_text("\n".join(lines))
    subs = []
    for i in range(n + 1):  # one more: the warm-up
        sub = root / f"sub{i:02d}"
        sub.mkdir()
        (sub / "mod.py").write_text(STUDENT_CODE)
        subs.append(sub)
    return subs


def build_otter(root: Path, n: int) -> list[Path]:
    """OK-format tests in ``root/tests`` (zipped by ``otter generate`` later); submissions
    are notebooks holding the student's code."""
    for k, (name, expr, expected) in enumerate(CHECKS, start=1):
        test = {"name": f"q{k}", "points": 1, "suites": [{
            "type": "doctest", "scored": True, "setup": "", "teardown": "",
            "cases": [{"code": f">>> {expr} == {expected}\nTrue", "hidden": False, "locked": False}],
        }]}
        (root / "tests").mkdir(parents=True, exist_ok=True)
        (root / "tests" / f"q{k}.py").write_text(f"OK_FORMAT = True\n\ntest = {test!r}\n")
    code = {"cell_type": "code", "metadata": {}, "source": STUDENT_CODE}
    return [write_json(root / "submissions" / f"sub{i:02d}.ipynb", notebook([dict(code)]))
            for i in range(n + 1)]


def build_nbgrader_source(course: Path) -> None:
    """The course directory: config and the source notebook (solution + 4 test cells)."""
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'peers'\n")

    def meta(**kw):
        return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False, "grade": False, **kw}}

    cells = [{"cell_type": "code", "metadata": meta(solution=True, grade_id="answer"),
              "source": "### BEGIN SOLUTION\n" + STUDENT_CODE + "### END SOLUTION\n"}]
    for name, expr, expected in CHECKS:
        cells.append({"cell_type": "code", "source": f"assert {expr} == {expected}\n",
                      "metadata": meta(grade=True, locked=True, grade_id=f"test_{name}", points=1)})
    write_json(course / "source" / "ps1" / "ps1.ipynb", notebook(cells))


def build_nbgrader_submissions(course: Path, n: int) -> list[str]:
    """``submitted/<student>/ps1/ps1.ipynb``: the released notebook, answer cell filled in."""
    released = json.loads((course / "release" / "ps1" / "ps1.ipynb").read_text())
    for cell in released["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = STUDENT_CODE
    students = [f"s{i:02d}" for i in range(n + 1)]
    for sid in students:
        write_json(course / "submitted" / sid / "ps1" / "ps1.ipynb", released)
    return students


# ----------------------------------------------------------------------------- one tool
@dataclass
class Tool:
    name: str
    version: str
    commands: list[tuple[list[str], Path]]  # (argv, cwd) per submission, warm-up first
    check: object  # callable(index) -> None; raises SystemExit unless full marks
    env: dict | None = None  # None: this process's environment
    times: list[float] = field(default_factory=list)


def kit_tool(backend: str, subs: list[Path], hidden: Path) -> Tool:
    def check(i: int) -> None:  # nothing to read: --grade-one exits non-zero unless full marks
        return None

    argv = [sys.executable, str(Path(__file__).resolve()), "--grade-one", backend, str(hidden)]
    version = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip() or "?"
    return Tool(f"kit-{backend}", f"course kit {version}", [([*argv, str(s)], ROOT) for s in subs], check)


def otter_tool(cache: Path, root: Path, subs: list[Path]) -> Tool:
    otter = str(cache / "otter" / "bin" / "otter")
    zip_path = root / "autograder.zip"
    env = peer_env(cache, "otter")
    subprocess.run([otter, "generate", "-t", str(root / "tests"), "-o", str(zip_path),
                    "--no-requirements", "--no-environment", "--no-config"],
                   cwd=root, check=True, capture_output=True, env=env)
    outs = [root / "results" / s.stem for s in subs]

    def check(i: int) -> None:
        doc = json.loads((outs[i] / "results.json").read_text())
        score = sum(t.get("score") or 0.0 for t in doc["tests"])
        if score != len(CHECKS):
            raise SystemExit(f"otter: submission {i} scored {score}/{len(CHECKS)}")

    for out in outs:
        out.mkdir(parents=True)
    cmds = [([otter, "run", "-a", str(zip_path), "-o", str(o), "--no-logo", str(s)], root)
            for s, o in zip(subs, outs)]
    return Tool("otter", f"Otter-Grader {peer_version(cache, 'otter')}", cmds, check, env)


def nbgrader_tool(cache: Path, course: Path, n: int) -> Tool:
    nbgrader = str(cache / "nbgrader" / "bin" / "nbgrader")
    env = peer_env(cache, "nbgrader")
    gen = [nbgrader, "generate_assignment", "ps1", "--force"]
    done = subprocess.run(gen, cwd=course, capture_output=True, text=True, env=env)
    if not (course / "release" / "ps1" / "ps1.ipynb").exists():
        raise SystemExit(f"nbgrader generate_assignment failed:\n{done.stdout}\n{done.stderr}")
    students = build_nbgrader_submissions(course, n)
    db = f"sqlite:///{course / 'gradebook.db'}"
    reader = ("import sys\nfrom nbgrader.api import Gradebook\n"
              f"with Gradebook({db!r}) as gb:\n"
              "    print(gb.find_submission('ps1', sys.argv[1]).score)\n")

    def check(i: int) -> None:
        out = subprocess.run([str(peer_python(cache, "nbgrader")), "-c", reader, students[i]],
                             capture_output=True, text=True, env=env)
        score = float(out.stdout.strip() or "nan")
        if score != len(CHECKS):
            raise SystemExit(f"nbgrader: {students[i]} scored {score}/{len(CHECKS)}: {out.stderr[-500:]}")

    cmds = [([nbgrader, "autograde", "ps1", "--student", sid, "--force"], course) for sid in students]
    return Tool("nbgrader", f"nbgrader {peer_version(cache, 'nbgrader')}", cmds, check, env)


# ----------------------------------------------------------------------------- running
def run_one(tool: Tool, i: int) -> float:
    argv, cwd = tool.commands[i]
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=tool.env)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{tool.name}: exit {done.returncode} on submission {i}: {' '.join(argv)}\n"
                         f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    tool.check(i)
    return elapsed


def grade_one(backend: str, hidden: str, path: str) -> int:
    """One submission with the kit, in this process (what ``course grade`` calls)."""
    sys.path.insert(0, str(ROOT))
    from grader.engine import grade_submission
    from grader.spec import GradingSpec, Limits

    spec = GradingSpec("peers-bench", Path(hidden), ("mod.py",), seed=1,
                       limits=Limits(check_timeout=30, total_timeout=120, memory_mb=1024, pids=64,
                                     scratch_mb=16))
    result = grade_submission(spec, Path(path), sandbox=backend)
    print(json.dumps({k: result[k] for k in ("status", "score", "max_score", "error")}))
    full = result["status"] == "graded" and result["score"] == result["max_score"] == len(CHECKS)
    return 0 if full else 1


def available_kit_backends(names: list[str]) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from grader.sandbox import get_backend

    out = []
    for name in names:
        ok, reason = get_backend(name).available()
        if ok:
            out.append(name)
        else:
            print(f"skipping kit-{name}: {reason}")
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20, help="submissions per tool")
    p.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated subset of " + ",".join(ALL_TOOLS))
    p.add_argument("--cache", type=Path, default=ROOT / ".cache" / "peers", help="where the peers' venvs live")
    p.add_argument("--dry-run", action="store_true", help="build the assignments, print the commands, grade nothing")
    p.add_argument("--grade-one", nargs=3, metavar=("BACKEND", "HIDDEN", "SUBMISSION"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.grade_one:
        return grade_one(*args.grade_one)
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(wanted) - set(ALL_TOOLS)
    if unknown:
        p.error(f"unknown tools: {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="ck-peers-") as tmp:
        work = Path(tmp)
        kit_subs = build_kit(work / "kit", args.n)
        otter_subs = build_otter(work / "otter", args.n)
        build_nbgrader_source(work / "nbgrader")
        if args.dry_run:
            for path in [*sorted((work / "kit" / "hidden").iterdir()), *sorted((work / "otter" / "tests").iterdir()),
                         work / "nbgrader" / "nbgrader_config.py", work / "nbgrader" / "source" / "ps1" / "ps1.ipynb"]:
                print(f"--- {path.relative_to(work)}\n{path.read_text()}")
            print(f"\n{args.n} submissions + 1 warm-up per tool; per submission:")
            print(f"  kit:      {sys.executable} {Path(__file__).name} --grade-one BACKEND {work / 'kit' / 'hidden'} SUB")
            print("  otter:    otter run -a autograder.zip -o OUT --no-logo SUB.ipynb")
            print("  nbgrader: nbgrader autograde ps1 --student SID --force   (in the course directory)")
            return 0

        tools: list[Tool] = []
        backends = available_kit_backends([t[4:] for t in wanted if t.startswith("kit-")])
        tools += [kit_tool(b, kit_subs, work / "kit" / "hidden") for b in backends]
        if "otter" in wanted:
            args.cache.mkdir(parents=True, exist_ok=True)
            install_peer(args.cache, "otter")
            tools.append(otter_tool(args.cache, work / "otter", otter_subs))
        if "nbgrader" in wanted:
            args.cache.mkdir(parents=True, exist_ok=True)
            install_peer(args.cache, "nbgrader")
            tools.append(nbgrader_tool(args.cache, work / "nbgrader", args.n))

        print(f"host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
              f"{args.n} submissions per tool, {len(CHECKS)} checks each", flush=True)
        for tool in tools:  # warm-up: page cache, image layers, kernel specs
            run_one(tool, 0)
        for i in range(1, args.n + 1):
            shift = i % len(tools)  # rotate who goes first
            for tool in tools[shift:] + tools[:shift]:
                tool.times.append(run_one(tool, i))
            print(f"  {i}/{args.n} graded by every tool", end="\r", flush=True)
        print()

    medians = {t.name: statistics.median(t.times) for t in tools}
    base = medians.get(BASELINE)
    print(f"\n{'system':<11} {'version':<22} {'median s/submission':>20} {'min s':>7} {'x kit-bwrap':>12}")
    for t in tools:
        ratio = f"{medians[t.name] / base:11.2f}x" if base else "          -"
        print(f"{t.name:<11} {t.version:<22} {medians[t.name]:20.2f} {min(t.times):7.2f} {ratio}")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end.  `otter run` and `nbgrader autograde` run "
          "student code unsandboxed, in the grader's own account.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
