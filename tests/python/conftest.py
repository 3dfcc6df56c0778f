"""Shared by every Python suite: this folder is on sys.path (pytest puts a conftest's folder
there), so tests import their common helpers, such as ``cli_runner``, by name.

The test process is a composition root like ``pi30-worker`` itself: it registers the
simulator's ``sim://`` handler with pyserial, which the transport does not know."""

from pyworker.sim import register_url_handler

register_url_handler()
