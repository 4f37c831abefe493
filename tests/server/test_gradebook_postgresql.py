"""The gradebook on a real PostgreSQL server: the gradebook tests of tests/course (grading
into the history, never losing a grade, adjustments, export, feedback, hostile text) run
again here with the course's gradebook URL pointing at a fresh PostgreSQL database.
(tests/course runs them on SQLite.)"""
from __future__ import annotations

import shutil

import pytest

from tests.course.conftest import FIXTURE, fake_grade_submissions
from tests.course.test_course_grading import (  # noqa: F401 - collected here, on PostgreSQL
    collected, test_adjustments_export_and_feedback, test_grade_collected_scores_penalises_and_is_idempotent,
    test_not_graded_never_overwrites_a_grade_and_is_retried,
)
from tests.course.test_course_hostile_text import (  # noqa: F401
    _collected, _result, test_a_batch_records_every_submission_when_one_result_cannot_be_stored,
)
from tests.server.conftest import new_database


@pytest.fixture
def config(tmp_path, monkeypatch, postgres_server):
    """The tests/course fixture course, its gradebook a fresh PostgreSQL database."""
    from course.config import load_config
    from course.secret import SECRET_ENV, create_secret

    monkeypatch.delenv(SECRET_ENV, raising=False)
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    create_secret(root)
    url = new_database(postgres_server)
    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace('exchange = "exchange"\n', f'exchange = "exchange"\ngradebook = "{url}"\n'))
    cfg = load_config(root)
    assert cfg.gradebook.startswith("postgresql+psycopg://")
    return cfg


@pytest.fixture
def fake_engine(monkeypatch):
    import course.grading

    monkeypatch.setattr(course.grading, "_grade_submissions", fake_grade_submissions)
    return fake_grade_submissions


def test_postgresql_refuses_nul_and_surrogates_as_not_graded_rows(config, tmp_path):
    """PostgreSQL cannot store NUL in text (SQLite can: see tests/course): a raw result
    holding one becomes a ``not_graded`` row saying why, and the next record is unaffected.
    (The engine's results never hold one: grader.text.clean_text escapes it at the boundary.)"""
    from course.gradebook import open_gradebook
    from grader.text import clean_text

    ids = _collected(config, tmp_path)
    with open_gradebook(config) as book:
        assert book.record_result(ids["alice"], _result("a", "nul \x00 here", score=1.0))
        assert book.record_result(ids["bob"], _result("b", "surrogate \ud800 here", score=1.0))
        cleaned = clean_text("nul \x00 esc \x1b[2J", limit=None)
        assert book.record_result(ids["carol"], _result("c", cleaned, score=1.0))
        alice, bob, carol = (book.grade_of(ids[s]) for s in ("alice", "bob", "carol"))
    assert alice.status == "not_graded" and "could not be recorded" in alice.error
    assert bob.status == "not_graded" and "could not be recorded" in bob.error
    assert carol.status == "graded" and carol.checks[0].message == cleaned and "\x00" not in carol.checks[0].message
