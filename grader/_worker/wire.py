"""The data-only wire protocol between the trusted harness and the sandboxed worker.

Standalone (stdlib + numpy): the worker loads this file by path inside the sandbox, and
the harness imports it as ``grader._worker.wire``.  Nothing is ever pickled.

Frame
-----
``b"CKW1"`` + 8-byte big-endian payload length, then the payload::

    4-byte big-endian header length | header (UTF-8 JSON) | buffer 0 | buffer 1 | ...

The header is ``{"m": meta, "v": value, "b": [buffer lengths]}``.  ``meta`` is a small
plain-JSON dict (operation, status, ids); ``value`` is an encoded Python value.

Values
------
``None``, ``bool``, ``int``, finite ``float`` and ``str`` are JSON natives; lists are JSON
lists; everything else is a tagged JSON object ``{"$": tag, ...}``:

=========  ===============================================================
``float``  non-finite float, ``{"v": "nan" | "inf" | "-inf"}``
``tuple``  ``{"items": [...]}``
``dict``   ``{"items": [[key, value], ...]}`` (keys may be any encodable value)
``bytes``  ``{"buf": i}``
``nd``     numpy array written by ``np.save(allow_pickle=False)``, ``{"buf": i}``;
           ``"torch": true`` when it was a torch tensor
``df``     pandas DataFrame: ``{"columns": [...], "data": [nd...], "index": nd}``
``series`` pandas Series: ``{"name": ..., "data": nd, "index": nd}``
``ref``    a remote object: ``{"id": int, "type": str, "kind": str}``
=========  ===============================================================

Types are checked exactly (``type(v) is int``), never with ``isinstance``: a subclass
with a rigged ``__eq__`` is not data.  Decoding builds fresh builtins and plain
``numpy.ndarray`` objects only.

Bounds (SECURITY item 29)
-------------------------
A frame small on the wire must not become huge in memory on the trusted side.  Besides
the frame's byte limit, decoding refuses (with :class:`MessageTooLarge`):

- a JSON header over :data:`MAX_HEADER_BYTES` (checked before the rest of the frame is
  read) or with more than :data:`MAX_JSON_NODES` values (counted before and while
  decoding; JSON never expands, so the header cap also bounds every string);
- arrays whose dtype has itemsize 0 (``V0``, ``S0``, ``U0``, ``[]``), subarray dtypes,
  more than :data:`MAX_NDIM` dimensions, or more than ``elements`` elements in one reply
  (all arrays together; default :data:`MAX_ARRAY_ELEMENTS`, per assignment
  ``Limits.reply_elements``);
- and (:class:`DecodeError`) array data whose length differs from shape x itemsize, or a
  buffer used twice (each buffer decodes into at most one value).

The ``.npy`` header is parsed here, before any allocation: ``np.load`` itself would
allocate shape x itemsize bytes up front even when the data is missing.
"""
from __future__ import annotations

import io
import json
import math
import os
import select
import struct
import sys
import time

import numpy as np

MAGIC = b"CKW1"
_FRAME = struct.Struct(">4sQ")
_HLEN = struct.Struct(">I")
#: Deepest nesting of lists/tuples/dicts accepted (also stops reference cycles).
MAX_DEPTH = 64
DEFAULT_MESSAGE_BYTES = 256 * 1024 * 1024
#: Largest JSON header of a frame (values that are not arrays or bytes travel there).
MAX_HEADER_BYTES = 16 * 1024 * 1024
#: Most JSON values (scalars, lists, dicts, strings, buffer lengths) in one header.
MAX_JSON_NODES = 1_000_000
#: Default cap on the number of array elements in one message (all arrays together).
MAX_ARRAY_ELEMENTS = 1 << 25
#: Most dimensions of one array (numpy itself allows 64).
MAX_NDIM = 32
_NPY_HEADER_BYTES = 16384

__all__ = [
    "WireError", "EncodeError", "DecodeError", "MessageTooLarge", "ChannelClosed",
    "Deadline", "encode", "decode", "pack", "unpack", "write_frame", "read_frame",
]


class WireError(Exception):
    """Base class of protocol errors."""


class EncodeError(WireError):
    """A value cannot be sent (object array, unsupported type, too deep)."""


class DecodeError(WireError):
    """A received message is malformed."""


class MessageTooLarge(WireError):
    """A message exceeds the agreed size limit."""


