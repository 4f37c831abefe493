"""The one sanitiser for student-controlled text (SECURITY.md item 28).

Everything a student controls and the trusted side keeps or shows (exception type, message
and traceback from the worker, captured output, file and notebook names, reasons quoting
them) passes :func:`clean_text` once, where it enters the trusted side.  The result is
always storable and printable:

- valid UTF-8: invalid bytes become ``\\xff``, lone surrogates ``\\ud800``;
- no control or other non-printable characters: NUL, ESC, CR, bidi overrides, ... are
  written as Python escapes (``\\x00``, ``\\x1b``, ``\\r``, ``\\u202e``); newline and tab
  are kept only when ``multiline`` is true;
- at most ``limit`` characters, then a marker saying how many were cut.

Cleaning is idempotent: cleaning clean text (within the limit) changes nothing.  This
module must not import ``course`` (the grader stands alone); ``course`` imports it.
"""
from __future__ import annotations

__all__ = ["clean_text", "DEFAULT_LIMIT"]

#: Characters kept by default (a long traceback fits; a flood does not).
DEFAULT_LIMIT = 4000


def _escape(ch: str) -> str:
    return repr(ch)[1:-1]  # '\x00' -> '\\x00', '\ud800' -> '\\ud800', '\u202e' -> '\\u202e'


def _clean_segment(segment: str) -> str:
    if segment.isprintable():  # the fast path: ordinary text
        return segment
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in segment)


def clean_text(value, *, limit: int | None = DEFAULT_LIMIT, multiline: bool = True) -> str:
    """``value`` (str, bytes or anything with a ``str``) as safe, printable text.

    Parameters
    ----------
    value : str, bytes or object
        Student-controlled text; bytes are decoded as UTF-8 with invalid bytes escaped.
        ``None`` gives ``""``.
    limit : int or None
        Most characters kept (after escaping); longer text is cut and ends with
        ``"... [N more characters cut]"``.  None: no limit.
    multiline : bool
        Keep ``\\n`` and ``\\t`` (True) or escape them too (False, for one-line text such
        as file names and reasons).

    Returns
    -------
    str
        Text without lone surrogates, control or other non-printable characters.

    Examples
    --------
    >>> clean_text("bad \\ud800 \\x00 \\x1b[2J")
    'bad \\\\ud800 \\\\x00 \\\\x1b[2J'
    >>> clean_text(b"ok\\xff\\n")
    'ok\\\\xff\\n'
    >>> clean_text("a\\nb", multiline=False)
    'a\\\\nb'
    """
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        text = bytes(value).decode("utf-8", errors="backslashreplace")
    elif isinstance(value, str):
        text = str.__str__(value)  # an exact str: a subclass cannot bring its own methods along
    else:
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - a rigged __str__
            text = f"<unprintable {type(value).__name__}>"
        if not isinstance(text, str):
            text = "<unprintable>"
        text = str.__str__(text)
    keep = "\n\t" if multiline else ""
    if limit is None:
        return _clean_lines(text, keep)
    head = _clean_lines(text[: max(limit, 0) + 1], keep)  # escaping only lengthens text
    if len(head) <= limit and len(text) <= limit:
        return head
    # cut at a whole character (never inside an escape): count the source characters shown
    out, used = [], 0
    for ch in text:
        piece = ch if ch in keep or ch.isprintable() else _escape(ch)
        if used + len(piece) > limit:
            break
        out.append(piece)
        used += len(piece)
    return f"{''.join(out)}... [{len(text) - len(out)} more characters cut]"


def _clean_lines(text: str, keep: str) -> str:
    if not keep:
        return _clean_segment(text)
    return "\n".join("\t".join(_clean_segment(s) for s in line.split("\t")) for line in text.split("\n"))
