"""GitHub Releases of registered model versions: the notes (`notes.py`) and the release itself
(`modelci.operations.release`)."""
