"""The team hub: a PostgreSQL database that project files sync with (``hub.py``, ``schema.py``)."""
