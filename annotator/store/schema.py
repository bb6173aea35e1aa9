"""Facts about the schema that opening a project needs without loading the migrations.

Importing ``migrations`` loads sqlite-utils (and, where it is installed, pandas: 0.3 s);
an up-to-date project never needs it.
"""

SCHEMA_VERSION = 4
"""The number of migrations in ``migrations.py``; a test keeps the two equal."""

OLDEST_READABLE_SCHEMA = 2
"""The oldest schema that the reading code works on unmigrated (read-only commands open such a
file as it is); older files need ``annotator upgrade`` first. Schema 1 lacks
``annotations.reviewer_id``, which every span read selects."""

APPLICATION_ID = 0x5354414E
"""'STAN' in ASCII: marks a SQLite file as a Stance Annotator project."""
