"""Cross-site request forgery on the web pages: every state-changing form (sign in, sign out,
upload, manual grading, regrade) needs the page's ``csrf`` field; without it, with a wrong
one, or with one of another session, the POST answers 403 and changes nothing."""
from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import make_course

RUBRIC = '\n[[rubric]]\nid = "q1"\npoints = 2\nprompt = "Explain."\n'
GOOD = b"def mean(x):\n    return sum(x) / len(x)\n"


@pytest.fixture
def site(tmp_path, monkeypatch):
    from course.config import load_config
    from course.secret import SECRET_ENV
    from course.server import create_app
    from course.tokens import issue_tokens

    monkeypatch.delenv(SECRET_ENV, raising=False)
    root = make_course(tmp_path, "", on_submit="none")
    toml = root / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + RUBRIC)
    config = load_config(root)
    tokens = dict(issue_tokens(config=config, all_students=True, instructor=True))
    app = create_app(config, sandbox="none")
    yield config, tokens, app
    app.state.queue.shutdown()
    app.state.book.close()


def csrf_of(c: TestClient, path: str) -> str:
    found = set(re.findall(r'name="csrf" value="([0-9a-f]{64})"', c.get(path).text))
    assert len(found) == 1, found
    return found.pop()


def signed_in(app, token: str) -> TestClient:
    c = TestClient(app)
    c.cookies.set("course_token", token)
    return c


def _submissions(config) -> list:
    from course.gradebook import open_gradebook

    with open_gradebook(config) as book:
        return sorted(book.latest_submissions("toy"))


def test_sign_in_needs_the_login_pages_csrf_field(site):
    config, tok, app = site
    with TestClient(app) as c:
        field = csrf_of(c, "/")
        assert "course_csrf" in c.cookies
        for data in ({"token": tok["alice"]},                        # no field (a cross-site form)
                     {"token": tok["alice"], "csrf": "0" * 64},     # a guessed one
                     {"token": tok["alice"], "csrf": field[:-1] + ("0" if field[-1] != "0" else "1")}):
            r = c.post("/login", data=data, follow_redirects=False)
            assert r.status_code == 403 and "csrf" in r.json()["detail"].lower()
            assert "course_token" not in r.headers.get("set-cookie", "")
        r = c.post("/login", data={"token": tok["alice"], "csrf": field}, follow_redirects=False)
        assert r.status_code == 303 and "course_token=" in r.headers["set-cookie"]
    with TestClient(app) as other:  # the field is worthless without its own nonce cookie
        r = other.post("/login", data={"token": tok["alice"], "csrf": field}, follow_redirects=False)
        assert r.status_code == 403


def test_upload_without_a_valid_csrf_field_stores_nothing(site):
    config, tok, app = site
    with signed_in(app, tok["alice"]) as alice, signed_in(app, tok["bob"]) as bob:
        alices = csrf_of(alice, "/me")
        bobs = csrf_of(bob, "/me")
        files = [("files", ("toy.py", GOOD))]
        assert alice.post("/me/toy/submit", files=files, follow_redirects=False).status_code == 403
        assert alice.post("/me/toy/submit", data={"csrf": "f" * 64}, files=files,
                          follow_redirects=False).status_code == 403
        # bob's field with alice's session cookie (and bob's nonce cookie): another session
        bob.cookies.set("course_token", tok["alice"])
        assert bob.post("/me/toy/submit", data={"csrf": bobs}, files=files, follow_redirects=False).status_code == 403
        bob.cookies.set("course_token", tok["bob"])
        assert _submissions(config) == []
        r = alice.post("/me/toy/submit", data={"csrf": alices}, files=files, follow_redirects=False)
        assert r.status_code == 303 and "submitted+toy" in r.headers["location"]
        assert _submissions(config) == ["alice"]
        # a forged cross-site post: the victim's session cookie, no nonce cookie, any field
        forged = signed_in(app, tok["bob"])
        assert forged.post("/me/toy/submit", data={"csrf": bobs}, files=files,
                           follow_redirects=False).status_code == 403
        assert _submissions(config) == ["alice"]


def test_manual_grading_and_regrade_need_the_instructor_pages_field(site):
    from course.gradebook import open_gradebook

    config, tok, app = site
    with signed_in(app, tok["alice"]) as alice:  # a graded-able submission, so the page lists alice
        assert alice.post("/me/toy/submit", data={"csrf": csrf_of(alice, "/me")},
                          files=[("files", ("toy.py", GOOD))], follow_redirects=False).status_code == 303
    with signed_in(app, tok["instructor"]) as c:
        field = csrf_of(c, "/instructor")
        grade = {"student": "alice", "points:q1": "1.5", "comment:q1": "ok"}
        assert c.post("/instructor/toy/manual", data=grade, follow_redirects=False).status_code == 403
        assert c.post("/instructor/toy/manual", data={**grade, "csrf": "a" * 64},
                      follow_redirects=False).status_code == 403
        with open_gradebook(config) as book:
            assert book.manual_points("toy") == []
        assert c.post("/instructor/toy/regrade", follow_redirects=False).status_code == 403
        assert c.post("/instructor/toy/regrade", data={"csrf": "0"}, follow_redirects=False).status_code == 403
        assert app.state.queue.jobs == {}
        r = c.post("/instructor/toy/manual", data={**grade, "csrf": field}, follow_redirects=False)
        assert r.status_code == 303
        with open_gradebook(config) as book:
            assert [(m.item_id, m.points) for m in book.manual_points("toy", "alice")] == [("q1", 1.5)]
        assert c.post("/instructor/toy/regrade", data={"csrf": field}, follow_redirects=False).status_code == 303
        assert len(app.state.queue.jobs) == 1
        assert c.post("/logout", follow_redirects=False).status_code == 403
        assert c.post("/logout", data={"csrf": field}, follow_redirects=False).status_code == 303
    # every refusal is in the audit log, as a 403
    lines = [json.loads(x) for x in (config.root / "server-audit.jsonl").read_text().splitlines()]
    refused = [x for x in lines if x.get("refused") == "csrf"]
    assert len(refused) == 5 and all(x["status"] == 403 for x in refused)
