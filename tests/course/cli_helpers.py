"""Running the ``course`` CLI in tests: ``run`` (must succeed) and ``fails`` (one error line)."""
from __future__ import annotations

from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result


def fails(*args, match: str):
    """The command fails with exit 1 and ONE line on stderr starting with 'error:'."""
    result = run(*args, ok=False)
    assert result.exit_code == 1, (result.output, result.exception)
    err = result.stderr.strip().splitlines()
    assert err and err[-1].startswith("error: "), result.stderr
    assert match in err[-1], err[-1]
    return result
