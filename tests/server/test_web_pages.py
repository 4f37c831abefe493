"""The web pages: escaping (SECURITY.md 32), who may see which page, and a real headless
Chromium (Debian's chromium + chromium-driver, driven by selenium) uploading as a student
and grading a rubric item as the instructor.  Screenshots are kept in $TEST_ARTIFACTS
(default: test-artifacts/ at the repository root)."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT, require
from tests.server.conftest import LiveServer, make_course

RUBRIC = '\n[[rubric]]\nid = "q1"\npoints = 2\nprompt = "Why does <b>this</b> work?"\n'
HOSTILE = b"def mean(x):\n    raise ValueError('<script>alert(1)</script> Score: 100/100')\n"


@pytest.fixture
def web_course(tmp_path, monkeypatch, gradebook_url):
    from course.config import load_config
    from course.secret import SECRET_ENV
    from course.tokens import issue_tokens

    monkeypatch.delenv(SECRET_ENV, raising=False)
    root = make_course(tmp_path, gradebook_url, on_submit="public")
    toml = root / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text() + RUBRIC)
    config = load_config(root)
    return config, dict(issue_tokens(config=config, all_students=True, instructor=True))


@pytest.fixture
def app(web_course):
    from course.server import create_app

    a = create_app(web_course[0], sandbox="none")
    yield a
    a.state.queue.shutdown()
    a.state.book.close()


def _wait_page(c, path, text, timeout=180.0):
    deadline = time.monotonic() + timeout
    while True:
        page = c.get(path).text
        if text in page:
            return page
        assert time.monotonic() < deadline, f"{text!r} never appeared on {path}"
        time.sleep(0.5)


def csrf_of(c, path: str) -> str:
    """The CSRF field of the forms on ``path`` (the GET also sets the nonce cookie)."""
    import re

    found = set(re.findall(r'name="csrf" value="([0-9a-f]{64})"', c.get(path).text))
    assert len(found) == 1, found
    return found.pop()


def test_pages_escape_student_text_and_check_roles(app, web_course):
    config, tok = web_course
    with TestClient(app) as c:
        assert c.get("/me").status_code == 401 and c.get("/instructor").status_code == 401
        assert c.post("/login", data={"token": "ck_wrong", "csrf": csrf_of(c, "/")},
                      follow_redirects=False).status_code == 401
        r = c.post("/login", data={"token": tok["alice"], "csrf": csrf_of(c, "/")}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/me"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        c.cookies.set("course_token", tok["alice"])
        assert c.post("/me/toy/submit", data={"csrf": csrf_of(c, "/me")}, files=[("files", ("toy.py", HOSTILE))],
                      follow_redirects=False).status_code == 303
        page = _wait_page(c, "/me", "public checks:")
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert c.get("/instructor").status_code == 403
        assert c.post("/instructor/toy/regrade").status_code == 403
        assert c.post("/instructor/toy/manual", data={"student": "bob", "points:q1": "2"}).status_code == 403
        c.cookies.set("course_token", tok["instructor"])
        page = c.get("/instructor").text
        assert 'title="Why does &lt;b&gt;this&lt;/b&gt; work?"' in page
        bad = c.post("/instructor/toy/manual", data={"student": "alice", "points:q1": "5",
                                                     "csrf": csrf_of(c, "/instructor")})
        assert bad.status_code == 400 and "within 0..2" in bad.json()["detail"]
        assert c.get("/me").status_code == 403  # the instructor is not a student
    from course.gradebook import open_gradebook

    with open_gradebook(config) as book:
        assert book.manual_points("toy") == []  # the refused sheet stored nothing


def _chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture
def browser(tmp_path):
    binary, driver = _chromium(), shutil.which("chromedriver")
    require(binary is not None and driver is not None, "apt-get install chromium chromium-driver",
            "Chromium and chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        require(False, str(exc), "selenium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'chrome-profile'}",
                 "--window-size=1200,1400"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_page_load_timeout(120)
    yield drv
    drv.quit()


def _wait(drv, element_id: str, text: str = ""):
    """The element once it is on the page (and holds ``text``): clicks navigate asynchronously."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        els = d.find_elements(By.ID, element_id)
        return els[0] if els and text in els[0].text else False

    return WebDriverWait(drv, 120, poll_frequency=0.2).until(found, f"#{element_id} with {text!r}")


def _shot(drv, name: str) -> Path:
    out = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    assert drv.save_screenshot(str(path)) and path.stat().st_size > 1000
    return path


@pytest.mark.slow
def test_browser_student_upload_and_instructor_manual_grading(app, web_course, browser, tmp_path, request):
    from selenium.webdriver.common.by import By

    config, tok = web_course
    from course.release import release

    solution = release(config=config, assignment_id="toy", out=tmp_path / "sol", solution=True) / "toy.py"
    srv = LiveServer(app)
    tag = request.node.callspec.params["gradebook_url"]  # sqlite | postgresql
    try:
        # the student signs in with the token and uploads the file
        browser.get(srv.url + "/")
        _wait(browser, "token").send_keys(tok["alice"])
        browser.find_element(By.ID, "sign-in").click()
        assert _wait(browser, "student").text == "alice"
        browser.find_element(By.ID, "file-toy-1").send_keys(str(solution))
        browser.find_element(By.ID, "upload-toy").click()
        _wait(browser, "message", "submitted toy")
        deadline = time.monotonic() + 180
        while "public checks: 1/1" not in browser.find_element(By.TAG_NAME, "body").text:
            assert time.monotonic() < deadline, "the public result never appeared"
            time.sleep(1)
            browser.get(srv.url + "/me")
        _shot(browser, f"student-upload-{tag}")
        # the instructor grades the rubric item of alice by hand
        browser.delete_all_cookies()
        browser.get(srv.url + "/")
        _wait(browser, "token").send_keys(tok["instructor"])
        browser.find_element(By.ID, "sign-in").click()
        box = _wait(browser, "points-toy-alice-q1")
        box.clear()
        box.send_keys("1.5")
        browser.find_element(By.ID, "save-toy-alice").click()
        _wait(browser, "message", "stored 1 manual grade(s) for alice")
        row = browser.find_element(By.ID, "grade-toy-alice")
        assert row.find_element(By.CLASS_NAME, "manual").text == "1.5/2"
        _shot(browser, f"instructor-manual-{tag}")
    finally:
        srv.stop()
    from course.gradebook import open_gradebook

    with open_gradebook(config) as book:
        rows = book.manual_points("toy", "alice")
    assert [(r.item_id, r.points) for r in rows] == [("q1", 1.5)]
