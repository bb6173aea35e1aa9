"""What every part of ``Store`` shares: the connection, the id/name caches, and the row conventions.

``Store`` is composed of mixins (``articles``, ``spans``, ``codebook``, ``reports``), each
with the SQL of one part of the data model; they all derive from ``StoreBase``, which holds the
connection and the caches that map label and annotator names to ids. Those caches are only
correct while no other connection has renamed or removed a label or annotator, so they are
checked against ``PRAGMA data_version`` here before they are used (the codebook part also
drops them when it writes labels or annotators itself). Time stamps (``now``), new ids
(``new_uuid``) and JSON columns (``dumps``) are written the same way by every part.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from annotator.store.connection import ProjectConnection

if TYPE_CHECKING:
    from annotator.model.types import Annotation


def now() -> str:
    """UTC time stamp as stored in every ``*_at`` column."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_uuid() -> str:
    return str(uuid.uuid4())


def dumps(value: Any) -> str:
    """A JSON column's text: keys sorted, non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class StoreBase:
    """The state the parts of ``Store`` share: one connection to one project file, and caches."""

    def __init__(self, conn: ProjectConnection, path: str | None, *, read_only: bool = False,
                 busy_timeout: float = 30.0):
        self.conn = conn
        self.path = path
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        """Seconds a write waits for the write lock before it is refused as busy."""
        # (scope, name) -> id; dropped when another connection has committed (PRAGMA
        # data_version), since another program may have renamed a label meanwhile.
        self._label_ids: dict[tuple[str, str], int] = {}
        self._label_ids_version = -1
        self.recovered_imports: list[str] = []
        """Sources of imports whose process died, rolled back when this store was opened."""
        # id -> name caches for reading spans fast; dropped on our own label/annotator writes
        # and whenever another connection has committed (PRAGMA data_version).
        self._names: tuple[int, dict[int, str], dict[int, tuple[str, str]]] | None = None

    def forget_caches(self) -> None:
        """Drop the id/name caches (after a rollback removed labels or annotators)."""
        self._label_ids.clear()
        self._names = None

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes when another connection commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _check_caches(self) -> None:
        """Drop the name caches if another connection has committed since they were filled."""
        version = self.data_version()
        if version != self._label_ids_version:
            self._label_ids.clear()
            self._label_ids_version = version

    def _name_maps(self) -> tuple[dict[int, str], dict[int, tuple[str, str]]]:
        version = self.data_version()
        if self._names is None or self._names[0] != version:
            labels = dict(self.conn.execute("SELECT id, name FROM labels").fetchall())
            annotators = {i: (n, u) for i, n, u in self.conn.execute("SELECT id, name, uuid FROM annotators")}
            self._names = (version, labels, annotators)
        return self._names[1], self._names[2]

    if TYPE_CHECKING:
        # Defined by one part of Store and used by another; declared here so that each part
        # type-checks on its own.

        @property
        def schema_version(self) -> int: ...

        @property
        def project_uuid(self) -> str: ...

        def annotation(self, annotation_uuid: str) -> Annotation: ...
