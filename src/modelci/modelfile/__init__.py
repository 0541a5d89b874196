"""Model files, loaded safely: the SHA-256 recorded at training is checked before any byte is
deserialised, and skops files load only the types their metadata lists as trusted.

    load_verified(path, sha256=..., ...)   one file, given its expected hash and trusted types
    load_workspace_model(root)             the model the pipeline left, found through its metadata
"""

from modelci.modelfile.load import LoadedModel, load_recorded, load_verified, load_workspace_model
from modelci.modelfile.metadata import ModelMetadata, read_metadata

__all__ = [
    "LoadedModel",
    "ModelMetadata",
    "load_recorded",
    "load_verified",
    "load_workspace_model",
    "read_metadata",
]
