"""Facts about the schema that opening a project needs without loading the migrations.

Importing ``migrations`` loads sqlite-utils (and, where it is installed, pandas: 0.3 s);
an up-to-date project never needs it.
"""

SCHEMA_VERSION = 3
"""The number of migrations in ``migrations.py``; a test keeps the two equal."""

APPLICATION_ID = 0x5354414E
"""'STAN' in ASCII: marks a SQLite file as a Stance Annotator project."""
