"""Schema of the project file, one ordered migration at a time.

Never edit a migration that has shipped: add a new ``@migrations()`` function instead.
Each migration ends by setting ``PRAGMA user_version`` to its number, so any SQLite tool
shows the schema version.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("annotator")


def run_script(db: Database, script: str) -> None:
    """Run SQL statements one by one inside the caller's transaction.

    ``sqlite3.executescript`` would COMMIT first and break the migration's atomicity.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement!r}")


@migrations()
def m001_initial(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE project_info (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            external_id TEXT,
            title TEXT NOT NULL DEFAULT '',
            source TEXT,
            url TEXT,
            published TEXT,
            language TEXT,
            text TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            text_hash TEXT NOT NULL UNIQUE,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX articles_external_id ON articles(external_id);
        CREATE TABLE annotators (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT 'span' CHECK (scope IN ('span', 'document')),
            color TEXT NOT NULL DEFAULT '',
            hotkey TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            examples TEXT NOT NULL DEFAULT '[]',
            parent_id INTEGER REFERENCES labels(id) ON DELETE SET NULL,
            position INTEGER NOT NULL DEFAULT 0,
            UNIQUE (scope, name)
        );
        CREATE UNIQUE INDEX labels_hotkey ON labels(hotkey) WHERE hotkey != '';
        CREATE TABLE attribute_defs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            allowed_values TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            label_id INTEGER NOT NULL REFERENCES labels(id),
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            text TEXT NOT NULL,
            attributes TEXT NOT NULL DEFAULT '{}',
            note TEXT NOT NULL DEFAULT '',
            origin TEXT NOT NULL DEFAULT 'manual'
                CHECK (origin IN ('manual', 'imported', 'suggestion', 'adjudicated')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (0 <= start_offset AND start_offset < end_offset),
            UNIQUE (article_id, annotator_id, label_id, start_offset, end_offset)
        );
        CREATE INDEX annotations_article ON annotations(article_id, annotator_id);
        CREATE INDEX annotations_label ON annotations(label_id);
        CREATE TABLE doc_labels (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            label_id INTEGER NOT NULL REFERENCES labels(id),
            created_at TEXT NOT NULL,
            UNIQUE (article_id, annotator_id, label_id)
        );
        CREATE TABLE article_status (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id),
            status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (article_id, annotator_id)
        );
        CREATE INDEX article_status_annotator ON article_status(annotator_id, status);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            annotator TEXT,
            action TEXT NOT NULL,
            article_id INTEGER,
            target TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        -- A bulk import indexes its rows in one statement at the end (Store.bulk_import),
        -- which is about twice as fast as a trigger call per row.
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
        WHEN NOT EXISTS (SELECT 1 FROM project_info WHERE key = 'bulk_import_in_progress') BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END;
        CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END;
        PRAGMA user_version = 1;
        """
    )


@migrations()
def m002_reviewer(db: Database) -> None:
    """Gold-layer spans record who adjudicated them."""
    run_script(
        db,
        """
        ALTER TABLE annotations ADD COLUMN reviewer_id INTEGER REFERENCES annotators(id);
        PRAGMA user_version = 2;
        """,
    )




@migrations()
def m003_import_runs(db: Database) -> None:
    """Imports and merges commit in short chunks; these tables let a failed, cancelled or
    killed one be undone whole (``store/import_runs.py``)."""
    run_script(
        db,
        """
        CREATE TABLE import_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started_at TEXT NOT NULL
        );
        CREATE TABLE import_undo (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            previous TEXT
        );
        CREATE INDEX import_undo_run ON import_undo(run_id);
        PRAGMA user_version = 3;
        """,
    )


@migrations()
def m004_writer_sessions(db: Database) -> None:
    """Windows open for writing, one per annotator (``store/writers.py``)."""
    run_script(
        db,
        """
        CREATE TABLE writer_sessions (
            session TEXT PRIMARY KEY,
            annotator TEXT NOT NULL,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started_at TEXT NOT NULL,
            seen_at TEXT NOT NULL
        );
        CREATE INDEX writer_sessions_annotator ON writer_sessions(annotator);
        PRAGMA user_version = 4;
        """,
    )


@migrations()
def m005_assist(db: Database) -> None:
    """Assisted labelling: an accepted suggestion's source (which detector or rule, and its
    version), each label's patterns (JSON list, ``model/patterns.py``), and the suggestions an
    annotator rejected in an article, so that running the detectors again does not bring them
    back (``store/suggestions.py``)."""
    run_script(
        db,
        """
        ALTER TABLE annotations ADD COLUMN source TEXT;
        ALTER TABLE labels ADD COLUMN patterns TEXT NOT NULL DEFAULT '[]';
        CREATE TABLE suggestion_rejections (
            id INTEGER PRIMARY KEY,
            annotator_id INTEGER NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            rejected_at TEXT NOT NULL,
            UNIQUE (annotator_id, article_id, start_offset, end_offset, label_id)
        );
        PRAGMA user_version = 5;
        """,
    )


@migrations()
def m006_rejection_indexes(db: Database) -> None:
    """Rejections by article and by label: deleting an article or a label (an import taken
    back, a label deleted) would otherwise scan every rejection once per row deleted."""
    run_script(
        db,
        """
        CREATE INDEX suggestion_rejections_article ON suggestion_rejections(article_id);
        CREATE INDEX suggestion_rejections_label ON suggestion_rejections(label_id);
        PRAGMA user_version = 6;
        """,
    )


# A random version-4 UUID in SQL, so that rows inserted by any code path get one.
_SQL_UUID = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || "
    "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))"
)


@migrations()
def m007_team(db: Database) -> None:
    """Team sync: labels and attribute definitions get stable UUIDs (a rename on one machine is
    a rename everywhere), and ``sync_outbox`` lists the rows changed since the last push. The
    outbox is filled by triggers that exist only while the project is linked to a hub
    (``store/sync.py``), so a project that never syncs pays nothing for it."""
    run_script(
        db,
        f"""
        ALTER TABLE labels ADD COLUMN uuid TEXT;
        UPDATE labels SET uuid = {_SQL_UUID};
        CREATE UNIQUE INDEX labels_uuid ON labels(uuid);
        CREATE TRIGGER labels_uuid_default AFTER INSERT ON labels WHEN new.uuid IS NULL BEGIN
            UPDATE labels SET uuid = {_SQL_UUID} WHERE id = new.id;
        END;
        ALTER TABLE attribute_defs ADD COLUMN uuid TEXT;
        UPDATE attribute_defs SET uuid = {_SQL_UUID};
        CREATE UNIQUE INDEX attribute_defs_uuid ON attribute_defs(uuid);
        CREATE TRIGGER attribute_defs_uuid_default AFTER INSERT ON attribute_defs WHEN new.uuid IS NULL BEGIN
            UPDATE attribute_defs SET uuid = {_SQL_UUID} WHERE id = new.id;
        END;
        CREATE TABLE sync_outbox (
            seq INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            row_id INTEGER,
            key TEXT,
            op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
            at TEXT NOT NULL
        );
        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE sync_assignments (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
        );
        PRAGMA user_version = 7;
        """,
    )
