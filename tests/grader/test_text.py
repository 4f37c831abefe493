"""The one sanitiser of student text (SECURITY.md item 28) and where it is applied."""
from __future__ import annotations

import json
import zipfile

import pytest

from grader.proxy import StudentError, StudentRoot, StudentSession, escape_output
from grader.spec import Limits
from grader.submission import SubmissionError, prepare_submission
from grader.text import clean_text

HOSTILE = "bad \ud800 \udcff \x00 \x1b[2J \r\u202e\u2028 end"


def _storable(text: str) -> bool:
    text.encode("utf-8")  # raises on a lone surrogate
    return all(ch.isprintable() or ch in "\n\t" for ch in text)


def test_lone_surrogates_nul_and_control_characters_are_escaped():
    out = clean_text(HOSTILE)
    assert out == "bad \\ud800 \\udcff \\x00 \\x1b[2J \\r\\u202e\\u2028 end"
    assert _storable(out)


def test_invalid_utf8_bytes_are_escaped_and_valid_text_is_kept():
    assert clean_text(b"caf\xc3\xa9 \xff\xfe \xed\xa0\x80") == "café \\xff\\xfe \\xed\\xa0\\x80"
    assert clean_text("Ångström λ=500 nm, naïve: ok") == "Ångström λ=500 nm, naïve: ok"


def test_newline_and_tab_are_kept_only_for_multiline_text():
    assert clean_text("a\n\tb") == "a\n\tb"
    assert clean_text("a\n\tb", multiline=False) == "a\\n\\tb"


def test_length_is_capped_with_a_marker_never_inside_an_escape():
    assert clean_text("x" * 50, limit=10) == "x" * 10 + "... [40 more characters cut]"
    out = clean_text("\x00" * 10, limit=9)  # two escapes of 4 characters fit, the third does not
    assert out == "\\x00\\x00... [8 more characters cut]"
    assert clean_text("short", limit=5) == "short"


def test_cleaning_is_idempotent_and_total():
    once = clean_text(HOSTILE + "\n" + "\\x00 literal backslashes stay")
    assert clean_text(once) == once

    class Rigged:
        def __str__(self):
            raise RuntimeError("no")

    class Sneaky(str):
        def __str__(self):
            return "\x00"

    assert clean_text(Rigged()) == "<unprintable Rigged>"
    assert clean_text(Sneaky("ok")) == "ok"
    assert clean_text(None) == ""


def test_escape_output_is_the_same_sanitiser():
    data = b"\xff\x00\x1b[2J line\n\ttab \xed\xa0\x80"
    assert escape_output(data) == clean_text(data, limit=None)


def test_a_student_exception_crosses_the_boundary_cleaned(tmp_path):
    """The worker (backend none: same wire, no sandbox) raises a hostile exception."""
    from grader.sandbox import get_backend

    (tmp_path / "hostile.py").write_text(
        "def boom():\n"
        "    raise ValueError('\\ud800 \\x00 \\x1b[2J <script>alert(1)</script>')\n"
        "Weird = type('Bad\\x1bName\\u202e', (Exception,), {})\n"
        "def weird():\n"
        "    raise Weird('\\udcff')\n"
    )
    session = StudentSession(get_backend("none")(), tmp_path, limits=Limits(check_timeout=20))
    try:
        session.set_timeout(20)
        root = StudentRoot(session)
        with pytest.raises(ValueError) as info:
            root.hostile.boom()
        err = info.value
        assert isinstance(err, StudentError)
        assert err.student_message == "\\ud800 \\x00 \\x1b[2J <script>alert(1)</script>"
        assert str(err) == err.student_message and _storable(err.student_traceback)
        with pytest.raises(StudentError) as info:
            root.hostile.weird()
        assert info.value.type_name == "Bad\\x1bName\\u202e" and info.value.student_message == "\\udcff"
        assert _storable(info.value.describe())
    finally:
        session.kill()


def test_submission_errors_quote_file_names_cleaned(tmp_path):
    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../\x1b[2J\u202e.py", "x")
    with pytest.raises(SubmissionError) as info:
        prepare_submission(bad, tmp_path / "out")
    assert "escapes the submission folder" in str(info.value) and _storable(str(info.value))
    assert "\x1b" not in str(info.value) and "\\x1b[2J\\u202e" in str(info.value)


def test_a_zip_entry_name_that_is_not_utf8_is_refused_not_a_crash(tmp_path):
    bad = tmp_path / "names.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("t\u00ffy.py", "x = 1\n")  # non-ASCII: stored as UTF-8, flag bit 11 set
    raw = bad.read_bytes()
    assert raw.count(b"t\xc3\xbfy.py") == 2
    bad.write_bytes(raw.replace(b"t\xc3\xbfy.py", b"t\xff\xffy.py"))  # the flag says UTF-8; the bytes are not
    with pytest.raises(SubmissionError) as info:
        prepare_submission(bad, tmp_path / "out")
    assert _storable(str(info.value))


def test_plugin_detail_messages_are_cleaned_one_line():
    from grader.plugin import _cap

    out = _cap("your code raised ValueError: \ud800\x00\n# Score: 23/23\x1b[2J" + "y" * 1000)
    assert _storable(out) and "\n" not in out and out.endswith("more characters cut]")
    json.dumps(out, ensure_ascii=False).encode("utf-8")
