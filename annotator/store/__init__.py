"""The project file. The only package that imports sqlite_utils or writes SQL."""

from annotator.store.connection import is_sqlite_file
from annotator.store.store import Store

__all__ = ["Store", "is_sqlite_file"]
