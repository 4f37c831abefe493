"""The web pages of ``course serve`` (server-rendered, jinja2, no JavaScript).

- ``/``: sign in with your token (kept in an HttpOnly, SameSite=Strict cookie).
- ``/me``: a student's page: upload per open assignment, my submissions with the results
  the assignment's policy shows, my released feedback (``/me/<id>/feedback``).
- ``/instructor``: the gradebook per assignment, per-check statistics with the plot of
  ``course stats``, manual grading of rubric items student by student, a regrade button.

Every value shown passes jinja2's autoescape after :func:`grader.text.clean_text`
(SECURITY.md 32); identity is the cookie's token, checked like the API's bearer token.

Cross-site request forgery: every form (sign in, sign out, upload, manual grading,
regrade) carries a hidden ``csrf`` field, and its POST handler answers 403, changing
nothing, when the field is missing or wrong.  The field is
``HMAC-SHA256(server key, nonce | sha256(session token))``: the nonce is a random value
in its own HttpOnly, SameSite=Strict cookie (``course_csrf``, set by any page), the
server key is random per server process and never leaves it, and the session token is
the sign-in cookie ("" before signing in).  Another site can neither read the field nor
compute it, a field from one session does not work for another, and a planted nonce
cookie is useless without the key (a signed double-submit cookie).  The cookies'
SameSite=Strict is a second, independent defence.  The JSON API is not affected: it
authenticates with the ``Authorization`` header, which a browser never adds by itself.
"""

import csv
import hashlib
import hmac
import io
import re
import secrets
import tempfile
from pathlib import Path

COOKIE = "course_token"
CSRF_COOKIE = "course_csrf"
CSRF_FIELD = "csrf"
_NONCE = re.compile(r"^[0-9a-f]{32}$")


