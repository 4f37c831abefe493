"""Hostile reply frames (SECURITY item 29): small on the wire, huge in memory, or malformed.

Stdlib only: the same source is pasted into hostile submissions, which run it inside the
sandbox and hijack the worker's reply encoder (``sys.modules["_coursekit_wire"].pack``)
so that the next reply is one of these frames.  Each ``*_frame()`` returns a complete
frame; ``frame[12:]`` is its payload (what :func:`read_frame` returns).
"""
import json
import struct


def _frame(*header_parts, buffers=()):
    hlen = sum(len(p) for p in header_parts)
    size = 4 + hlen + sum(len(b) for b in buffers)
    return b"".join([b"CKW1", struct.pack(">Q", size), struct.pack(">I", hlen), *header_parts, *buffers])


def _npy(descr, shape, data=b""):
    text = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, tuple(shape))
    pad = 64 - (10 + len(text) + 1) % 64
    header = (text + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def _array_reply(npy):
    header = json.dumps({"m": {"ok": True}, "v": {"$": "nd", "buf": 0}, "b": [len(npy)]}).encode()
    return _frame(header, buffers=[npy])


def _zeros_list_frame(n):
    return _frame(b'{"m":{"ok":true},"v":[', b"0," * (n - 1), b'0],"b":[]}')


def huge_json_frame(mb=200):
    """One valid JSON reply of ``mb`` MB: a list of ``mb / 2`` million zeros."""
    return _zeros_list_frame(mb * 1024 * 1024 // 2)


def many_values_frame():
    """A 12 MB JSON header (under the byte cap) holding six million values."""
    return _zeros_list_frame(6_000_000)


def zero_itemsize_frame():
    """A 128-byte .npy whose dtype has itemsize 0 and which claims 2e9 elements."""
    return _array_reply(_npy("|V0", (2_000_000_000,)))


def shape_mismatch_frame():
    """An array header claiming 10^9 float64 (8 GB) with 80 bytes of data."""
    return _array_reply(_npy("<f8", (1_000_000_000,), b"\x00" * 80))


def deep_json_frame(depth=200_000):
    """Lists nested ``depth`` deep (the Python json parser recurses per level)."""
    return _frame(b'{"m":{"ok":true},"v":', b"[" * depth, b"]" * depth, b',"b":[]}')


ATTACKS = {
    "huge_json": huge_json_frame,
    "many_values": many_values_frame,
    "zero_itemsize": zero_itemsize_frame,
    "shape_mismatch": shape_mismatch_frame,
    "deep_json": deep_json_frame,
}
