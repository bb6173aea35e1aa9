"""Stance Annotator: label stance and framing statements in news articles."""

__version__ = "0.1.0"
