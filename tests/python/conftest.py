"""Shared by every Python suite: this folder is on sys.path (pytest puts a conftest's folder
there), so tests import their common helpers, such as ``cli_runner``, by name."""
