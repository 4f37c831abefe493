"""The server's grading queue on a real Dask cluster (`dask scheduler` + two `dask worker`
processes on 127.0.0.1): with ``[grading] cluster`` in course.toml, grading on submit and the
instructor's grade jobs run on the cluster's workers, never in the server process, and the
server alone records the results."""
from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.dask_cluster import dask_cluster  # noqa: F401 - the fixture
from tests.server.conftest import make_course


def _no_local_engine(*args, **kwargs):
    raise AssertionError("the server graded in its own process instead of on the cluster")


def _scheduler_prefixes(cluster) -> set[str]:
    """Task-name prefixes the scheduler has seen (``ck-grade`` for grading tasks)."""
    return set(cluster.client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes)))


@pytest.mark.slow
def test_on_submit_and_grade_jobs_go_to_the_configured_cluster(dask_cluster, tmp_path, monkeypatch):
    import course.grading
    from course.config import load_config
    from course.gradebook import open_gradebook
    from course.release import release
    from course.secret import SECRET_ENV
    from course.server import create_app
    from course.tokens import issue_tokens

    monkeypatch.delenv(SECRET_ENV, raising=False)
    root = make_course(tmp_path, "", on_submit="hidden-full")
    toml = root / "course.toml"
    toml.write_text(toml.read_text() + f'\n[grading]\ncluster = "{dask_cluster.address}"\n')
    config = load_config(root)
    assert config.cluster == dask_cluster.address
    tok = dict(issue_tokens(config=config, all_students=True, instructor=True))
    solution = (release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True) / "toy.py").read_bytes()
    stub = (release(config=config, assignment_id="toy", out=tmp_path / "stub") / "toy.py").read_bytes()
    assert "ck-grade" not in _scheduler_prefixes(dask_cluster)
    monkeypatch.setattr(course.grading, "_grade_submissions", _no_local_engine)

    app = create_app(config, sandbox="none", workers=2)
    assert app.state.queue.cluster == dask_cluster.address
    try:
        with TestClient(app) as c:
            for student, body in (("alice", solution), ("bob", stub)):
                r = c.post("/api/assignments/toy/submissions", headers={"Authorization": f"Bearer {tok[student]}"},
                           files=[("files", ("toy.py", body))])
                assert r.status_code == 201, r.text
            views = {}
            deadline = time.monotonic() + 240
            for student in ("alice", "bob"):
                while True:
                    rows = c.get("/api/assignments/toy/submissions",
                                 headers={"Authorization": f"Bearer {tok[student]}"}).json()
                    if rows[0]["result"]["state"] not in ("queued", "running"):
                        break
                    assert time.monotonic() < deadline, rows
                    time.sleep(0.5)
                views[student] = rows[0]["result"]
            assert views["alice"]["state"] == views["bob"]["state"] == "done", views
            assert views["alice"]["score"] == views["alice"]["max_score"] > 0
            assert views["bob"]["score"] == 0.0 and views["bob"]["results"]
            assert "ck-grade" in _scheduler_prefixes(dask_cluster)  # the work went through the scheduler
            with open_gradebook(config) as book:  # hidden-full: the server recorded both grades
                latest = book.latest_submissions("toy")
                assert {s: book.grade_of(sub.id).score for s, sub in latest.items()} == \
                    {"alice": views["alice"]["max_score"], "bob": 0.0}
            # the instructor's regrade job takes the same way
            inst = {"Authorization": f"Bearer {tok['instructor']}"}
            job = c.post("/api/instructor/assignments/toy/grade?regrade=true", headers=inst).json()["job"]
            while (state := c.get(f"/api/instructor/jobs/{job}", headers=inst).json())["state"] in ("queued", "running"):
                assert time.monotonic() < deadline + 240, state
                time.sleep(0.5)
            assert state["state"] == "done" and state["result"]["graded"] == 2, state
            with open_gradebook(config) as book:
                latest = book.latest_submissions("toy")
                assert [len(book.grade_history(latest[s].id)) for s in ("alice", "bob")] == [2, 2]
    finally:
        app.state.queue.shutdown()
        app.state.book.close()


def test_local_overrides_the_configured_cluster_and_bad_addresses_fail_at_start(tmp_path, monkeypatch):
    from course.config import load_config
    from course.errors import CourseError
    from course.secret import SECRET_ENV
    from course.server import GradingQueue

    monkeypatch.delenv(SECRET_ENV, raising=False)
    root = make_course(tmp_path, "", on_submit="public")
    toml = root / "course.toml"
    toml.write_text(toml.read_text() + '\n[grading]\ncluster = "tcp://127.0.0.1:9"\n')
    config = load_config(root)
    q = GradingQueue(config, sandbox="none", workers=1)
    assert q.cluster == "tcp://127.0.0.1:9"
    q.shutdown()
    q = GradingQueue(config, sandbox="none", workers=1, cluster="local")
    assert q.cluster is None
    q.shutdown()
    with pytest.raises(CourseError, match="tcp://HOST:PORT"):
        GradingQueue(config, sandbox="none", workers=1, cluster="127.0.0.1:8786")
