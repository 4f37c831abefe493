"""Reference solutions of the course: every algorithm from the lectures, from scratch.

Each submodule is a self-contained teaching file (numpy/scipy only) that mirrors the
scikit-learn API. Import the submodule you need, e.g. ``from reference.linear_model
import Ridge``; nothing is imported eagerly here.
"""
