"""Unit tests of the data-only wire codec (grader._worker.wire)."""
from __future__ import annotations

import math
import os
import pickle
import struct
import time

import numpy as np
import pandas as pd
import pytest
import torch

from grader._worker import wire


def roundtrip(value, **kw):
    return wire.unpack(wire.pack({"op": "x"}, value, **kw)[12:])[1]


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 2**80, 1.5, -0.0, "héllo\x00", b"\x00\xffbytes", [], [1, [2, [3]]],
     (1, "a", None), {"a": 1, 2: [3], (1, 2): {"x": b"y"}}, {}, ()],
)
def test_plain_values_roundtrip_with_exact_types(value):
    out = roundtrip(value)
    assert out == value
    assert type(out) is type(value)


def test_non_finite_floats_roundtrip():
    out = roundtrip([math.nan, math.inf, -math.inf])
    assert math.isnan(out[0]) and out[1] == math.inf and out[2] == -math.inf


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "uint64", "bool", "complex128", "<U5", "datetime64[s]"])
def test_arrays_roundtrip(dtype):
    arr = np.arange(12).reshape(3, 4).astype(dtype)
    out = roundtrip(arr)
    assert type(out) is np.ndarray and out.dtype == arr.dtype and out.shape == arr.shape
    assert np.array_equal(out, arr)
    assert out.flags.writeable


def test_non_contiguous_and_fortran_arrays_roundtrip():
    arr = np.asfortranarray(np.arange(20.0).reshape(4, 5))[:, ::2]
    assert np.array_equal(roundtrip(arr), arr)


def test_numpy_scalars_become_python_scalars():
    out = roundtrip([np.float32(1.5), np.int64(3), np.bool_(True), np.str_("s")])
    assert out == [1.5, 3, True, "s"]
    assert [type(x) for x in out] == [float, int, bool, str]


def test_object_arrays_are_refused():
    with pytest.raises(wire.EncodeError, match="object"):
        wire.pack({}, np.array([1, "a", None], dtype=object))


def test_structured_arrays_holding_objects_are_refused():
    with pytest.raises(wire.EncodeError):
        wire.pack({}, np.zeros(2, dtype=[("a", "f8"), ("b", "O")]))


def test_pickled_array_payload_is_never_unpickled():
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    import io

    buf = io.BytesIO()
    np.save(buf, np.array([Boom()], dtype=object), allow_pickle=True)
    with pytest.raises(wire.DecodeError):
        wire.array_from_bytes(buf.getvalue())


def test_pickle_bytes_come_back_as_bytes_not_objects():
    data = pickle.dumps({"x": 1})
    assert roundtrip(data) == data


def test_ndarray_subclass_and_rigged_types_are_not_data():
    class Rigged(float):
        def __eq__(self, other):
            return True

    class Sub(np.ndarray):
        pass

    for value in (Rigged(1.0), np.zeros(3).view(Sub), object(), bytearray(b"x")):
        with pytest.raises(wire.EncodeError):
            wire.pack({}, value)


def test_unknown_objects_become_references_through_the_hook():
    marker = object()
    seen = []

    def ref(obj):
        seen.append(obj)
        return {"$": "ref", "id": 7, "type": "object", "kind": "object"}

    payload = wire.pack({}, [1, marker], ref=ref)[12:]
    assert seen == [marker]
    out = wire.unpack(payload, ref=lambda tag: ("handle", tag["id"]))[1]
    assert out == [1, ("handle", 7)]
    with pytest.raises(wire.DecodeError):  # no hook on the receiving side: refused
        wire.unpack(payload)


def test_torch_tensors_become_arrays_and_back_to_tensors_on_request():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_()
    frame = wire.pack({}, t)[12:]
    as_array = wire.unpack(frame)[1]
    assert type(as_array) is np.ndarray and as_array.dtype == np.float32
    assert np.array_equal(as_array, t.detach().numpy())
    as_tensor = wire.unpack(frame, tensors="torch")[1]
    assert type(as_tensor) is torch.Tensor and torch.equal(as_tensor, t.detach())


