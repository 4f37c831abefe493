"""``kill -9`` of the server during uploads loses no acknowledged submission: every 201
names files that are on disk (content hash intact) and a row in the gradebook."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.server.conftest import free_port, make_course

LAUNCH = """
import sys
from course.config import load_config
from course.server import ServerLimits, serve
serve(config=load_config(sys.argv[1]), port=int(sys.argv[2]), sandbox="none",
      limits=ServerLimits(submits_per_minute=10_000, requests_per_minute=10_000))
"""


def _start(root, port):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(p) for p in sys.path if p])}
    log = open(root / f"server-{port}.log", "ab")
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(root), str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start: {(root / f'server-{port}.log').read_text()[-2000:]}")
        time.sleep(0.2)


@pytest.mark.slow
def test_kill_9_during_uploads_loses_no_acknowledged_submission(tmp_path, monkeypatch, gradebook_url):
    from course.config import load_config
    from course.exchange import content_hash
    from course.gradebook import open_gradebook
    from course.roster import add_student
    from course.secret import SECRET_ENV
    from course.tokens import issue_tokens

    monkeypatch.delenv(SECRET_ENV, raising=False)
    root = make_course(tmp_path, gradebook_url, on_submit="none")
    config = load_config(root)
    for i in range(6):
        add_student(config=config, student_id=f"s{i}")
    tok = dict(issue_tokens(config=config, all_students=True))
    port = free_port()
    proc = _start(root, port)
    acked: list[tuple[str, dict, bytes]] = []
    refused: list[str] = []
    lock, stop = threading.Lock(), threading.Event()

    def uploader(student: str) -> None:
        n = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"Authorization": f"Bearer {tok[student]}"}) as c:
            while not stop.is_set():
                n += 1
                body = f"# {student} attempt {n}\n".encode() + os.urandom(2000).hex().encode()
                try:
                    r = c.post("/api/assignments/toy/submissions", files=[("files", ("toy.py", body))])
                except httpx.HTTPError:
                    continue  # the server is gone: this upload was never acknowledged
                with lock:
                    if r.status_code == 201:
                        acked.append((student, r.json(), body))
                    else:
                        refused.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=uploader, args=(sid,)) for sid in tok]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(acked) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # mid-upload: the uploaders are still sending
    proc.wait(timeout=30)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(acked) >= 3, f"too few uploads acknowledged before the kill; refused: {refused[:5]}"

    with open_gradebook(config) as book:
        rows = {(s.student_id, s.content_hash): s for s in book.submissions("toy")}
    for student, doc, body in acked:
        sub = rows.get((student, doc["content_hash"]))
        assert sub is not None, f"acknowledged submission {doc} of {student} lost"
        assert sub.id == doc["id"]
        stored = (root / "submissions" / "toy" / doc["content_hash"] / "toy.py").read_bytes()
        assert stored == body and content_hash({"toy.py": stored}) == doc["content_hash"]
    # the restarted server serves them
    proc = _start(root, port)
    try:
        student = acked[0][0]
        mine = httpx.get(f"http://127.0.0.1:{port}/api/assignments/toy/submissions",
                         headers={"Authorization": f"Bearer {tok[student]}"}).json()
        assert {d["id"] for s, d, _ in acked if s == student} <= {row["id"] for row in mine}
    finally:
        proc.kill()
        proc.wait(timeout=30)
