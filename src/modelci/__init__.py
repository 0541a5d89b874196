"""modelci: model CI/CD for ML teams whose code lives on GitHub."""

__version__ = "0.1.0"
__all__ = ["__version__"]
