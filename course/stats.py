"""``course stats``: how an assignment went: per-check pass rate, the score histogram and
the most common failure messages, from each student's counting grade (latest submission).

Writes ``<out>/index.html`` with a matplotlib figure ``scores.png`` (default ``out``:
``<course>/stats/<assignment>``) and returns the terminal table.
"""
from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from course.config import CourseConfig
from course.errors import CourseError


def assignment_stats(*, config: CourseConfig, assignment_id: str) -> dict:
    """``graded`` (count), ``scores`` (list), ``max_score``, ``checks`` (id, passed, total,
    rate), ``failures`` (message, count; the 10 most common)."""
    from course.assignment import load_assignment
    from course.feedback import check_name
    from course.gradebook import final_grades, open_gradebook

    asg = load_assignment(config, assignment_id)
    with open_gradebook(config) as book:
        rows = [fg for fg in final_grades(book, config, asg.id) if fg.status == "graded"]
    if not rows:
        raise CourseError(f"no graded submissions for {asg.id!r}; run `course grade {asg.id}` first")
    per_check: dict[str, list[int]] = {}
    failures: Counter = Counter()
    for fg in rows:
        for c in fg.grade.checks:
            tally = per_check.setdefault(check_name(c.check_id), [0, 0])
            tally[0] += c.status == "passed"
            tally[1] += 1
            if c.status != "passed":
                msg = (c.message or "").strip()
                first = msg.splitlines()[0][:200] if msg else c.status
                failures[(check_name(c.check_id), first)] += 1
    return {
        "assignment": asg.id, "title": asg.title, "graded": len(rows),
        "scores": [fg.score for fg in rows], "finals": [fg.final for fg in rows],
        "max_score": max(fg.max_score for fg in rows),
        "checks": [{"id": k, "passed": v[0], "total": v[1], "rate": v[0] / v[1]} for k, v in per_check.items()],
        "failures": [{"check": k[0], "message": k[1], "count": n} for k, n in failures.most_common(10)],
    }


def _histogram(scores: list[float], max_score: float, bins: int = 10) -> list[tuple[float, float, int]]:
    top = max(max_score, max(scores), 1e-9)
    width = top / bins
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, int(s / width))] += 1
    return [(i * width, (i + 1) * width, n) for i, n in enumerate(counts)]


def stats_table(st: dict) -> str:
    from course.export import fmt_num

    lines = [f"{st['assignment']}: {st['graded']} graded submission(s), max {fmt_num(st['max_score'])} points", "",
             f"{'pass rate':>9}  {'passed':>9}  check"]
    for c in st["checks"]:
        lines.append(f"{100 * c['rate']:>8.0f}%  {c['passed']:>4}/{c['total']:<4}  {c['id']}")
    lines += ["", "scores:"]
    for lo, hi, n in _histogram(st["scores"], st["max_score"]):
        lines.append(f"  {fmt_num(lo):>6} - {fmt_num(hi):<6} {'#' * n} {n}")
    if st["failures"]:
        lines += ["", "most common failures:"]
        lines += [f"  {f['count']:>4}x  {f['check']}: {f['message']}" for f in st["failures"]]
    return "\n".join(lines)


def write_stats(*, config: CourseConfig, assignment_id: str, out: Path | None = None) -> tuple[str, Path]:
    """Compute the statistics, write ``index.html`` and ``scores.png`` under ``out``;
    returns (terminal table, path of the HTML page)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CourseError("course stats needs matplotlib (pip install matplotlib)") from None
    st = assignment_stats(config=config, assignment_id=assignment_id)
    out = Path(out) if out else config.root / "stats" / st["assignment"]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CourseError(f"cannot create {out}: {exc.strerror}") from exc
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.hist(st["scores"], bins=[lo for lo, _, _ in _histogram(st["scores"], st["max_score"])] +
             [max(st["max_score"], max(st["scores"]), 1e-9)], color="#3b6ea5", edgecolor="white")
    ax1.set_xlabel("score (checks)")
    ax1.set_ylabel("students")
    ax1.set_title(f"{st['assignment']}: scores")
    names = [c["id"] for c in st["checks"]]
    ax2.barh(range(len(names)), [100 * c["rate"] for c in st["checks"]], color="#1a7f37")
    ax2.set_yticks(range(len(names)), names, fontsize=8)
    ax2.set_xlim(0, 100)
    ax2.set_xlabel("pass rate (%)")
    ax2.invert_yaxis()
    fig.tight_layout()
    png = out / "scores.png"
    tmp = out / ".scores.png.tmp"
    fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    tmp.replace(png)
    e = html.escape
    rows = "".join(f"<tr><td><code>{e(c['id'])}</code></td><td>{c['passed']}/{c['total']}</td>"
                   f"<td>{100 * c['rate']:.0f} %</td></tr>" for c in st["checks"])
    fails = "".join(f"<tr><td>{f['count']}</td><td><code>{e(f['check'])}</code></td><td><pre>{e(f['message'])}</pre></td></tr>"
                    for f in st["failures"])
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(st['title'])}: statistics</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border-bottom:1px solid #ccc;padding:.3em .6em;text-align:left}pre{margin:0;white-space:pre-wrap}</style>"
            f"</head><body><h1>{e(st['title'])}</h1><p>{st['graded']} graded submission(s)</p>"
            "<img src=\"scores.png\" alt=\"score histogram and pass rate per check\" width=\"100%\">"
            f"<h2>Checks</h2><table><tr><th>check</th><th>passed</th><th>rate</th></tr>{rows}</table>"
            f"<h2>Most common failures</h2><table><tr><th>n</th><th>check</th><th>message</th></tr>{fails}</table>"
            "</body></html>\n")
    from course.export import write_atomic

    write_atomic(out / "index.html", page)
    return stats_table(st), out / "index.html"
