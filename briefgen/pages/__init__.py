"""What the site shows: URLs, the pages and their view data, bodies, feeds, the JSON API and search.

Reads the model and index of `desk`; never imports MkDocs (the adapters hand it over).
"""
