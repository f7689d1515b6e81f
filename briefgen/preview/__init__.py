"""`briefgen serve`: the preview server, and what lets a rebuild redo only what an edit changed.

The check, model and index of a rebuild start from the last ones (`recheck`, `incremental`), and the
dependency rules choose the pages to render again (`rules`); `server` runs MkDocs' live-reload server.
"""
