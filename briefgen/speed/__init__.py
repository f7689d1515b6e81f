"""Accelerators for `check` and `build`: forked workers and the check cache.

Each is an option of the simple path in `desk` and `pages`, never a second version of it, and each
has a test that it gives the same output as the simple path (see docs/architecture.md).
"""
