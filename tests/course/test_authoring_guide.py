"""docs/authoring.md: its `# file:` blocks form an assignment that `course validate` passes."""
from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

from typer.testing import CliRunner

import cli

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"
BLOCK = re.compile(r"```(?:python|toml)\n# file: (?P<path>\S+)\n(?P<body>.*?)```", re.S)


def guide_files() -> dict[str, str]:
    return {m["path"]: m["body"] for m in BLOCK.finditer(GUIDE.read_text())}


def test_guide_blocks_are_a_valid_assignment(tmp_path, monkeypatch):
    files = guide_files()
    assert {"assignments/magnitudes/assignment.toml", "assignments/magnitudes/solution/magnitudes.py",
            "assignments/magnitudes/hidden/test_magnitudes_hidden.py",
            "assignments/magnitudes/tests/test_magnitudes_public.py"} <= set(files)
    root = tmp_path / "course"
    (root / "assignments").mkdir(parents=True)
    (root / "course.toml").write_text('[course]\nname = "Guide"\nseed = 5\n')
    monkeypatch.setenv("COURSE_SECRET", secrets.token_hex(32))
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    r = CliRunner().invoke(cli.app, ["validate", "magnitudes", "--sandbox", "none", "--seeds", "3",
                                     "--json", "-", "--course", str(root)], catch_exceptions=False)
    report = json.loads(r.output)
    assert report["ok"], report["problems"]
    assert report["solution_scores"] == [7.0, 7.0, 7.0]
    assert report["stub_score"] == 0.0 and set(report["constant_scores"]) == {0.0}


def test_guide_documents_every_limit():
    from dataclasses import fields

    from grader.spec import Limits

    text = GUIDE.read_text()
    undocumented = [f.name for f in fields(Limits) if f.name not in text and f.name != "message_bytes"]
    assert not undocumented, f"docs/authoring.md does not mention limits {undocumented}"
