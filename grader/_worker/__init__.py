"""The sandboxed worker and its wire protocol.

``worker.py`` and ``wire.py`` are standalone (stdlib + numpy): this directory is mounted
read-only into every sandbox and ``worker.py`` runs there as a script.  The harness
imports the codec as ``grader._worker.wire``.
"""
