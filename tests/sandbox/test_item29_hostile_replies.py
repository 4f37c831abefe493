"""SECURITY item 29: a hostile reply small on the wire but huge in memory.

A submission hijacks the worker's reply encoder (student code shares the worker's
process, so it can replace ``sys.modules["_coursekit_wire"].pack``) and answers one call
with a frame of :mod:`hostile_replies`: a 200 MB valid JSON reply, millions of JSON
values under the header cap, a 128-byte ``.npy`` of a zero-byte dtype claiming 2e9
elements, an array header whose shape disagrees with its data, lists nested 200 000
deep.  Each must fail that check only (worker restarted), leave the next check and the
next submission graded normally, and keep the trusted harness under its memory limit.

The codec-level tests run everywhere; the grading tests run on bwrap and on Docker.
"""
from __future__ import annotations

import inspect
import os
import struct
import time
import tracemalloc

import numpy as np
import pytest

import hostile_replies
from grader._worker import wire
from grader.engine import grade_submission, grade_submissions
from grader.spec import GradingSpec, Limits

#: The harness runs under this memory limit in these tests (the default is 4096 MB).
HARNESS_MB = 1024
#: A harness that refused the reply stays near its idle size (pytest + numpy: about 50 MB).
REFUSED_PEAK_MB = 160
LIMITS = Limits(check_timeout=20, total_timeout=180, memory_mb=1536, harness_memory_mb=HARNESS_MB)

HIDDEN = '''
import numpy as np
import pytest


def test_add(student):
    """add() adds two numbers."""
    assert student.toy29.add(2, 3) == 5


@pytest.mark.points(2)
def test_squares(student):
    """squares(n) returns the first n squares."""
    got = student.toy29.squares(6)
    assert np.array_equal(np.unique(got), np.arange(6) ** 2)


def test_echo(student):
    """echo() returns its argument unchanged."""
    assert student.toy29.echo([1, "a", 2.5]) == [1, "a", 2.5]


def test_mean(student):
    """mean() of an array."""
    assert student.toy29.mean(np.arange(10.0)) == 4.5
'''

SOLUTION = '''
import numpy as np


def add(a, b):
    return a + b


def squares(n):
    return np.arange(n) ** 2


def echo(x):
    return x


def mean(x):
    return float(np.mean(x))
'''

PARTIAL = SOLUTION + '''

def mean(x):
    return float(np.median(x)) + 1.0
'''

STUB = '''
def add(a, b):
    raise NotImplementedError


def squares(n):
    raise NotImplementedError


def echo(x):
    raise NotImplementedError


def mean(x):
    raise NotImplementedError
'''

HIJACK = '''

import sys as _sys


def squares(n):
    """Answer this call with a hand-made frame instead of the real reply."""
    wire = _sys.modules["_coursekit_wire"]
    original = wire.pack
    forged = ATTACKS[{name!r}]()

    def pack(meta, value=None, **kwargs):
        wire.pack = original
        return forged

    wire.pack = pack
    return None
'''

#: Points of each check of the toy assignment, and the score a hostile submission keeps.
MAX_SCORE = 5.0
HOSTILE_SCORE = 3.0  # everything but test_squares (2 points)
SCORES = {"solution": 5.0, "partial": 4.0, "stub": 0.0}


def hostile_source(name: str) -> str:
    return SOLUTION + inspect.getsource(hostile_replies) + HIJACK.format(name=name)


def write_submission(root, label: str, source: str):
    path = root / label
    path.mkdir(parents=True)
    (path / "toy29.py").write_text(source)
    return path


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> GradingSpec:
    hidden = tmp_path_factory.mktemp("toy29-hidden")
    (hidden / "test_toy29.py").write_text(HIDDEN)
    return GradingSpec("toy29", hidden, ("toy29.py",), limits=LIMITS, seed=29)


def by_name(result: dict) -> dict:
    return {c["id"].rsplit("::", 1)[-1]: c for c in result["checks"]}