class ChannelClosed(WireError):
    """The other side closed the pipe (usually: the worker died)."""


class Deadline(WireError):
    """The deadline passed before the message was fully read or written."""


# --------------------------------------------------------------------------- arrays
def _check_dtype(dtype: np.dtype, error) -> None:
    if dtype.hasobject:
        raise error("numpy arrays of dtype object cannot be sent (data only, no pickle)")
    if dtype.itemsize == 0:
        raise error(f"numpy arrays of the zero-byte dtype {dtype.str!r} cannot be sent")
    if dtype.subdtype is not None:
        raise error(f"numpy arrays of the subarray dtype {dtype.str!r} cannot be sent")


def array_to_bytes(arr: np.ndarray) -> bytes:
    """``.npy`` bytes of a plain array; object (and object-holding) dtypes are refused."""
    _check_dtype(arr.dtype, EncodeError)
    buf = io.BytesIO()
    try:
        np.save(buf, arr, allow_pickle=False)
    except ValueError as exc:  # pragma: no cover - hasobject covers the known cases
        raise EncodeError(f"cannot send numpy array: {exc}") from None
    return buf.getvalue()


def array_header(data) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """``(shape, fortran_order, dtype, data offset)`` of ``.npy`` bytes, validated.

    Refuses (before any allocation) object, zero-byte and subarray dtypes, more than
    :data:`MAX_NDIM` dimensions, and data whose length is not exactly shape x itemsize.
    """
    from numpy.lib import format as npy

    fp = io.BytesIO(bytes(data[:_NPY_HEADER_BYTES]))  # the header only; numpy caps it at 10000 bytes
    try:
        version = npy.read_magic(fp)
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = read(fp)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a protocol error
        raise DecodeError(f"invalid array header ({type(exc).__name__})") from None
    _check_dtype(dtype, DecodeError)
    if type(shape) is not tuple or len(shape) > MAX_NDIM or any(type(n) is not int or n < 0 for n in shape):
        raise DecodeError(f"invalid array shape (at most {MAX_NDIM} non-negative dimensions)")
    offset = fp.tell()
    if len(data) - offset != math.prod(shape) * dtype.itemsize:
        raise DecodeError(f"array data of {len(data) - offset} bytes does not match its shape {shape} and dtype")
    return shape, bool(fortran), dtype, offset


def array_from_bytes(data, header=None) -> np.ndarray:
    """A fresh, writeable, plain ``numpy.ndarray`` from ``.npy`` bytes (never unpickles).

    ``header`` is :func:`array_header`'s answer when the caller already has it.
    """
    shape, fortran, dtype, offset = header or array_header(data)
    try:
        flat = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=offset)
        arr = flat.reshape(shape, order="F" if fortran else "C").copy(order="K")
    except Exception as exc:  # noqa: BLE001
        raise DecodeError(f"invalid array data: {exc}") from None
    if type(arr) is not np.ndarray:  # pragma: no cover - frombuffer builds plain arrays
        raise DecodeError("invalid array data")
    return arr


_NUMPY_SCALARS = (np.bool_, np.integer, np.floating, np.str_, np.bytes_)


