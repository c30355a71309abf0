"""privacy-review: quarterly evidence that a privacy policy's promises are kept."""

__version__ = "0.1.0"
