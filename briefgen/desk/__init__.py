"""What the desk says: the content's schema, its files, their checks, the model and its relations.

The domain of briefgen, readable alone as the whole product's rules: no MkDocs, no Jinja, no worker
processes, no preview. The pipeline: `load` → `validate` (composed by `check`) → `model` → `index`.
"""