# --------------------------------------------------------------------------- encode
class _Encoder:
    def __init__(self, ref, limit, elements):
        self.ref = ref
        self.limit = limit
        self.elements = elements
        self.count = 0
        self.buffers: list[bytes] = []
        self.size = 0

    def array(self, arr: np.ndarray) -> int:
        self.count += arr.size
        if self.count > self.elements:
            raise MessageTooLarge(f"more than {self.elements} array elements in one message")
        return self.buf(array_to_bytes(arr))

    def buf(self, data: bytes) -> int:
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise MessageTooLarge(f"message larger than the limit of {self.limit} bytes")
        self.buffers.append(data)
        return len(self.buffers) - 1

    def enc(self, v, depth=0):  # noqa: C901 - one flat type switch reads best
        if depth > MAX_DEPTH:
            raise EncodeError(f"value nested deeper than {MAX_DEPTH} levels (or a cycle)")
        t = type(v)
        if v is None or t is bool or t is int or t is str:
            return v
        if t is float:
            return v if math.isfinite(v) else {"$": "float", "v": repr(v)}
        if t is list:
            return [self.enc(x, depth + 1) for x in v]
        if t is tuple:
            return {"$": "tuple", "items": [self.enc(x, depth + 1) for x in v]}
        if t is dict:
            return {"$": "dict", "items": [[self.enc(k, depth + 1), self.enc(x, depth + 1)] for k, x in v.items()]}
        if t is bytes:
            return {"$": "bytes", "buf": self.buf(v)}
        if t is np.ndarray:
            return {"$": "nd", "buf": self.array(v)}
        if t.__module__ == "numpy" and issubclass(t, _NUMPY_SCALARS):
            return self.enc(v.item(), depth + 1)
        torch = sys.modules.get("torch")
        if torch is not None and t in (torch.Tensor, torch.nn.Parameter):
            arr = v.detach().cpu()
            if arr.dtype == torch.bfloat16:
                arr = arr.float()
            return {"$": "nd", "buf": self.array(arr.resolve_conj().numpy()), "torch": True}
        pd = sys.modules.get("pandas")
        if pd is not None and t is pd.DataFrame:
            return {
                "$": "df",
                "columns": [self.enc(_plain_label(c), depth + 1) for c in v.columns],
                "data": [self.enc(_column_array(v.iloc[:, i]), depth + 1) for i in range(v.shape[1])],
                "index": self.enc(_column_array(v.index), depth + 1),
            }
        if pd is not None and t is pd.Series:
            return {
                "$": "series",
                "name": self.enc(_plain_label(v.name), depth + 1),
                "data": self.enc(_column_array(v), depth + 1),
                "index": self.enc(_column_array(v.index), depth + 1),
            }
        if self.ref is None:
            raise EncodeError(f"cannot send a value of type {t.__name__}")
        return self.ref(v)


def _plain_label(label):
    if type(label).__module__ == "numpy" and isinstance(label, _NUMPY_SCALARS):
        return label.item()
    return label


def _column_array(col) -> np.ndarray:
    arr = np.asarray(col.to_numpy())
    if arr.dtype.hasobject:
        if all(type(x) is str for x in arr):
            return arr.astype(str)
        raise EncodeError("pandas columns of mixed Python objects cannot be sent")
    return np.array(arr)


def encode(value, *, ref=None, limit=None, elements=MAX_ARRAY_ELEMENTS):
    """Encode ``value`` into ``(json_value, buffers)``.

    ``ref(obj)`` is called for objects that are not data and must return a ``"ref"`` tag;
    without it such objects raise :class:`EncodeError`.  More than ``elements`` array
    elements raise :class:`MessageTooLarge` (the other side would refuse them).
    """
    enc = _Encoder(ref, limit, elements)
    return enc.enc(value), enc.buffers