def test_pandas_roundtrip():
    df = pd.DataFrame({"mass": [1.0, 2.0], "name": ["a", "b"], 3: [1, 2]}, index=[10, 20])
    out = roundtrip(df)
    assert type(out) is pd.DataFrame
    assert list(out.columns) == ["mass", "name", 3]
    assert list(out.index) == [10, 20]
    assert out["mass"].tolist() == [1.0, 2.0] and out["name"].tolist() == ["a", "b"]
    s = pd.Series([1.5, 2.5], name="z")
    out_s = roundtrip(s)
    assert type(out_s) is pd.Series and out_s.name == "z" and out_s.tolist() == [1.5, 2.5]


def test_cycles_and_deep_nesting_are_refused():
    cyc = []
    cyc.append(cyc)
    with pytest.raises(wire.EncodeError, match="deep"):
        wire.pack({}, cyc)


def test_size_limit_on_encode_and_on_read():
    big = np.zeros(10_000)
    with pytest.raises(wire.MessageTooLarge):
        wire.pack({}, big, limit=1000)
    frame = wire.pack({}, big)
    r, w = os.pipe()
    try:
        os.write(w, frame[:12])
        with pytest.raises(wire.MessageTooLarge):
            wire.read_frame(r, limit=1000)
    finally:
        os.close(r)
        os.close(w)


def test_garbage_on_the_pipe_is_refused():
    r, w = os.pipe()
    try:
        os.write(w, b"Hello world, this is a fake frame")
        with pytest.raises(wire.DecodeError, match="garbage"):
            wire.read_frame(r)
    finally:
        os.close(r)
        os.close(w)


def test_malformed_headers_are_refused():
    bad_json = struct.pack(">I", 3) + b"{x}"
    with pytest.raises(wire.DecodeError):
        wire.unpack(bad_json)
    nan_literal = b'{"m":{},"v":NaN,"b":[]}'
    with pytest.raises(wire.DecodeError):
        wire.unpack(struct.pack(">I", len(nan_literal)) + nan_literal)
    unknown_tag = b'{"m":{},"v":{"$":"pickle","buf":0},"b":[]}'
    with pytest.raises(wire.DecodeError, match="unknown tag"):
        wire.unpack(struct.pack(">I", len(unknown_tag)) + unknown_tag)
    bad_buf = b'{"m":{},"v":{"$":"nd","buf":5},"b":[]}'
    with pytest.raises(wire.DecodeError, match="buffer"):
        wire.unpack(struct.pack(">I", len(bad_buf)) + bad_buf)


def test_read_deadline_and_closed_pipe():
    r, w = os.pipe()
    try:
        with pytest.raises(wire.Deadline):
            wire.read_frame(r, deadline=time.monotonic() + 0.05)
        os.close(w)
        w = None
        with pytest.raises(wire.ChannelClosed):
            wire.read_frame(r, deadline=time.monotonic() + 1)
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def test_frames_stream_over_a_pipe():
    r, w = os.pipe()
    try:
        wire.write_frame(w, wire.pack({"op": "call", "target": 3}, ([np.eye(2)], {"k": 1})))
        meta, (args, kwargs) = wire.unpack(wire.read_frame(r))
        assert meta == {"op": "call", "target": 3}
        assert np.array_equal(args[0], np.eye(2)) and kwargs == {"k": 1}
    finally:
        os.close(r)
        os.close(w)


def test_harness_and_worker_use_the_one_codec_module():
    import sys
    from pathlib import Path

    from grader import proxy
    from grader._worker import worker
    from grader.sandbox.base import WORKER_SOURCE_DIR

    assert proxy.wire is wire
    assert Path(wire.__file__).resolve() == (WORKER_SOURCE_DIR / "wire.py").resolve()
    try:
        loaded = worker._load_wire()  # what the sandboxed worker runs, loaded by path
        assert Path(loaded.__file__).resolve() == Path(wire.__file__).resolve()
    finally:
        sys.modules.pop("_coursekit_wire", None)
