"""The proxy and the worker, driven directly (no pytest subprocess): fast, per backend."""
from __future__ import annotations

import time

import numpy as np
import pytest

from grader.proxy import CallTimeout, RemoteObject, StudentError, StudentRoot, StudentSession, WorkerDied
from grader.spec import Limits

MODULE = '''
import os, sys, time
import numpy as np

class Model:
    def __init__(self, k=1):
        self.k = k
    def fit(self, X):
        self.coef_ = np.ones(np.shape(X)[1]) * self.k
        return self

class MyError(KeyError):
    pass

def raise_(kind):
    if kind == "linalg":
        raise np.linalg.LinAlgError("singular matrix")
    if kind == "custom":
        raise MyError("nope")
    if kind == "exit":
        sys.exit(3)
    raise ValueError("bad value")

def ask():
    return input("name? ")

def flood(n):
    sys.stdout.write("x" * n)
    sys.stderr.buffer.write(bytes(range(256)) * 4)
    os.write(1, b"\\x1b[2J\\x00raw")
    return n

def big(n):
    return np.zeros(n)

def hang():
    time.sleep(10 ** 9)

def die():
    os._exit(0)

def echo(*args, **kwargs):
    return args, kwargs
'''


@pytest.fixture(scope="module", params=["none", "bwrap", "docker"])
def session(request, tmp_path_factory, backend_for):
    backend = backend_for(request.param)
    sub = tmp_path_factory.mktemp(f"sub-{request.param}")
    (sub / "spym.py").write_text(MODULE)
    sub.chmod(0o755)  # readable by the sandbox's unprivileged user
    s = StudentSession(backend, sub, limits=Limits(check_timeout=20, output_bytes=5000, message_bytes=2_000_000))
    yield s
    s.kill()


@pytest.fixture
def student(session):
    session.set_timeout(20)
    return StudentRoot(session)


def test_values_come_back_exactly_typed(student):
    args, kwargs = student.spym.echo(np.arange(3), 1.5, "s", None, (1, 2), k={"a": [True]})
    assert type(args) is tuple and type(args[0]) is np.ndarray and np.array_equal(args[0], np.arange(3))
    assert args[1:] == (1.5, "s", None, (1, 2)) and kwargs == {"k": {"a": [True]}}


def test_objects_are_handles_with_same_identity(student):
    model = student.spym.Model(k=2)
    assert type(model) is RemoteObject
    assert model.fit(np.zeros((4, 3))) is model
    assert np.array_equal(model.coef_, [2.0, 2.0, 2.0])
    model.k = 5
    assert model.k == 5
    assert not hasattr(model, "missing_attribute_")
    with pytest.raises(TypeError):
        len(model)
    with pytest.raises(TypeError):
        iter(model)
    assert (model == model) and not (model == 2)
    assert np.asarray(model).dtype == object


def test_harness_objects_cannot_be_sent(student):
    with pytest.raises(TypeError, match="cannot send"):
        student.spym.echo(lambda: 1)


@pytest.mark.parametrize("kind, builtin, name", [("linalg", ValueError, "LinAlgError"), ("custom", KeyError, "MyError"),
                                                 ("value", ValueError, "ValueError")])
def test_student_exceptions_map_to_builtins(student, kind, builtin, name):
    with pytest.raises(builtin) as info:
        student.spym.raise_(kind)
    assert isinstance(info.value, StudentError) and info.value.type_name == name
    assert "spym.py" in info.value.student_traceback


def test_sys_exit_in_a_call_is_an_error_not_an_exit(student):
    with pytest.raises(StudentError) as info:
        student.spym.raise_("exit")
    assert not isinstance(info.value, SystemExit) and info.value.type_name == "SystemExit"


def test_input_gets_eof(student):
    with pytest.raises(EOFError):
        student.spym.ask()


def test_environment_is_minimal(student, monkeypatch):
    env = student.os.environ.copy()
    assert type(env) is dict
    assert not any(k.startswith(("COURSEKIT", "CK_", "PYTEST")) or "TOKEN" in k or "SECRET" in k for k in env)
    assert len(env) <= 20


def test_output_flood_is_truncated_and_escaped(student, session):
    assert student.spym.flood(2_000_000) == 2_000_000
    time.sleep(0.5)
    text = session.output_text()
    assert len(text) < 5000 * 4 + 200
    assert "more bytes of output dropped" in text
    assert "\x00" not in text and "\x1b" not in text


def test_oversized_return_value_is_refused(student):
    with pytest.raises(ValueError, match="too large"):
        student.spym.big(1_000_000)
    assert student.spym.echo(1) == ((1,), {})  # the worker survived


def test_hang_times_out_and_the_worker_restarts(student, session):
    model = student.spym.Model()
    starts = session.starts
    session.set_timeout(1.5)
    t0 = time.monotonic()
    with pytest.raises(CallTimeout, match="timed out after 1.5 s"):
        student.spym.hang()
    assert time.monotonic() - t0 < 10
    session.set_timeout(20)
    with pytest.raises(WorkerDied):
        model.fit(np.zeros((2, 2)))  # belonged to the killed worker
    assert student.spym.echo(2) == ((2,), {})
    assert session.starts == starts + 1


def test_os_exit_raises_worker_died_with_reason(student):
    with pytest.raises(WorkerDied, match="exited with code 0"):
        student.spym.die()
    assert student.spym.echo(3) == ((3,), {})
