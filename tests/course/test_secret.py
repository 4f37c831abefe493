"""SECURITY item 27: the course secret (256 random bits, never committed, never defaulted)
and the per-assignment hidden seeds derived from it."""
from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from course.assignment import list_assignments, load_assignment
from course.config import load_config
from course.errors import CourseError
from course.secret import SECRET_ENV, create_secret, derive_seed, load_secret

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def _one_error_line(result) -> str:
    assert result.exit_code == 1, (result.output, result.exception)
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), result.stderr
    return err[0]


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv("COURSE_HIDDEN_SEED", raising=False)


def test_secret_file_is_256_random_bits_mode_0600_and_gitignored(tmp_path):
    old = os.umask(0)  # a permissive umask must not loosen the file
    try:
        path = create_secret(tmp_path)
    finally:
        os.umask(old)
    assert path == tmp_path / ".course-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text().strip()
    assert len(text) == 64 and int(text, 16) >= 0          # 256 bits as hex
    assert "/.course-secret" in (tmp_path / ".gitignore").read_text().splitlines()
    other = tmp_path / "other"
    other.mkdir()
    (other / ".gitignore").write_text("*.pyc")              # an existing .gitignore is kept
    assert create_secret(other).read_text() != path.read_text()
    assert (other / ".gitignore").read_text().splitlines()[0] == "*.pyc"
    assert load_secret(tmp_path) == text.encode()


def test_secret_is_ignored_by_git_in_a_real_repository(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    create_secret(tmp_path)
    ignored = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", ".course-secret"], capture_output=True)
    assert ignored.returncode == 0, ignored


def test_repository_ignores_its_own_secret():
    assert "/.course-secret" in (REPO / ".gitignore").read_text().splitlines()
    assert "hidden_seed" not in (REPO / "course.toml").read_text().split("never from here")[-1]


def test_secret_is_never_overwritten(tmp_path):
    first = create_secret(tmp_path).read_text()
    with pytest.raises(CourseError, match="never overwritten"):
        create_secret(tmp_path)
    assert (tmp_path / ".course-secret").read_text() == first
    assert (tmp_path / ".gitignore").read_text().count(".course-secret\n") == 1


def test_cli_secret_init(course_root):
    (course_root / ".course-secret").unlink()
    result = _cli("secret", "init", "--course", course_root)
    assert result.exit_code == 0, result.output
    secret = (course_root / ".course-secret").read_text().strip()
    assert ".course-secret" in result.output and secret not in result.output
    assert "never overwritten" in _one_error_line(_cli("secret", "init", "--course", course_root))


def test_group_readable_secret_is_refused(tmp_path):
    path = create_secret(tmp_path)
    path.chmod(0o640)
    with pytest.raises(CourseError, match="chmod 600"):
        load_secret(tmp_path)


@pytest.mark.parametrize("value", ["", "1234", "g" * 64, "0" * 64, "ab" * 16 + "zz"])
def test_weak_or_malformed_secrets_are_refused(tmp_path, monkeypatch, value):
    monkeypatch.setenv(SECRET_ENV, value)
    with pytest.raises(CourseError, match=SECRET_ENV):
        load_secret(tmp_path)


def test_env_secret_takes_precedence(tmp_path, monkeypatch):
    create_secret(tmp_path)
    value = os.urandom(16).hex()
    monkeypatch.setenv(SECRET_ENV, value.upper())
    assert load_secret(tmp_path) == value.encode()


def test_missing_secret_grading_refuses_with_one_line(course_root, tmp_path):
    (course_root / ".course-secret").unlink()
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "toy.py").write_text("")
    for args in (("grade", "toy", sub), ("grade", "toy")):
        line = _one_error_line(_cli(*args, "--course", course_root))
        assert "no course secret" in line and "course secret init" in line and SECRET_ENV in line


def test_public_checks_and_release_need_no_secret(course_root, tmp_path):
    (course_root / ".course-secret").unlink()
    config = load_config(course_root)
    spec = load_assignment(config, "toy").grading_spec(public=True)
    assert spec.seed == config.seed
    assert _cli("release", "toy", "--out", tmp_path / "rel", "--course", course_root).exit_code == 0
    assert _cli("check", "--dir", tmp_path / "rel").exit_code == 0


def test_old_hidden_seed_key_is_refused(course_root):
    toml = course_root / "course.toml"
    toml.write_text(toml.read_text().replace("[course]\n", "[course]\nhidden_seed = 7346051\n"))
    line = _one_error_line(_cli("assignments", "--course", course_root))
    assert str(toml) in line and "hidden_seed" in line and ".course-secret" in line


def test_old_hidden_seed_env_is_refused(course_root, monkeypatch):
    monkeypatch.setenv("COURSE_HIDDEN_SEED", "7346051")
    with pytest.raises(CourseError, match="COURSE_HIDDEN_SEED"):
        load_assignment(load_config(course_root), "toy").grading_spec()


def test_seeds_keep_the_full_entropy_and_differ_per_assignment(monkeypatch):
    secret = os.urandom(32).hex()
    monkeypatch.setenv(SECRET_ENV, secret)
    assignments = list_assignments(load_config(REPO))
    seeds = {a.id: a.grading_spec().seed for a in assignments}
    assert len(set(seeds.values())) == len(seeds) >= 4
    for aid, seed in seeds.items():
        assert 2**128 < seed < 2**256                 # fails with probability 2**-128 per seed
        expected = hmac.new(secret.encode(), b"hidden-seed\0" + aid.encode(), hashlib.sha256).digest()
        assert seed == int.from_bytes(expected, "big") == derive_seed(secret.encode(), aid)
    monkeypatch.setenv(SECRET_ENV, os.urandom(32).hex())
    assert all(a.grading_spec().seed != seeds[a.id] for a in assignments)


def test_demo_course_gets_its_own_secret(tmp_path):
    from course.demo import build_demo_course

    root, _ = build_demo_course(tmp_path / "demo")
    path = root / ".course-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "hidden_seed" not in (root / "course.toml").read_text()
    assert load_assignment(load_config(root), "example").grading_spec().seed > 2**64
