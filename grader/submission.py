"""Safe preparation of a submission into a private directory (host side).

A submission is a folder, a ``.zip``, a notebook (``.ipynb``) or a single ``.py`` file.
Whatever it is, :func:`prepare_submission` copies only regular files into a fresh
directory, never following symlinks or writing outside it (SECURITY.md item 19):

- folders: walked without following symlinks; symlinks, hard-linked files, FIFOs,
  sockets and devices are skipped;
- zips: any entry with an absolute path, ``..``, a backslash, a symlink or a special
  file type refuses the whole archive; sizes are counted while extracting (a header
  cannot lie about them);
- notebooks: the code cells, minus IPython magics and shell lines, become the module
  named after the single declared student file (or ``<notebook stem>.py``).
"""
from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from grader.text import clean_text

__all__ = ["SubmissionError", "prepare_submission", "notebook_to_source", "MAX_BYTES", "MAX_FILES"]

#: Default limits of a prepared submission.
MAX_BYTES = 50 * 1024 * 1024
MAX_FILES = 2000
_CHUNK = 1 << 16
_SAFE_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")


class SubmissionError(ValueError):
    """The submission cannot be accepted (the message says why, in one line).

    The message quotes student-chosen names, so it is cleaned here, once
    (:func:`grader.text.clean_text`: no control characters, valid UTF-8, capped).
    """

    def __init__(self, message: str) -> None:
        super().__init__(clean_text(message, limit=500, multiline=False))


