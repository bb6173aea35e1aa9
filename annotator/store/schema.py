"""Facts about the schema that opening a project needs without loading the migrations.

Importing ``migrations`` loads sqlite-utils (and, where it is installed, pandas: 0.3 s);
an up-to-date project never needs it.
"""

SCHEMA_VERSION = 7
"""The number of migrations in ``migrations.py``; a test keeps the two equal."""

OLDEST_READABLE_SCHEMA = 2
"""The oldest schema that the reading code works on unmigrated (read-only commands open such a
file as it is); older files need ``annotator upgrade`` first. Schema 1 lacks
``annotations.reviewer_id``, which every span read selects."""

ASSIST_SCHEMA = 5
"""The first schema with ``annotations.source``, ``labels.patterns`` and ``suggestion_rejections``.
Read-only commands open older files as they are, so the code reading these checks the file's
version (``schema_version``) and reads such a file as having none of them."""

APPLICATION_ID = 0x5354414E
"""'STAN' in ASCII: marks a SQLite file as a Stance Annotator project."""

TEAM_SCHEMA = 7
"""The first schema with ``labels.uuid``, ``attribute_defs.uuid`` and the sync tables."""
