"""briefgen: a static-site generator for news briefings, built on MkDocs.

The packages are the layers (docs/architecture.md): `desk` (the content and its rules), `pages`
(what the site shows), `speed` (accelerators), `preview` (`briefgen serve`), `authoring` (tools for
editors), and on top the adapters `cli`, `mkdocs_plugin`, `sitebuild`, `build` and `settings`.
Only the adapters and the preview server import MkDocs.
"""

from __future__ import annotations

__version__ = "0.1.0"
