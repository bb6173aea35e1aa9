"""The project file. The only package that imports sqlite_utils or writes SQL."""

from annotator.store.store import Store

__all__ = ["Store"]