def assert_refused_and_bounded(result: dict, attack: str) -> None:
    assert result["status"] == "graded", result["error"]
    checks = by_name(result)
    squares = checks["test_squares"]
    assert squares["status"] == "error" and squares["points"] == 0.0, squares
    message = squares["message"]
    assert "your code sent a reply" in message and "the worker was restarted" in message, message
    assert "ran out of memory" not in message, f"{attack}: refused by the harness's memory limit, not by the codec"
    for name in ("test_add", "test_echo", "test_mean"):  # the next checks run on a fresh worker
        assert checks[name]["status"] == "passed", checks[name]
    assert result["score"] == HOSTILE_SCORE
    stats = result["harness"]
    assert stats["memory_limit_mb"] == HARNESS_MB
    assert 0 < stats["peak_rss_mb"] < HARNESS_MB, stats
    # Refused, not read: far below the 200 MB / 2e9 elements / 8 GB the replies claim.
    assert stats["peak_rss_mb"] < REFUSED_PEAK_MB, stats


# ----------------------------------------------------------------------------- codec level
EXPECTED = {
    "huge_json": (wire.MessageTooLarge, "header"),
    "many_values": (wire.MessageTooLarge, "values"),
    "zero_itemsize": (wire.DecodeError, "zero-byte dtype"),
    "shape_mismatch": (wire.DecodeError, "does not match its shape"),
    "deep_json": (wire.DecodeError, "nested too deeply"),
}


