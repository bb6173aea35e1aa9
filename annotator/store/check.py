"""Checking a project file that may be damaged, and never changing it.

``check_file`` does not need the file to open as a healthy, current project (that is what it
is asked about): it reads it through a read-only SQLite connection, reports what SQLite's own
checks find (``PRAGMA integrity_check``, ``PRAGMA foreign_key_check``) and, where those pass,
every span's stored text against its article. ``damage`` is the quick form that commands ask
after a read failed, to tell damage from other errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from annotator.model.errors import ProjectDamaged, ProjectFileError, StoreError
from annotator.store.connection import ProjectConnection, is_sqlite_file, open_read_only, refuse_empty, translated
from annotator.store.schema import APPLICATION_ID, SCHEMA_VERSION

MAX_REPORTED = 100
"""Problems SQLite's integrity check reports at most (it stops counting there)."""


def span_text_problems(conn: ProjectConnection, name: str | None) -> Iterator[str]:
    """Spans whose stored text differs from their article's text at their offsets."""
    # An article's text is read once for all its spans: read per span (a join), a 1 MB article
    # with 9,400 spans took 32 s, since each reading decodes the whole text.
    with translated(name):
        for article_id, article_text in conn.execute(
            "SELECT r.id, r.text FROM articles r WHERE r.id IN (SELECT article_id FROM annotations)"
        ):
            for uuid_, start, end, covered in conn.execute(
                "SELECT uuid, start_offset, end_offset, text FROM annotations WHERE article_id = ? ORDER BY id",
                (article_id,),
            ):
                if article_text[start:end] != covered:
                    yield (f"annotation {uuid_}: stored text {covered!r} differs from the article's "
                           f"{article_text[start:end]!r} at [{start}, {end})")


def sqlite_problems(conn: ProjectConnection, name: str | None, *, quick: bool = False) -> list[str]:
    """What ``PRAGMA integrity_check`` (or ``quick_check``) and ``foreign_key_check`` report;
    empty for a sound file. A file too damaged to be checked is one problem saying so."""
    check = "quick_check" if quick else "integrity_check"
    try:
        with translated(name):
            # SQLite may give several findings in one row, under a "*** in database main ***" heading.
            problems = [f"SQLite integrity check: {line}"
                        for row in conn.execute(f"PRAGMA {check}({MAX_REPORTED})")
                        for line in str(row[0]).splitlines() if line != "ok" and not line.startswith("***")]
            problems += [
                f"SQLite foreign key check: {table} row {rowid} refers to a missing row of {parent}"
                for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check")
            ]
    except StoreError as error:
        return [f"SQLite cannot check the file: {error}"]
    return problems


def check_file(path: Path) -> list[str]:
    """Every problem SQLite and a re-read of the spans find in a project file; empty: sound.

    Raises:
        ProjectFileError: not a project file at all (missing, empty, not SQLite, another program's).
    """
    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(f"{path}: no such project file")
    refuse_empty(path)
    if not is_sqlite_file(path):
        raise ProjectFileError(f"{path} is not a project file (not a SQLite database); it was left untouched")
    conn = open_read_only(path)
    try:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except StoreError as error:
            return [f"SQLite cannot read the file: {error}"]
        if app_id != APPLICATION_ID:
            raise ProjectFileError(f"{path} is not a Stance Annotator project; it was left untouched")
        problems = sqlite_problems(conn, str(path))
        if not problems and 1 <= version <= SCHEMA_VERSION:
            try:
                problems += span_text_problems(conn, str(path))
            except StoreError as error:
                problems.append(f"SQLite cannot read the spans: {error}")
        return problems
    finally:
        conn.close()


def damage(path: Path) -> list[str]:
    """What a quick SQLite check finds wrong with a file ([] for sound or not a database)."""
    try:
        conn = open_read_only(Path(path))
    except ProjectDamaged as error:
        return [str(error)]
    except (StoreError, ProjectFileError):
        return []
    try:
        return sqlite_problems(conn, str(path), quick=True)
    finally:
        conn.close()
