"""Sandbox backends behind one interface (see :mod:`grader.sandbox.base`)."""
