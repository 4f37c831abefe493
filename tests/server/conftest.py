"""Fixtures of the server tests: a course with two students, a live server on 127.0.0.1,
and the gradebook on SQLite or on a real PostgreSQL server (started here, as user postgres)."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import require

FIXTURE = Path(__file__).resolve().parents[1] / "course" / "fixtures" / "course"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster on a loopback port: yields a URL prefix
    ``postgresql+psycopg://postgres@127.0.0.1:PORT``; stopped at the end of the session."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    require(initdb is not None and pg_ctl is not None, "initdb/pg_ctl not found (apt-get install postgresql)",
            "PostgreSQL")
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        require(False, str(exc), "psycopg")
    as_root = os.geteuid() == 0
    if as_root:
        try:
            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            require(False, "no user 'postgres' to run the server as", "PostgreSQL")
    base = Path(tempfile.mkdtemp(prefix="course-pg-"))
    data = base / "data"
    if as_root:
        os.chown(base, pg_user.pw_uid, pg_user.pw_gid)
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    port = free_port()
    subprocess.run(prefix + [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                             "--no-locale"], check=True, capture_output=True)
    subprocess.run(prefix + [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60", "-o",
                             f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def new_database(server_url: str) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def gradebook_url(request):
    """'' (the course's SQLite file) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return ""
    return new_database(request.getfixturevalue("postgres_server"))


def make_course(tmp_path: Path, gradebook_url: str = "", on_submit: str = "public") -> Path:
    from course.config import load_config
    from course.exchange import ensure_inbox
    from course.roster import add_student
    from course.secret import create_secret

    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    create_secret(root)
    toml = root / "course.toml"
    text = toml.read_text()
    if gradebook_url:
        text = text.replace('exchange = "exchange"\n', f'exchange = "exchange"\ngradebook = "{gradebook_url}"\n')
    toml.write_text(text)
    asg = root / "assignments" / "toy" / "assignment.toml"
    asg.write_text(f'on_submit = "{on_submit}"\n' + asg.read_text())
    config = load_config(root)
    for sid in ("alice", "bob"):
        add_student(config=config, student_id=sid, name=sid.title())
    ensure_inbox(config.exchange_path, "toy")  # what `course release` does: the assignment is open
    return root


@pytest.fixture
def server_course(tmp_path, monkeypatch, gradebook_url) -> Path:
    from course.secret import SECRET_ENV

    monkeypatch.delenv(SECRET_ENV, raising=False)
    return make_course(tmp_path, gradebook_url)


class LiveServer:
    """uvicorn in a thread of the test process, on a free loopback port."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def live(server_course):
    """A running server over ``server_course`` (grading on submit with the sandbox 'none')."""
    from course.config import load_config
    from course.server import ServerLimits, create_app

    config = load_config(server_course)
    app = create_app(config, sandbox="none", workers=2, limits=ServerLimits(submits_per_minute=30))
    srv = LiveServer(app)
    srv.config, srv.app = config, app
    yield srv
    srv.stop()
    app.state.queue.shutdown()
    app.state.book.close()


@pytest.fixture(autouse=True)
def client_home(tmp_path, monkeypatch):
    """Each test's own client config folder (``course login`` writes there)."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home
