"""briefgen: a static-site generator for news briefings, built on MkDocs.

The pipeline is load → validate → model → index → render → build; each stage is
one module of this package. Only the commands that run MkDocs (`build`, `serve`) and
the modules that adapt it (`mkdocs_plugin`, `preview`) import it.
"""

from __future__ import annotations

__version__ = "0.1.0"
