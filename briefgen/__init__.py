"""briefgen: a static-site generator for news briefings, built on MkDocs.

The pipeline is load → validate → model → index → render → build; each stage is
one module of this package and none of them but `mkdocs_plugin` and `build`
imports MkDocs.
"""

from __future__ import annotations

__version__ = "0.1.0"
