"""The worker: runs inside the sandbox, imports the submission, answers the harness.

Launched as ``python -I -B <worker_dir>/worker.py <submission_dir>`` (see
``grader.sandbox.base.worker_argv``).  Standalone: stdlib + numpy only; torch or pandas
are imported only when the student's code (or a value sent to it) needs them.

File descriptors
----------------
- The protocol runs on private duplicates of the original stdin/stdout (not inherited by
  child processes).
- fd 0 becomes ``/dev/null`` (a blocking ``input()`` gets EOF), fd 1 is pointed at fd 2:
  everything the student prints lands on stderr, which the harness drains and truncates.

Requests (``meta["op"]``) and their value
------------------------------------------
``init``      ``{"message_bytes": int, "elements": int}``; answers ``{"pid": ...}``
``import``    module name -> reference to the module
``getattr``   ``meta["target"]`` (id), ``meta["name"]`` -> attribute (data or reference)
``setattr``   ``meta["target"]``, ``meta["name"]``, value -> None
``call``      ``meta["target"]``, value ``(args, kwargs)`` -> return value
``release``   nothing; every request may carry ``meta["release"] = [ids]``

Answers: ``{"ok": true}`` + value, or ``{"ok": false, "error": {...}}`` where the error
holds the exception's type name, its nearest builtin base, its message and a traceback
restricted to the submission's frames.
"""
import builtins
import importlib
import importlib.util
import os
import sys
import traceback
import types

_HERE = os.path.dirname(os.path.abspath(__file__))
_MESSAGE_CAP = 4000
_TRACE_CAP = 4000


