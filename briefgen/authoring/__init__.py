"""Tools for the people who write the desk: new files, JSON Schemas, the demo desk, changed files."""
