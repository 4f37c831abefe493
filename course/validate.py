"""``course validate``: is an assignment ready to hand out?

For one assignment, through the real grading engine and sandbox:

1. release it (stubs, public tests, data, README): any authoring error surfaces here;
2. grade the solution on N hidden seeds: full marks on every one;
3. grade the released stubs: 0;
4. grade the stubs plus constants (:func:`constant_variants`): 0, whatever the constant
   (every point-bearing check must draw its inputs from the hidden seed);
5. grade the solution twice on the course's own seed: identical results;
6. report each check's time and the slowest check.
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from course.assignment import load_assignment
from course.config import CourseConfig
from course.errors import CourseError
from course.constants import VARIANTS, build_constants
from course.release import release

def constant_variants(stub_dir: Path, dest: Path, student_files) -> list[Path]:
    """One "stub + constants" submission folder per variant of :mod:`course.constants`."""
    return [build_constants(stub_dir, dest / f"constants-{v.name}", v, student_files) for v in VARIANTS]


def validate(*, config: CourseConfig, assignment_id: str, seeds: int = 3, sandbox: str | None = None,
             workers: int | None = None, echo=print) -> dict:
    """Run the checks above; return a report (``ok`` is True when every step held).

    ``seeds``: how many hidden seeds the solution is graded on (the course's own seed plus
    ``seeds - 1`` random ones).
    """
    from course.grading import _options
    from grader.engine import grade_submissions

    if seeds < 1:
        raise CourseError("--seeds must be at least 1")
    asg = load_assignment(config, assignment_id)
    if not asg.hidden_tests.is_dir():
        raise CourseError(f"assignment {asg.id!r} has no hidden/ checks")
    sandbox, workers = _options(config, sandbox, workers)
    spec = asg.grading_spec()
    problems: list[str] = []
    work = Path(tempfile.mkdtemp(prefix=f"ck-validate-{asg.id}-"))
    try:
        solution = release(config=config, assignment_id=asg.id, out=work / "solution", solution=True)
        stub = release(config=config, assignment_id=asg.id, out=work / "stub")
        echo(f"released {asg.id}: {', '.join(asg.student_files)}")
        variants = constant_variants(stub, work / "constants", asg.student_files)

        def run(label, paths, s=spec):
            doc = grade_submissions(s, paths, sandbox=sandbox, workers=workers, timings=True)
            for r in doc["submissions"]:
                if r["status"] != "graded":
                    problems.append(f"{label}: not graded: {r['error']}")
            return doc["submissions"]

        own = run("solution", [solution, solution])
        extra = [secrets.randbits(256) for _ in range(seeds - 1)]
        seeded = [run(f"solution (seed {i + 2})", [solution], replace(spec, seed=s))[0] for i, s in enumerate(extra)]
        stub_result = run("stub", [stub])[0]
        constants = run("stub + constants", variants)
        max_score = own[0]["max_score"]
        for label, r in [("solution", own[0]), *((f"solution on seed {i + 2}", r) for i, r in enumerate(seeded))]:
            if r["status"] == "graded" and r["score"] != r["max_score"]:
                lost = [c["id"].rsplit("::", 1)[-1] for c in r["checks"] if c["status"] != "passed"]
                problems.append(f"{label} scores {r['score']:g}/{r['max_score']:g}; failing: {', '.join(lost)}")
        if stub_result["status"] == "graded" and stub_result["score"] != 0:
            problems.append(f"the stub scores {stub_result['score']:g} (should be 0)")
        for variant, r in zip(VARIANTS, constants):
            if r["status"] == "graded" and r["score"] != 0:
                won = [c["id"].rsplit("::", 1)[-1] for c in r["checks"] if c["status"] == "passed" and c["points"]]
                problems.append(f"stub + constants ({variant.name}) scores {r['score']:g}; draw these checks' inputs "
                                f"from the hidden seed: {', '.join(won)}")

        def strip(r):
            return [{k: v for k, v in c.items() if k != "seconds"} for c in r["checks"]] + [r["score"]]

        if strip(own[0]) != strip(own[1]):
            problems.append("two runs of the solution differ (seed every random choice; loosen exact comparisons)")
        timing = sorted(((c["seconds"], c["id"].rsplit("::", 1)[-1]) for c in own[0]["checks"]), reverse=True)
        return {
            "assignment": asg.id, "ok": not problems, "problems": problems, "max_score": max_score,
            "solution_scores": [r["score"] for r in (own[0], *seeded)], "stub_score": stub_result["score"],
            "constant_scores": [r["score"] for r in constants],
            "check_seconds": {name: s for s, name in timing},
            "slowest": timing[0][1] if timing else None,
            "total_seconds": round(sum(s for s, _ in timing), 3),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