def _load_wire():
    """Load wire.py by path, under a private name (no sys.path entry a student could shadow)."""
    spec = importlib.util.spec_from_file_location("_coursekit_wire", os.path.join(_HERE, "wire.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


#: Builtin exception classes the harness re-raises as (Exception subclasses only).
_BUILTIN_ERRORS = {
    name: cls
    for name, cls in vars(builtins).items()
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, Warning)
}


class Worker:
    """Object table plus request dispatch."""

    def __init__(self, submission_dir, wire):
        self.submission_dir = submission_dir
        self.wire = wire
        self.limit = wire.DEFAULT_MESSAGE_BYTES
        self.elements = wire.MAX_ARRAY_ELEMENTS
        self.objects = {}  # handle id -> object
        self.ids = {}  # id(object) -> handle id
        self.next_id = 1

    # ---------------------------------------------------------------- references
    def ref(self, obj):
        hid = self.ids.get(id(obj))
        if hid is None:
            hid = self.next_id
            self.next_id += 1
            self.objects[hid] = obj
            self.ids[id(obj)] = hid
        if isinstance(obj, types.ModuleType):
            kind = "module"
        elif isinstance(obj, type):
            kind = "class"
        elif callable(obj):
            kind = "callable"
        else:
            kind = "object"
        try:
            tname = type(obj).__qualname__
            tname = tname if type(tname) is str else "?"
        except Exception:  # noqa: BLE001 - a hostile metaclass
            tname = "?"
        if kind in ("module", "class", "callable"):
            try:
                name = obj.__name__
                tname = name if type(name) is str else tname
            except Exception:  # noqa: BLE001
                pass
        return {"$": "ref", "id": hid, "type": tname[:200], "kind": kind}

    def deref(self, tag):
        try:
            return self.objects[tag["id"]]
        except KeyError:
            raise LookupError(f"remote object {tag['id']} was released") from None

    def release(self, ids):
        for hid in ids if type(ids) is list else ():
            obj = self.objects.pop(hid, None)
            if obj is not None:
                self.ids.pop(id(obj), None)

    # ---------------------------------------------------------------- operations
    def target(self, meta):
        hid = meta.get("target")
        if hid not in self.objects:
            raise LookupError(f"remote object {hid} does not exist")
        return self.objects[hid]

    def op_init(self, meta, value):
        limit = value.get("message_bytes") if type(value) is dict else None
        if type(limit) is int and limit > 0:
            self.limit = limit
        elements = value.get("elements") if type(value) is dict else None
        if type(elements) is int and elements > 0:
            self.elements = elements
        return {"pid": os.getpid()}

    def op_import(self, meta, value):
        if type(value) is not str or not all(p.isidentifier() for p in value.split(".")):
            raise ValueError(f"invalid module name {value!r}")
        return importlib.import_module(value)

    def op_getattr(self, meta, value):
        return getattr(self.target(meta), str(meta.get("name")))

    def op_setattr(self, meta, value):
        setattr(self.target(meta), str(meta.get("name")), value)
        return None

    def op_call(self, meta, value):
        if type(value) is not tuple or len(value) != 2 or type(value[0]) is not list or type(value[1]) is not dict:
            raise TypeError("bad call arguments")
        args, kwargs = value
        return self.target(meta)(*args, **kwargs)

    def op_release(self, meta, value):
        return None

    # ---------------------------------------------------------------- errors
    def describe(self, exc):
        base = "Exception"
        for cls in type(exc).__mro__:
            if _BUILTIN_ERRORS.get(getattr(cls, "__name__", None)) is cls:
                base = cls.__name__
                break
        try:
            name = type(exc).__name__
        except Exception:  # noqa: BLE001
            name = "Exception"
        try:
            message = str(exc)
        except BaseException:  # noqa: BLE001 - a rigged __str__
            message = "<unprintable exception>"
        frames = []
        try:
            for fs in traceback.extract_tb(exc.__traceback__):
                if fs.filename.startswith(self.submission_dir + os.sep):
                    rel = os.path.relpath(fs.filename, self.submission_dir)
                    frames.append(f'  File "{rel}", line {fs.lineno}, in {fs.name}\n    {fs.line or ""}'.rstrip())
        except Exception:  # noqa: BLE001
            frames = []
        trace = "\n".join(frames)[-_TRACE_CAP:]
        return {
            "type": str(name)[:200],
            "builtin": base,
            "message": message[:_MESSAGE_CAP],
            "traceback": trace,
        }

    # ---------------------------------------------------------------- loop
    def handle(self, payload):
        wire = self.wire
        try:
            meta, value = wire.unpack(payload, ref=self.deref, tensors="torch", elements=self.elements)
        except Exception as exc:  # noqa: BLE001 - includes a released reference
            return wire.pack({"ok": False, "error": {"type": "ProtocolError", "builtin": "RuntimeError",
                                                     "message": f"bad request: {exc}", "traceback": ""}})
        self.release(meta.get("release", []))
        op = getattr(self, f"op_{meta.get('op')}", None)
        if op is None:
            return wire.pack({"ok": False, "error": {"type": "ProtocolError", "builtin": "RuntimeError",
                                                     "message": f"unknown op {meta.get('op')!r}", "traceback": ""}})
        try:
            result = op(meta, value)
        except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt from student code too
            return wire.pack({"ok": False, "error": self.describe(exc)})
        finally:
            _flush()
        try:
            return wire.pack({"ok": True}, result, ref=self.ref, limit=self.limit, elements=self.elements)
        except wire.MessageTooLarge as exc:
            err = {"type": "ResultTooLarge", "builtin": "ValueError", "message": f"your return value is too large: {exc}",
                   "traceback": ""}
        except wire.EncodeError as exc:
            err = {"type": "UnsupportedValue", "builtin": "TypeError", "message": f"your return value cannot be graded: {exc}",
                   "traceback": ""}
        except BaseException as exc:  # noqa: BLE001 - e.g. a hostile pandas/torch subclass
            err = self.describe(exc)
        return wire.pack({"ok": False, "error": err})


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - student may have replaced or closed them
            pass


def _setup_fds():
    """Move the protocol to private fds; student stdin = /dev/null, stdout -> stderr."""
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    try:
        sys.stdout.reconfigure(line_buffering=True, errors="backslashreplace")
        sys.stderr.reconfigure(line_buffering=True, errors="backslashreplace")
    except Exception:  # noqa: BLE001
        pass
    return proto_in, proto_out


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: worker.py SUBMISSION_DIR\n")
        return 2
    submission_dir = os.path.abspath(argv[1])
    wire = _load_wire()
    proto_in, proto_out = _setup_fds()
    sys.path.append(submission_dir)
    sys.argv = [os.path.join(submission_dir, "__main__")]
    worker = Worker(submission_dir, wire)
    while True:
        try:
            payload = wire.read_frame(proto_in, limit=worker.limit)
        except wire.ChannelClosed:
            return 0
        except wire.WireError as exc:
            sys.stderr.write(f"worker: protocol error: {exc}\n")
            return 3
        answer = worker.handle(payload)
        wire.write_frame(proto_out, answer)


if __name__ == "__main__":
    code = main(sys.argv)
    _flush()
    os._exit(code)
