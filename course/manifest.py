"""The release manifest's file name: what ``course check`` / ``course submit`` read offline
in a release folder (written by :func:`course.release.release`)."""

MANIFEST = ".assignment.json"