# --------------------------------------------------------------------------- decode
class _Decoder:
    def __init__(self, buffers, ref, tensors, elements):
        self.buffers = buffers
        self.ref = ref
        self.tensors = tensors
        self.elements = elements
        self.count = 0
        self.nodes = 0
        self.used: set[int] = set()

    def buf(self, spec):
        i = spec.get("buf")
        if type(i) is not int or not 0 <= i < len(self.buffers):
            raise DecodeError("bad buffer index")
        if i in self.used:  # one buffer, one value: no decoding the same bytes a million times
            raise DecodeError("buffer used twice")
        self.used.add(i)
        return self.buffers[i]

    def array(self, spec) -> np.ndarray:
        data = self.buf(spec)
        header = array_header(data)
        self.count += math.prod(header[0])
        if self.count > self.elements:
            raise MessageTooLarge(f"more than {self.elements} array elements in one message")
        return array_from_bytes(data, header)

    def dec(self, v, depth=0):  # noqa: C901
        if depth > MAX_DEPTH + 2:
            raise DecodeError("value nested too deeply")
        self.nodes += 1
        if self.nodes > MAX_JSON_NODES:
            raise MessageTooLarge(f"more than {MAX_JSON_NODES} values in one message")
        t = type(v)
        if v is None or t is bool or t is int or t is str:
            return v
        if t is float:
            if not math.isfinite(v):
                raise DecodeError("non-finite float literal")
            return v
        if t is list:
            return [self.dec(x, depth + 1) for x in v]
        if t is not dict:
            raise DecodeError(f"unexpected JSON value of type {t.__name__}")
        tag = v.get("$")
        if tag == "float":
            s = v.get("v")
            if s not in ("nan", "inf", "-inf"):
                raise DecodeError("bad float")
            return float(s)
        if tag == "tuple":
            return tuple(self.dec(x, depth + 1) for x in _items(v))
        if tag == "dict":
            out = {}
            for pair in _items(v):
                if type(pair) is not list or len(pair) != 2:
                    raise DecodeError("bad dict item")
                key = self.dec(pair[0], depth + 1)
                try:
                    out[key] = self.dec(pair[1], depth + 1)
                except TypeError:
                    raise DecodeError("unhashable dict key") from None
            return out
        if tag == "bytes":
            return bytes(self.buf(v))
        if tag == "nd":
            arr = self.array(v)
            if v.get("torch") and self.tensors == "torch":
                import torch

                return torch.from_numpy(arr)
            return arr
        if tag == "df":
            return self._frame(v, depth)
        if tag == "series":
            return self._series(v, depth)
        if tag == "ref":
            if self.ref is None or type(v.get("id")) is not int:
                raise DecodeError("unexpected remote reference")
            return self.ref(v)
        raise DecodeError(f"unknown tag {tag!r}")

    def _arr(self, v, depth):
        arr = self.dec(v, depth + 1)
        if type(arr) is not np.ndarray or arr.ndim != 1:
            raise DecodeError("bad pandas column")
        return arr

    def _frame(self, v, depth):
        columns = [self.dec(c, depth + 1) for c in _items(v, "columns")]
        data = [self._arr(d, depth) for d in _items(v, "data")]
        index = self._arr(v.get("index"), depth)
        if len(columns) != len(data) or any(len(d) != len(index) for d in data):
            raise DecodeError("inconsistent DataFrame")
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is a dependency
            return {"columns": columns, "data": data, "index": index}
        frame = pd.DataFrame(dict(enumerate(data)), index=pd.Index(index))
        frame.columns = pd.Index(columns, tupleize_cols=False) if columns else frame.columns
        return frame

    def _series(self, v, depth):
        name = self.dec(v.get("name"), depth + 1)
        data = self._arr(v.get("data"), depth)
        index = self._arr(v.get("index"), depth)
        if len(data) != len(index):
            raise DecodeError("inconsistent Series")
        import pandas as pd

        return pd.Series(data, index=pd.Index(index), name=name)


def _items(v, key="items"):
    items = v.get(key)
    if type(items) is not list:
        raise DecodeError(f"bad {key}")
    return items


def decode(value, buffers, *, ref=None, tensors="numpy", elements=MAX_ARRAY_ELEMENTS):
    """Decode ``(json_value, buffers)`` into fresh, exactly typed Python values.

    ``ref(tag)`` turns a ``"ref"`` tag into a local stand-in; ``tensors="torch"`` turns
    arrays that were torch tensors back into tensors (the worker side does this).
    ``elements`` caps the array elements of the whole value (see the module docstring).
    """
    return _Decoder(buffers, ref, tensors, elements).dec(value)


# --------------------------------------------------------------------------- messages
def pack(meta: dict, value=None, *, ref=None, limit=None, elements=MAX_ARRAY_ELEMENTS) -> bytes:
    """One complete frame holding ``meta`` (plain JSON) and an encoded ``value``."""
    enc_value, buffers = encode(value, ref=ref, limit=limit, elements=elements)
    header = json.dumps({"m": meta, "v": enc_value, "b": [len(b) for b in buffers]},
                        allow_nan=False, separators=(",", ":")).encode()
    if len(header) > MAX_HEADER_BYTES:
        raise MessageTooLarge(f"message header of {len(header)} bytes is larger than the limit of "
                              f"{MAX_HEADER_BYTES} bytes (send long lists as numpy arrays)")
    size = _HLEN.size + len(header) + sum(len(b) for b in buffers)
    if limit is not None and size > limit:
        raise MessageTooLarge(f"message of {size} bytes is larger than the limit of {limit} bytes")
    return b"".join([_FRAME.pack(MAGIC, size), _HLEN.pack(len(header)), header, *buffers])


def _reject_constant(name):
    raise DecodeError(f"invalid JSON constant {name}")


def _check_header_length(hlen: int) -> None:
    if hlen > MAX_HEADER_BYTES:
        raise MessageTooLarge(f"message header of {hlen} bytes is larger than the limit of {MAX_HEADER_BYTES} bytes")