class Csrf:
    """Signed double-submit CSRF tokens (see the module docstring)."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key or secrets.token_bytes(32)

    def token(self, nonce: str, session: str) -> str:
        msg = f"{nonce}|{hashlib.sha256(session.encode()).hexdigest()}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    def valid(self, nonce: str | None, session: str | None, sent: str | None) -> bool:
        if not nonce or not _NONCE.match(nonce) or not sent or not isinstance(sent, str):
            return False
        return hmac.compare_digest(sent.encode(), self.token(nonce, session or "").encode())


def install_pages(app, ctx) -> None:
    from fastapi import Depends, HTTPException, Request
    from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

    from course.feedback import _env

    env = _env(True)
    config, book = ctx.config, ctx.book
    csrf = Csrf()

    def page(request: Request, name: str, **values) -> HTMLResponse:
        nonce = request.cookies.get(CSRF_COOKIE) or ""
        fresh = not _NONCE.match(nonce)
        if fresh:
            nonce = secrets.token_hex(16)
        token = csrf.token(nonce, request.cookies.get(COOKIE) or "")
        html = env.get_template(name).render(course=config.name, **{"message": "", **values, "csrf": token})
        resp = HTMLResponse(html, headers={"Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'",
                                           "X-Frame-Options": "DENY", "Cache-Control": "no-store"})
        if fresh:
            resp.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp

    def require_csrf(request: Request, sent, session: str | None) -> None:
        """403, before anything changes, unless ``sent`` is this session's CSRF token."""
        if not csrf.valid(request.cookies.get(CSRF_COOKIE), session, sent if isinstance(sent, str) else None):
            request.state.audit = {"refused": "csrf"}
            raise HTTPException(403, "missing or wrong CSRF token: reload the page and submit the form again")

    def who(request: Request):
        token = request.cookies.get(COOKIE)
        if not token:
            raise HTTPException(401, "sign in first")
        return ctx.identify(request, token)

    def student(me=Depends(who)):
        if me["role"] != "student":
            raise HTTPException(403, "this page is for students")
        return me

    def instructor(me=Depends(who)):
        if me["role"] != "instructor":
            raise HTTPException(403, "this page is for the instructor")
        return me

    @app.get("/", response_class=HTMLResponse)
    def sign_in_page(request: Request, error: str = ""):
        return page(request, "web_login.html.j2", error=error[:200])

    @app.post("/login")
    async def sign_in(request: Request):
        form = await request.form(max_files=0, max_fields=3)
        require_csrf(request, form.get(CSRF_FIELD), "")  # login CSRF: no signing in as someone else
        token = str(form.get("token", "")).strip()
        me = ctx.identify(request, token)  # 401 (and the bad-token rate limit) when wrong
        target = "/instructor" if me["role"] == "instructor" else "/me"
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp

    @app.post("/logout")
    async def sign_out(request: Request):
        form = await request.form(max_files=0, max_fields=2)
        require_csrf(request, form.get(CSRF_FIELD), request.cookies.get(COOKIE) or "")
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    # -- students -------------------------------------------------------------------------
    @app.get("/me", response_class=HTMLResponse)
    def student_page(request: Request, me=Depends(student), message: str = ""):
        from course.assignment import list_assignments
        from course.exchange import inbox_path
        from course.feedback_exchange import feedback_root

        rows = []
        for asg in list_assignments(config):
            if not inbox_path(config.exchange_path, asg.id).is_dir():
                continue
            subs = ctx.my_submissions(asg.id, me)
            latest = subs[-1] if subs else None
            has_feedback = bool(latest) and (feedback_root(config.exchange_path, asg.id)
                                             / f"{me['student']}.{latest['content_hash']}").is_dir()
            rows.append({"id": asg.id, "title": asg.title, "files": asg.student_files, "due": asg.due,
                         "submissions": subs, "feedback": has_feedback})
        return page(request, "web_student.html.j2", student=me["student"], assignments=rows, message=message[:200])

    @app.post("/me/{assignment_id}/submit")
    async def student_upload(assignment_id: str, request: Request, me=Depends(student)):
        from starlette.concurrency import run_in_threadpool

        asg = ctx.released(assignment_id)
        ctx.limited(f"submit:{me['student']}", ctx.limits.submits_per_minute)
        fields = {CSRF_FIELD: ""}
        files = await ctx.read_upload(request, asg.student_files, fields)
        require_csrf(request, fields[CSRF_FIELD], request.cookies.get(COOKIE))
        row, duplicate = await run_in_threadpool(ctx.record_submission, asg, me["student"], files)
        request.state.audit = {"assignment": asg.id, "content_hash": row["content_hash"], "submission": row["id"],
                               "duplicate": duplicate}
        note = "identical to an earlier submission" if duplicate else f"submitted {asg.id}"
        return RedirectResponse(f"/me?message={note.replace(' ', '+')}", status_code=303)

    @app.get("/me/{assignment_id}/feedback", response_class=HTMLResponse)
    def student_feedback(assignment_id: str, me=Depends(student)):
        from course.feedback_exchange import feedback_root

        asg = ctx.released(assignment_id)
        latest = book.latest_submissions(asg.id).get(me["student"])
        folder = feedback_root(config.exchange_path, asg.id) / f"{me['student']}.{latest.content_hash}" if latest else None
        if folder is None or not (folder / "report.html").is_file():
            raise HTTPException(404, "no feedback released for you yet")
        # the report is the feedback module's own escaped HTML
        return HTMLResponse((folder / "report.html").read_text(),
                            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"})

    # -- instructor -----------------------------------------------------------------------
    @app.get("/instructor", response_class=HTMLResponse)
    def instructor_page(request: Request, me=Depends(instructor), message: str = ""):
        from course.assignment import list_assignments
        from course.gradebook import final_grades

        sections = []
        for asg in list_assignments(config):
            grades = final_grades(book, config, asg.id)
            if not any(g.submission for g in grades):
                continue
            try:
                from course.stats import assignment_stats

                stats = assignment_stats(config=config, assignment_id=asg.id)
            except Exception:  # noqa: BLE001 - nothing graded yet
                stats = None
            sections.append({"id": asg.id, "title": asg.title, "grades": grades, "stats": stats,
                             "rubric": asg.rubric})
        return page(request, "web_instructor.html.j2", sections=sections, message=message[:200])

    @app.get("/instructor/{assignment_id}/scores.png")
    def stats_plot(assignment_id: str, me=Depends(instructor)):
        from course.stats import write_stats

        out = Path(tempfile.mkdtemp(prefix="course-stats-"))
        write_stats(config=config, assignment_id=assignment_id, out=out)
        data = (out / "scores.png").read_bytes()
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        return Response(data, media_type="image/png")

    @app.post("/instructor/{assignment_id}/manual")
    async def manual_grade(assignment_id: str, request: Request, me=Depends(instructor)):
        from starlette.concurrency import run_in_threadpool

        from course.manual import import_sheet

        form = await request.form(max_files=0, max_fields=200)
        require_csrf(request, form.get(CSRF_FIELD), request.cookies.get(COOKIE))
        student_id = str(form.get("student", ""))
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["student", "item", "points", "comment"])
        for key in form.keys():
            if key.startswith("points:"):
                item = key[len("points:"):]
                w.writerow([student_id, item, str(form.get(key, "")), str(form.get(f"comment:{item}", ""))])
        with tempfile.TemporaryDirectory() as tmp:
            sheet = Path(tmp) / "sheet.csv"
            sheet.write_text(buf.getvalue())
            n = await run_in_threadpool(lambda: import_sheet(config=config, assignment_id=assignment_id, path=sheet))
        request.state.audit = {"assignment": assignment_id, "student": student_id, "manual_items": n}
        return RedirectResponse(f"/instructor?message=stored+{n}+manual+grade(s)+for+{student_id}", status_code=303)

    @app.post("/instructor/{assignment_id}/regrade")
    async def regrade(assignment_id: str, request: Request, me=Depends(instructor)):
        from course.assignment import load_assignment

        form = await request.form(max_files=0, max_fields=2)
        require_csrf(request, form.get(CSRF_FIELD), request.cookies.get(COOKIE))

        load_assignment(config, assignment_id)
        job = ctx.queue.grade(assignment_id, regrade=True, student=None)
        request.state.audit = {"job": job}
        return RedirectResponse(f"/instructor?message=regrade+queued+(job+{job[:8]})", status_code=303)