@pytest.mark.parametrize("attack", list(hostile_replies.ATTACKS))
def test_codec_refuses_each_hostile_reply_without_allocating_it(attack):
    make = hostile_replies.ATTACKS[attack]
    payload = memoryview(make(20) if attack == "huge_json" else make())[12:]  # 20 MB: over the header cap
    error, match = EXPECTED[attack]
    tracemalloc.start()
    try:
        with pytest.raises(error, match=match):
            wire.unpack(payload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # json.loads of the 12 MB header alone would build six million list slots (48 MB+).
    assert peak < 16 * 1024 * 1024, f"{attack}: decoding allocated {peak / 2**20:.0f} MB before refusing"


def test_oversized_header_is_refused_before_the_payload_is_read():
    frame = hostile_replies.huge_json_frame(20)
    r, w = os.pipe()
    try:
        os.write(w, frame[:16])  # frame prefix + header length; the 20 MB never arrive
        with pytest.raises(wire.MessageTooLarge, match="header"):
            wire.read_frame(r, deadline=time.monotonic() + 5)
    finally:
        os.close(r)
        os.close(w)


def test_element_cap_holds_on_both_sides():
    with pytest.raises(wire.MessageTooLarge, match="elements"):
        wire.pack({}, [np.zeros(6), np.zeros(5)], elements=10)
    payload = wire.pack({}, [np.zeros(6), np.zeros(5)])[12:]
    with pytest.raises(wire.MessageTooLarge, match="elements"):
        wire.unpack(payload, elements=10)
    assert [a.size for a in wire.unpack(payload, elements=11)[1]] == [6, 5]


def test_zero_byte_arrays_are_not_sent():
    with pytest.raises(wire.EncodeError, match="zero-byte"):  # numpy turns S0 / U0 arrays into S1 / U1
        wire.pack({}, np.zeros(3, dtype="V0"))


@pytest.mark.parametrize("dtype", ["|V0", "|S0", "<U0"])
def test_zero_byte_arrays_are_not_received(dtype):
    with pytest.raises(wire.DecodeError, match="zero-byte"):
        wire.array_from_bytes(hostile_replies._npy(dtype, (5,)))


def test_subarray_dtypes_are_refused():
    with pytest.raises(wire.DecodeError, match="subarray"):
        wire.array_from_bytes(hostile_replies._npy(("<f8", (3,)), (2,), b"\x00" * 48))


def test_absurd_ndim_and_buffer_reuse_are_refused():
    with pytest.raises(wire.DecodeError, match="dimensions"):
        wire.array_from_bytes(hostile_replies._npy("<f8", (1,) * 40, b"\x00" * 8))
    npy = wire.array_to_bytes(np.zeros(4))
    header = b'{"m":{},"v":[{"$":"nd","buf":0},{"$":"nd","buf":0}],"b":[%d]}' % len(npy)
    with pytest.raises(wire.DecodeError, match="buffer used twice"):
        wire.unpack(struct.pack(">I", len(header)) + header + npy)


# ----------------------------------------------------------------------------- grading
_GRADED: dict[str, dict] = {}


def graded_attacks(backend, spec, root) -> dict[str, tuple[dict, dict]]:
    """Each attack, then an honest submission, one after the other: {attack: (hostile, next)}."""
    if backend.name not in _GRADED:
        paths = []
        for attack in hostile_replies.ATTACKS:
            paths.append(write_submission(root, f"hostile-{attack}", hostile_source(attack)))
            paths.append(write_submission(root, f"after-{attack}", SOLUTION))
        doc = grade_submissions(spec, paths, sandbox=backend, workers=1, details=True)
        results = doc["submissions"]
        _GRADED[backend.name] = {a: (results[2 * i], results[2 * i + 1])
                                 for i, a in enumerate(hostile_replies.ATTACKS)}
    return _GRADED[backend.name]


@pytest.mark.slow
@pytest.mark.parametrize("attack", list(hostile_replies.ATTACKS))
def test_hostile_reply_fails_its_check_only_and_the_harness_stays_bounded(safe_backend, spec, attack,
                                                                         tmp_path_factory):
    hostile, after = graded_attacks(safe_backend, spec, tmp_path_factory.mktemp("item29"))[attack]
    print(f"\nitem29 {safe_backend.name} {attack}: harness peak RSS {hostile['harness']['peak_rss_mb']:.0f} MB "
          f"(limit {hostile['harness']['memory_limit_mb']} MB)")
    assert_refused_and_bounded(hostile, attack)
    assert after["status"] == "graded" and after["score"] == MAX_SCORE, after


@pytest.mark.slow
def test_two_hostile_replies_in_a_parallel_batch_leave_the_others_scores_unchanged(safe_backend, spec,
                                                                                    tmp_path_factory):
    root = tmp_path_factory.mktemp("item29-batch")
    sources = {"solution": SOLUTION, "partial": PARTIAL, "stub": STUB}
    alone = {kind: grade_submission(spec, write_submission(root / "alone", kind, src), sandbox=safe_backend)
             for kind, src in sources.items()}
    for kind, result in alone.items():
        assert result["status"] == "graded" and result["score"] == SCORES[kind], (kind, result)

    kinds = ["solution", "partial", "stub"] * 6
    kinds.insert(3, "huge_json")
    kinds.insert(12, "zero_itemsize")
    paths = [write_submission(root / "batch", f"{i:02d}-{kind}",
                              sources[kind] if kind in sources else hostile_source(kind))
             for i, kind in enumerate(kinds)]
    doc = grade_submissions(spec, paths, sandbox=safe_backend, workers=2, details=True)
    assert len(doc["submissions"]) == 20
    for kind, result in zip(kinds, doc["submissions"]):
        if kind in sources:
            assert result["status"] == "graded", (kind, result["error"])
            got = {c["id"]: (c["status"], c["points"]) for c in result["checks"]}
            want = {c["id"]: (c["status"], c["points"]) for c in alone[kind]["checks"]}
            assert (result["score"], got) == (alone[kind]["score"], want), kind
        else:
            print(f"\nitem29 {safe_backend.name} batch {kind}: harness peak RSS "
                  f"{result['harness']['peak_rss_mb']:.0f} MB (limit {result['harness']['memory_limit_mb']} MB)")
            assert_refused_and_bounded(result, kind)
