"""The one exception type the CLI turns into a clear one-line error (exit code 1)."""


class CourseError(Exception):
    """A user-facing error: bad input, missing file, unknown assignment, ..."""