class _Budget:
    def __init__(self, max_bytes: int, max_files: int) -> None:
        self.max_bytes, self.max_files = max_bytes, max_files
        self.bytes = self.files = 0

    def add_file(self, name: str) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise SubmissionError(f"too many files (more than {self.max_files})")

    def add_bytes(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise SubmissionError(f"submission larger than {self.max_bytes // (1024 * 1024)} MB")


def _create(path: Path):
    """Open a new file for writing; never through an existing file or symlink."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    return os.fdopen(fd, "wb")


def _copy_stream(src, dst, budget: _Budget) -> None:
    while True:
        chunk = src.read(_CHUNK)
        if not chunk:
            return
        budget.add_bytes(len(chunk))
        dst.write(chunk)


# ----------------------------------------------------------------------------- folders
def _copy_tree(src: Path, dest: Path, budget: _Budget) -> None:
    with os.scandir(src) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name in (".git", "__pycache__", ".ipynb_checkpoints"):
                continue
            st = entry.stat(follow_symlinks=False)
            target = dest / entry.name
            if stat.S_ISDIR(st.st_mode):
                target.mkdir()
                _copy_tree(Path(entry.path), target, budget)
            elif stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
                budget.add_file(entry.name)
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as fin, _create(target) as fout:
                    if not stat.S_ISREG(os.fstat(fin.fileno()).st_mode):  # swapped after the scan
                        raise SubmissionError(f"{entry.name}: not a regular file")
                    _copy_stream(fin, fout, budget)
            # symlinks, hard links, FIFOs, sockets, devices: skipped, never followed


# ----------------------------------------------------------------------------- zips
def _safe_member(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path, ``None`` for a directory; refuses anything unsafe."""
    name = info.filename
    if "\\" in name or "\x00" in name:
        raise SubmissionError(f"zip entry {name!r} has an invalid name")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (path.parts and ":" in path.parts[0]):
        raise SubmissionError(f"zip entry {name!r} is an absolute path")
    if any(part == ".." for part in path.parts):
        raise SubmissionError(f"zip entry {name!r} escapes the submission folder")
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise SubmissionError(f"zip entry {name!r} is a symbolic link")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise SubmissionError(f"zip entry {name!r} is a special file (device, FIFO or socket)")
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        return None
    if info.is_dir() or kind == stat.S_IFDIR:
        return None
    return PurePosixPath(*parts)


def _extract_zip(src: Path, dest: Path, budget: _Budget) -> None:
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # ValueError: e.g. an entry name that is not UTF-8
        raise SubmissionError(f"not a valid zip file: {exc}") from None
    with archive:
        members = []
        for info in archive.infolist():
            rel = _safe_member(info)
            if rel is not None:
                members.append((info, rel))
        seen = set()
        for info, rel in members:
            if rel.parts[0] in ("__MACOSX",) or rel.name == ".DS_Store":
                continue
            if rel in seen:
                raise SubmissionError(f"zip entry {info.filename!r} appears twice")
            seen.add(rel)
            budget.add_file(str(rel))
            target = dest.joinpath(*rel.parts)
            parent = dest
            for part in rel.parts[:-1]:
                parent = parent / part
                if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                    raise SubmissionError(f"zip entry {info.filename!r} conflicts with another entry")
                parent.mkdir(exist_ok=True)
            try:
                with archive.open(info) as fin, _create(target) as fout:
                    _copy_stream(fin, fout, budget)
            except FileExistsError:
                raise SubmissionError(f"zip entry {info.filename!r} conflicts with another entry") from None
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
                raise SubmissionError(f"zip entry {info.filename!r} cannot be read: {exc}") from None


# ----------------------------------------------------------------------------- notebooks
def notebook_to_source(notebook: dict) -> str:
    """Python source of a notebook's code cells, IPython magics and shell lines removed."""
    if type(notebook) is not dict or type(notebook.get("cells")) is not list:
        raise SubmissionError("not a Jupyter notebook (no cells)")
    chunks = []
    for cell in notebook["cells"]:
        if type(cell) is not dict or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if type(source) is list:
            source = "".join(s for s in source if type(s) is str)
        if type(source) is not str:
            continue
        lines = source.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            if not lines[0].lstrip().startswith(_SAFE_CELL_MAGICS):
                continue  # %%bash, %%writefile, ...: not Python
            lines = lines[1:]
        kept = []
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                indent = line[: len(line) - len(stripped)]
                kept.append(f"{indent}pass  # IPython magic removed" if indent else "# IPython magic or shell line removed")
            else:
                kept.append(line)
        chunks.append("\n".join(kept))
    return "\n\n".join(chunks) + "\n"


def _notebook(src: Path, dest: Path, student_files, budget: _Budget) -> None:
    size = src.stat().st_size
    budget.add_bytes(size)
    try:
        notebook = json.loads(src.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"{src.name}: not a readable notebook: {exc}") from None
    py_files = [f for f in student_files if f.endswith(".py")]
    name = py_files[0] if len(py_files) == 1 else f"{src.stem}.py"
    budget.add_file(name)
    with _create(dest / name) as fout:
        fout.write(notebook_to_source(notebook).encode())


# ----------------------------------------------------------------------------- entry point
def prepare_submission(
    src,
    dest,
    *,
    student_files=(),
    max_bytes: int = MAX_BYTES,
    max_files: int = MAX_FILES,
) -> Path:
    """Copy submission ``src`` (folder, zip, notebook or .py file) into new folder ``dest``.

    Parameters
    ----------
    src : path
        What the student handed in.
    dest : path
        Folder to create (must not exist); it receives regular files only.
    student_files : sequence of str
        The assignment's declared files (names a notebook's module).
    max_bytes, max_files : int
        Limits on the prepared submission.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    SubmissionError
        The submission is missing, unsafe or too large (one-line reason).
    """
    src, dest = Path(src), Path(dest)
    budget = _Budget(max_bytes, max_files)
    try:
        st = os.stat(src, follow_symlinks=False)
    except OSError:
        raise SubmissionError(f"{src} does not exist") from None
    if stat.S_ISLNK(st.st_mode):
        raise SubmissionError(f"{src} is a symbolic link")
    dest.mkdir(mode=0o755)
    if stat.S_ISDIR(st.st_mode):
        _copy_tree(src, dest, budget)
    elif not stat.S_ISREG(st.st_mode):
        raise SubmissionError(f"{src} is not a file or folder")
    elif src.suffix == ".zip":
        _extract_zip(src, dest, budget)
    elif src.suffix == ".ipynb":
        _notebook(src, dest, student_files, budget)
    elif src.suffix == ".py":
        budget.add_file(src.name)
        with open(src, "rb") as fin, _create(dest / src.name) as fout:
            _copy_stream(fin, fout, budget)
    else:
        raise SubmissionError(f"{src.name}: expected a folder, .zip, .ipynb or .py file")
    return dest
