"""Rate limits, upload limits, the audit log, and tokens (stored hashed, revocable)."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import make_course


@pytest.fixture
def app_and_tokens(tmp_path, monkeypatch, gradebook_url):
    from course.config import load_config
    from course.secret import SECRET_ENV
    from course.server import ServerLimits, create_app
    from course.tokens import issue_tokens

    monkeypatch.delenv(SECRET_ENV, raising=False)
    config = load_config(make_course(tmp_path, gradebook_url, on_submit="none"))
    tok = dict(issue_tokens(config=config, all_students=True, instructor=True))
    app = create_app(config, sandbox="none", limits=ServerLimits(
        max_upload_bytes=4096, max_files=3, submits_per_minute=2, requests_per_minute=8, anonymous_per_minute=3))
    yield app, tok, config
    app.state.queue.shutdown()
    app.state.book.close()


def _n_submissions(config) -> int:
    from course.gradebook import open_gradebook

    with open_gradebook(config) as book:
        return len(book.submissions())


def _up(client, token, body=b"x = 1\n", name="toy.py"):
    return client.post("/api/assignments/toy/submissions", headers={"Authorization": f"Bearer {token}"},
                       files=[("files", (name, body))])


def test_rate_limits_per_student_and_per_address(app_and_tokens):
    app, tok, config = app_and_tokens
    with TestClient(app) as c:
        assert _up(c, tok["alice"], b"a = 1\n").status_code == 201
        assert _up(c, tok["alice"], b"a = 2\n").status_code == 201
        r = _up(c, tok["alice"], b"a = 3\n")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert _n_submissions(config) == 2  # the refused one is not recorded
        assert _up(c, tok["bob"], b"b = 1\n").status_code == 201  # bob has his own budget
        statuses = [c.get("/api/me", headers={"Authorization": f"Bearer {tok['bob']}"}).status_code
                    for _ in range(10)]
        assert statuses.count(429) >= 1 and statuses[0] == 200  # requests per minute, all routes
        anon = [c.get("/api/me", headers={"Authorization": "Bearer ck_guess"}).status_code for _ in range(5)]
        assert anon[:3] == [401, 401, 401] and anon[3:] == [429, 429]
    lines = [json.loads(x) for x in (config.root / "server-audit.jsonl").read_text().splitlines()]
    assert [l["status"] for l in lines if l["who"] == "alice"] == [201, 201, 429]


def test_rate_limiter_window_slides():
    from course.server import RateLimiter

    rl = RateLimiter()
    assert rl.allow("k", 2, now=0.0) == 0 and rl.allow("k", 2, now=1.0) == 0
    assert rl.allow("k", 2, now=2.0) == pytest.approx(58.0)
    assert rl.allow("k", 2, now=60.5) == 0  # the first hit left the window


def test_upload_limits_and_wrong_files_record_nothing(app_and_tokens):
    app, tok, config = app_and_tokens
    auth = {"Authorization": f"Bearer {tok['alice']}"}
    with TestClient(app) as c:
        assert _up(c, tok["alice"], b"#" * 5000).status_code == 413
        many = [("files", (f"f{i}.py", b"x")) for i in range(5)]
        assert c.post("/api/assignments/toy/submissions", headers=auth, files=many).status_code == 400
        auth = {"Authorization": f"Bearer {tok['bob']}"}  # failed attempts count against the submit limit too
        r = _up(c, tok["bob"], name="../toy.py")
        assert r.status_code == 400 and "unexpected file" in r.json()["detail"]
        dup = [("files", ("toy.py", b"a")), ("files", ("toy.py", b"b"))]
        assert c.post("/api/assignments/toy/submissions", headers=auth, files=dup).status_code == 400
        assert c.post("/api/assignments/nope/submissions", headers=auth, files=dup).status_code == 404
    assert _n_submissions(config) == 0
    assert not (config.root / "submissions").exists() or not any((config.root / "submissions").rglob("toy.py"))


def test_tokens_are_stored_hashed_and_a_new_one_revokes_the_old(app_and_tokens):
    from sqlalchemy import select

    from course.gradebook import open_gradebook
    from course.tokens import ApiToken, issue_tokens

    app, tok, config = app_and_tokens
    with open_gradebook(config) as book, book.session() as s:
        stored = [row.digest for row in s.scalars(select(ApiToken))]
    assert len(stored) == 3 and not set(stored) & set(tok.values())
    assert all(len(d) == 64 for d in stored)
    new = dict(issue_tokens(config=config, students=["alice"]))["alice"]
    with TestClient(app) as c:
        assert c.get("/api/me", headers={"Authorization": f"Bearer {tok['alice']}"}).status_code == 401
        assert c.get("/api/me", headers={"Authorization": f"Bearer {new}"}).json() == {"role": "student",
                                                                                      "student": "alice"}


def test_duplicate_content_is_acknowledged_once(app_and_tokens):
    app, tok, config = app_and_tokens
    with TestClient(app) as c:
        first = _up(c, tok["alice"], b"same\n")
        again = _up(c, tok["alice"], b"same\n")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] and again.json()["id"] == first.json()["id"]
    assert _n_submissions(config) == 1
