"""The student client of ``course serve``: ``course login``, ``fetch``, ``submit``, ``status``,
``feedback --fetch``.

``course login --server URL --token T`` checks the token against the server and keeps both
in ``$XDG_CONFIG_HOME/course-kit/client.json`` (default ``~/.config``), folder 0700, file
0600.  With no such file the student commands use the local exchange as before.
"""
from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

from course.errors import CourseError

CLIENT_FILE = "client.json"
TIMEOUT_S = 60.0


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "course-kit"


def load_client() -> dict | None:
    """``{"server", "token"}`` after ``course login``, else None."""
    path = config_dir() / CLIENT_FILE
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
        return {"server": str(doc["server"]), "token": str(doc["token"])}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CourseError(f"{path} is corrupt ({exc}); run `course login` again") from None


def _http(server: str, token: str):
    import httpx

    return httpx.Client(base_url=server.rstrip("/"), headers={"Authorization": f"Bearer {token}"},
                        timeout=TIMEOUT_S)


def _check(resp, what: str):
    if resp.status_code < 400:
        return resp
    try:
        detail = resp.json().get("detail", "")
    except ValueError:
        detail = resp.text[:200]
    if resp.status_code == 401:
        raise CourseError(f"{what}: the server refused the token ({detail}); run `course login` again")
    raise CourseError(f"{what}: {detail or 'HTTP ' + str(resp.status_code)}")


def _request(client: dict, method: str, path: str, what: str, **kw):
    import httpx

    try:
        with _http(client["server"], client["token"]) as http:
            return _check(http.request(method, path, **kw), what)
    except httpx.HTTPError as exc:
        raise CourseError(f"{what}: cannot reach {client['server']}: {exc}") from None


def login(*, server: str, token: str) -> dict:
    """Check ``token`` against ``server`` and save both (mode 0600)."""
    if not server.startswith(("http://", "https://")):
        raise CourseError(f"--server must be an http:// or https:// URL, got {server!r}")
    me = _request({"server": server, "token": token}, "GET", "/api/me", "login").json()
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / CLIENT_FILE
    tmp = folder / f".{CLIENT_FILE}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"server": server.rstrip("/"), "token": token}, fh)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return {**me, "path": str(path)}


def _require() -> dict:
    client = load_client()
    if client is None:
        raise CourseError("no server configured; run `course login --server URL --token TOKEN` first")
    return client


def fetch(*, assignment_id: str, out: Path | None = None) -> Path:
    """Download the release of ``assignment_id`` into ``out`` (default ``./<id>``), which
    must not exist yet (your work is never overwritten)."""
    client = _require()
    out = Path(out or assignment_id)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CourseError(f"{out} already exists; move it away or pass --out FOLDER (your work is never overwritten)")
    data = _request(client, "GET", f"/api/assignments/{assignment_id}/release", f"fetch {assignment_id}").content
    _safe_extract(data, out)
    return out


def _safe_extract(data: bytes, out: Path) -> None:
    """Extract plain files only; no absolute paths, ``..``, links or devices (SECURITY.md 19)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CourseError(f"the server sent a corrupt release ({exc})") from None
    with zf:
        for info in zf.infolist():
            parts = Path(info.filename).parts
            mode = info.external_attr >> 16
            if (info.filename.startswith("/") or ".." in parts or not parts
                    or stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR)):
                raise CourseError(f"the release holds an unsafe entry {info.filename!r}; nothing extracted")
        out.mkdir(parents=True, exist_ok=True)
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = out / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))


def _release_files(directory: Path, assignment_id: str | None) -> tuple[str, tuple[str, ...]]:
    from course.manifest import MANIFEST

    man_path = Path(directory) / MANIFEST
    if not man_path.is_file():
        raise CourseError(f"{Path(directory).resolve()} is not a release folder (no {MANIFEST}): run this in the "
                          "folder `course fetch` made, or pass --dir FOLDER")
    try:
        man = json.loads(man_path.read_text())
        aid, names = man["assignment"], tuple(man["student_files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CourseError(f"{man_path}: corrupt manifest: {exc}") from None
    if assignment_id and assignment_id != aid:
        raise CourseError(f"{directory} holds assignment {aid!r}, not {assignment_id!r}")
    return aid, names


def submit(*, assignment_id: str | None, directory: Path) -> dict:
    """Upload the declared files of ``directory``; the server answers once they are stored."""
    from course.exchange import _read_student_files

    client = _require()
    aid, names = _release_files(directory, assignment_id)
    files = _read_student_files(Path(directory), names)
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files.items()]
    return _request(client, "POST", f"/api/assignments/{aid}/submissions", f"submit {aid}", files=parts).json()


def status(*, assignment_id: str | None, directory: Path) -> list[dict]:
    """Your submissions of one assignment (default: the release folder's), with their results."""
    client = _require()
    aid = assignment_id or _release_files(directory, None)[0]
    return _request(client, "GET", f"/api/assignments/{aid}/submissions", f"status of {aid}").json()


def assignments() -> list[dict]:
    return _request(_require(), "GET", "/api/assignments", "list assignments").json()


def fetch_feedback(*, assignment_id: str | None, directory: Path, out: Path | None = None) -> list[Path]:
    """Save your released report (Markdown and HTML) into ``out`` (default ``<dir>/feedback``)."""
    client = _require()
    aid = assignment_id or _release_files(directory, None)[0]
    doc = _request(client, "GET", f"/api/assignments/{aid}/feedback", f"feedback on {aid}").json()
    out = Path(out) if out else Path(directory) / "feedback"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, key in ((".md", "markdown"), (".html", "html")):
        p = out / f"{aid}-report{ext}"
        p.write_text(doc[key])
        paths.append(p)
    return paths
