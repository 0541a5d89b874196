"""modelci: model CI/CD for ML teams whose code lives on GitHub."""

__version__ = "0.1.0"
# Where an internal error (exit 70) asks to be reported.
ISSUES_URL = "https://github.com/modelci/modelci/issues"
__all__ = ["ISSUES_URL", "__version__"]