def _parse_header(raw) -> dict:
    raw = bytes(raw)
    # Every JSON value but the first follows a ',' or ':' or opens with '[' / '{' (bytes
    # inside strings only over-count): a cheap bound on the objects json.loads would build.
    nodes = raw.count(b",") + raw.count(b":") + raw.count(b"[") + raw.count(b"{")
    if nodes > MAX_JSON_NODES:
        raise MessageTooLarge(f"more than {MAX_JSON_NODES} values in one message")
    try:
        header = json.loads(raw.decode(), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"invalid message header: {exc}") from None
    except RecursionError:  # deeper than the interpreter's recursion limit
        raise DecodeError("message header nested too deeply") from None
    if type(header) is not dict or type(header.get("m")) is not dict or type(header.get("b")) is not list:
        raise DecodeError("invalid message header")
    return header


def unpack(payload, *, ref=None, tensors="numpy", elements=MAX_ARRAY_ELEMENTS):
    """``(meta, value)`` from a frame's payload (as returned by :func:`read_frame`).

    ``payload`` may be ``bytes``, a ``bytearray`` or a ``memoryview``; buffers are views
    of it until decoded into fresh values.
    """
    payload = memoryview(payload)
    if len(payload) < _HLEN.size:
        raise DecodeError("truncated message")
    (hlen,) = _HLEN.unpack_from(payload)
    _check_header_length(hlen)
    end = _HLEN.size + hlen
    if end > len(payload):
        raise DecodeError("truncated message header")
    header = _parse_header(payload[_HLEN.size:end])
    buffers, pos = [], end
    for n in header["b"]:
        if type(n) is not int or n < 0 or pos + n > len(payload):
            raise DecodeError("bad buffer length")
        buffers.append(payload[pos:pos + n])
        pos += n
    if pos != len(payload):
        raise DecodeError("trailing bytes in message")
    return header["m"], decode(header.get("v"), buffers, ref=ref, tensors=tensors, elements=elements)


# --------------------------------------------------------------------------- pipes
def _remaining(deadline):
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise Deadline("deadline passed")
    return left


def _read_into(fd: int, view: memoryview, deadline) -> None:
    got, n = 0, len(view)
    while got < n:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], _remaining(deadline))
            if not ready:
                raise Deadline("deadline passed")
        try:
            k = os.readv(fd, [view[got:got + (1 << 20)]])
        except BlockingIOError:
            continue
        if not k:
            raise ChannelClosed("pipe closed")
        got += k


def _read_exact(fd: int, n: int, deadline) -> bytearray:
    buf = bytearray(n)  # one allocation, filled in place: no chunk list, no join copy
    _read_into(fd, memoryview(buf), deadline)
    return buf


def read_frame(fd: int, *, limit: int | None = DEFAULT_MESSAGE_BYTES, deadline: float | None = None) -> bytearray:
    """Read one frame from ``fd`` and return its payload.

    ``deadline`` is a :func:`time.monotonic` time (``None``: block).  A frame that does not
    start with the magic bytes, announces more than ``limit`` bytes, or a JSON header over
    :data:`MAX_HEADER_BYTES`, is refused before the rest of its payload is read.
    """
    magic, size = _FRAME.unpack(_read_exact(fd, _FRAME.size, deadline))
    if magic != MAGIC:
        raise DecodeError("garbage on the protocol pipe")
    if limit is not None and size > limit:
        raise MessageTooLarge(f"message of {size} bytes is larger than the limit of {limit} bytes")
    if size < _HLEN.size:
        raise DecodeError("truncated message")
    hlen = _read_exact(fd, _HLEN.size, deadline)
    _check_header_length(_HLEN.unpack(hlen)[0])  # before allocating room for the rest
    payload = bytearray(size)
    payload[:_HLEN.size] = hlen
    _read_into(fd, memoryview(payload)[_HLEN.size:], deadline)
    return payload


def write_frame(fd: int, frame: bytes, *, deadline: float | None = None) -> None:
    """Write a complete frame to ``fd`` (non-blocking fds honour ``deadline``)."""
    view = memoryview(frame)
    while view:
        if deadline is not None:
            _, ready, _ = select.select([], [fd], [], _remaining(deadline))
            if not ready:
                raise Deadline("deadline passed")
        try:
            n = os.write(fd, view[: 1 << 20])
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise ChannelClosed("pipe closed") from None
        view = view[n:]
