"""Plain data types and offset maths. No I/O, no Qt."""

from annotator.model.types import (
    Annotation,
    Annotator,
    Article,
    AttributeDef,
    Codebook,
    DocLabel,
    Label,
)

__all__ = ["Annotation", "Annotator", "Article", "AttributeDef", "Codebook", "DocLabel", "Label"]
