"""Safe preparation of submissions (SECURITY.md item 19: zip-slip, symlinks, devices)."""
from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.submission import SubmissionError, notebook_to_source, prepare_submission


def make_zip(path: Path, entries) -> Path:
    """entries: (name, data, unix mode or None)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def test_plain_zip_is_extracted(tmp_path):
    src = make_zip(tmp_path / "s.zip", [("toy.py", "x = 1\n", 0o100644), ("pkg/", "", 0o40755),
                                        ("pkg/util.py", "y = 2\n", None)])
    out = prepare_submission(src, tmp_path / "out")
    assert (out / "toy.py").read_text() == "x = 1\n"
    assert (out / "pkg" / "util.py").read_text() == "y = 2\n"


@pytest.mark.parametrize(
    "name, mode, reason",
    [
        ("../evil.py", None, "escapes"),
        ("a/../../evil.py", None, "escapes"),
        ("/tmp/evil.py", None, "absolute"),
        ("C:/evil.py", None, "absolute"),
        ("..\\evil.py", None, "invalid name"),
        ("link.py", stat.S_IFLNK | 0o777, "symbolic link"),
        ("fifo", stat.S_IFIFO | 0o644, "special file"),
        ("dev", stat.S_IFCHR | 0o644, "special file"),
    ],
)
def test_unsafe_zip_entries_refuse_the_archive(tmp_path, name, mode, reason):
    src = make_zip(tmp_path / "s.zip", [("toy.py", "x = 1\n", None), (name, "/etc/passwd", mode)])
    (tmp_path / "sub").mkdir()
    with pytest.raises(SubmissionError, match=reason):
        prepare_submission(src, tmp_path / "sub" / "out")
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "sub" / "evil.py").exists()
    assert not Path("/tmp/evil.py").exists() or Path("/tmp/evil.py").read_text() != "/etc/passwd"


def test_zip_size_is_counted_while_extracting(tmp_path):
    src = make_zip(tmp_path / "bomb.zip", [("big.bin", b"\0" * 200_000, None)])
    with pytest.raises(SubmissionError, match="larger than"):
        prepare_submission(src, tmp_path / "out", max_bytes=100_000)


def test_zip_file_count_limit(tmp_path):
    src = make_zip(tmp_path / "many.zip", [(f"f{i}.py", "", None) for i in range(20)])
    with pytest.raises(SubmissionError, match="too many files"):
        prepare_submission(src, tmp_path / "out", max_files=10)


def test_duplicate_zip_entries_are_refused(tmp_path):
    src = tmp_path / "dup.zip"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("toy.py", "a = 1\n")
        with pytest.warns(UserWarning):
            zf.writestr("toy.py", "a = 2\n")
    with pytest.raises(SubmissionError, match="twice"):
        prepare_submission(src, tmp_path / "out")


def test_not_a_zip(tmp_path):
    src = tmp_path / "s.zip"
    src.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError, match="not a valid zip"):
        prepare_submission(src, tmp_path / "out")


def test_folder_copy_skips_symlinks_hardlinks_and_fifos(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "toy.py").write_text("x = 1\n")
    (src / "sub" / "ok.py").write_text("y = 2\n")
    (src / "leak.txt").symlink_to(secret)
    (src / "dirlink").symlink_to(tmp_path)
    os.link(secret, src / "hard.txt")
    os.mkfifo(src / "pipe")
    out = prepare_submission(src, tmp_path / "out")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert names == ["sub", "sub/ok.py", "toy.py"]


def test_symlinked_submission_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(SubmissionError, match="symbolic link"):
        prepare_submission(tmp_path / "link", tmp_path / "out")


def test_missing_and_unknown_submissions(tmp_path):
    with pytest.raises(SubmissionError, match="does not exist"):
        prepare_submission(tmp_path / "nope", tmp_path / "out")
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(SubmissionError, match="expected a folder"):
        prepare_submission(tmp_path / "x.txt", tmp_path / "out2")


def test_notebook_becomes_the_declared_module(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# title"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import math\n", "!pip install foo\n"]},
            {"cell_type": "code", "source": "%%bash\nrm -rf /\n"},
            {"cell_type": "code", "source": "%%time\ndef f(x):\n    %timeit x\n    return math.sqrt(x)\n"},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    src = tmp_path / "work.ipynb"
    src.write_text(json.dumps(nb))
    out = prepare_submission(src, tmp_path / "out", student_files=("toy.py",))
    code = (out / "toy.py").read_text()
    assert "rm -rf" not in code and "pip install" not in code
    namespace: dict = {}
    exec(compile(code, "toy.py", "exec"), namespace)
    assert namespace["f"](9.0) == 3.0
    out2 = prepare_submission(src, tmp_path / "out2", student_files=("a.py", "b.py"))
    assert (out2 / "work.py").is_file()


def test_notebook_without_cells_is_refused():
    with pytest.raises(SubmissionError, match="notebook"):
        notebook_to_source({"nbformat": 4})


def test_single_python_file(tmp_path):
    (tmp_path / "toy.py").write_text("x = 1\n")
    out = prepare_submission(tmp_path / "toy.py", tmp_path / "out")
    assert (out / "toy.py").read_text() == "x = 1\n"
