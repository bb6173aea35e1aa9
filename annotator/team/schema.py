"""The hub's schema: tables named as in the project file, what sync needs, and who may write what.

Every synced row carries ``change_seq``, taken from one sequence by a trigger that first takes
a transaction-wide advisory lock: writers to a hub take turns, so change numbers become
visible in the order they were given, and a pull that has seen number N has seen every change
up to N (``team/hub.py`` relies on it for its cursor). A deleted row leaves a tombstone
(``kind``, hub key, deletion time), numbered from the same sequence; inserting the row again
removes it, so a key is always in exactly one of its table and ``tombstones``.

Who may write what is decided by PostgreSQL, not by our client: each member logs in as their
own role (``members.name``), and row-level security lets ``annotator`` members write only rows
of their own annotator, ``reviewer`` members also the gold layer, and only ``lead`` members
(by grants) articles, the codebook, members and assignments. With ``blind`` set in
``hub_info``, annotators read colleagues' layers only on articles they marked done.

Timestamps that sync compares (``updated_at``, ``deleted_at``) are stored as the project file
writes them (ISO 8601 text in UTC, milliseconds), so both sides compare them the same way.
Migrations are ordered and never edited once shipped; ``hub_migrations`` lists those applied.
"""

from __future__ import annotations

from annotator.model.types import GOLD_UUID

ADVISORY_LOCK = 0x5354414E
"""Key of the advisory lock writers take (``'STAN'``)."""

GROUPS = ("annotator", "reviewer", "lead")
"""Member roles; each is a PostgreSQL group role named ``<database>_<role>``."""

SAFE_PATH = "SET search_path = public, pg_temp"
"""Every function that names a table looks it up in the hub's schema only: ``pg_temp`` comes last,
so that a member's temporary table called ``members`` cannot lend them another's rights."""

UTC_NOW = """to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""

SYNCED_TABLES = {
    # table: kind of its rows in tombstones and in the client
    "annotators": "annotator",
    "labels": "label",
    "attribute_defs": "attribute",
    "articles": "article",
    "annotations": "annotation",
    "doc_labels": "doc_label",
    "article_status": "status",
}

_TABLES = """
CREATE TABLE hub_info (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE SEQUENCE change_seq;
CREATE TABLE members (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('annotator', 'reviewer', 'lead')),
    annotator_uuid uuid NOT NULL UNIQUE,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE annotators (
    uuid uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    created_at text NOT NULL,
    change_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE labels (
    uuid uuid PRIMARY KEY,
    name text NOT NULL,
    scope text NOT NULL DEFAULT 'span' CHECK (scope IN ('span', 'document')),
    color text NOT NULL DEFAULT '',
    hotkey text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    examples jsonb NOT NULL DEFAULT '[]',
    parent_uuid uuid,
    position integer NOT NULL DEFAULT 0,
    patterns jsonb NOT NULL DEFAULT '[]',
    change_seq bigint NOT NULL DEFAULT 0,
    UNIQUE (scope, name) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE attribute_defs (
    uuid uuid PRIMARY KEY,
    name text NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED,
    allowed_values jsonb NOT NULL DEFAULT '[]',
    position integer NOT NULL DEFAULT 0,
    change_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE articles (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text_hash text NOT NULL UNIQUE,
    external_id text,
    title text NOT NULL DEFAULT '',
    source text,
    url text,
    published text,
    language text,
    text text NOT NULL,
    meta jsonb NOT NULL DEFAULT '{}',
    imported_at text NOT NULL,
    change_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE annotations (
    uuid uuid PRIMARY KEY,
    article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_uuid uuid NOT NULL REFERENCES annotators(uuid),
    label_uuid uuid NOT NULL REFERENCES labels(uuid) ON DELETE CASCADE,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    text text NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}',
    note text NOT NULL DEFAULT '',
    origin text NOT NULL DEFAULT 'manual',
    source text,
    reviewer_uuid uuid,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    pushed_by text NOT NULL DEFAULT session_user,
    pushed_from text NOT NULL DEFAULT '',
    change_seq bigint NOT NULL DEFAULT 0,
    CHECK (0 <= start_offset AND start_offset < end_offset),
    UNIQUE (article_id, annotator_uuid, label_uuid, start_offset, end_offset)
);
CREATE INDEX annotations_annotator ON annotations(annotator_uuid);
CREATE INDEX annotations_label ON annotations(label_uuid);
CREATE TABLE doc_labels (
    uuid uuid PRIMARY KEY,
    article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_uuid uuid NOT NULL REFERENCES annotators(uuid),
    label_uuid uuid NOT NULL REFERENCES labels(uuid) ON DELETE CASCADE,
    created_at text NOT NULL,
    change_seq bigint NOT NULL DEFAULT 0,
    UNIQUE (article_id, annotator_uuid, label_uuid)
);
CREATE TABLE article_status (
    article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_uuid uuid NOT NULL REFERENCES annotators(uuid),
    status text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done')),
    updated_at text NOT NULL,
    pushed_from text NOT NULL DEFAULT '',
    change_seq bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, annotator_uuid)
);
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at text NOT NULL,
    member text NOT NULL DEFAULT session_user,
    annotator text,
    action text NOT NULL,
    article_id bigint,
    target text,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE assignments (
    article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    member text NOT NULL REFERENCES members(name) ON DELETE CASCADE ON UPDATE CASCADE,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, member)
);
CREATE INDEX assignments_member ON assignments(member);
CREATE TABLE tombstones (
    kind text NOT NULL,
    key text NOT NULL,
    deleted_at text NOT NULL,
    deleted_by text NOT NULL,
    change_seq bigint NOT NULL,
    PRIMARY KEY (kind, key)
);
"""

_FUNCTIONS = f"""
CREATE FUNCTION hub_key(kind text, data jsonb) RETURNS text LANGUAGE sql STABLE {SAFE_PATH} AS $$
    SELECT CASE kind
        WHEN 'article' THEN data ->> 'text_hash'
        WHEN 'status' THEN (SELECT a.text_hash FROM articles a WHERE a.id = (data ->> 'article_id')::bigint)
                           || '/' || (data ->> 'annotator_uuid')
        ELSE data ->> 'uuid' END
$$;

-- Numbers a change; writers take turns (see the module's documentation).
CREATE FUNCTION hub_stamp() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {SAFE_PATH} AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
    NEW.change_seq := nextval('change_seq');
    IF TG_OP = 'INSERT' THEN
        DELETE FROM tombstones WHERE kind = TG_ARGV[0] AND key = hub_key(TG_ARGV[0], to_jsonb(NEW));
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION hub_tombstone() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {SAFE_PATH} AS $$
DECLARE
    row_key text := hub_key(TG_ARGV[0], to_jsonb(OLD));
BEGIN
    IF row_key IS NULL THEN  -- a status deleted with its article: the article's tombstone covers it
        RETURN OLD;
    END IF;
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
    INSERT INTO tombstones(kind, key, deleted_at, deleted_by, change_seq)
    VALUES (TG_ARGV[0], row_key,
            COALESCE(NULLIF(current_setting('annotator.deleted_at', true), ''), {UTC_NOW}),
            session_user, nextval('change_seq'))
    ON CONFLICT (kind, key) DO UPDATE SET deleted_at = excluded.deleted_at,
        deleted_by = excluded.deleted_by, change_seq = excluded.change_seq;
    RETURN OLD;
END $$;

CREATE FUNCTION hub_me() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER {SAFE_PATH} AS $$
    SELECT annotator_uuid FROM members WHERE name = session_user
$$;
CREATE FUNCTION hub_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER {SAFE_PATH} AS $$
    SELECT role FROM members WHERE name = session_user
$$;
CREATE FUNCTION hub_sees_all() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {SAFE_PATH} AS $$
    SELECT COALESCE((SELECT value FROM hub_info WHERE key = 'blind'), 'off') <> 'on'
        OR hub_role() IN ('reviewer', 'lead')
$$;
CREATE FUNCTION hub_writes_gold() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {SAFE_PATH} AS $$
    SELECT hub_role() IN ('reviewer', 'lead')
$$;

-- Deletes rows of a kind by hub key, each unless it changed after its deletion time (last
-- writer wins); runs as the caller, so row-level security applies. Returns the keys deleted.
CREATE FUNCTION hub_delete(kind text, keys text[], deleted_ats text[]) RETURNS SETOF text
LANGUAGE plpgsql {SAFE_PATH} AS $$
DECLARE
    i integer;
    deleted text;
BEGIN
    FOR i IN 1 .. COALESCE(array_length(keys, 1), 0) LOOP
        PERFORM set_config('annotator.deleted_at', deleted_ats[i], true);
        deleted := NULL;
        IF kind = 'annotation' THEN
            DELETE FROM annotations WHERE uuid = keys[i]::uuid AND updated_at <= deleted_ats[i]
            RETURNING keys[i] INTO deleted;
        ELSIF kind = 'doc_label' THEN
            DELETE FROM doc_labels WHERE uuid = keys[i]::uuid RETURNING keys[i] INTO deleted;
        ELSIF kind = 'status' THEN
            DELETE FROM article_status s USING articles a
            WHERE a.id = s.article_id AND a.text_hash = split_part(keys[i], '/', 1)
              AND s.annotator_uuid = split_part(keys[i], '/', 2)::uuid AND s.updated_at <= deleted_ats[i]
            RETURNING keys[i] INTO deleted;
        ELSIF kind = 'label' THEN
            DELETE FROM labels WHERE uuid = keys[i]::uuid RETURNING keys[i] INTO deleted;
        ELSIF kind = 'attribute' THEN
            DELETE FROM attribute_defs WHERE uuid = keys[i]::uuid RETURNING keys[i] INTO deleted;
        ELSIF kind = 'article' THEN
            DELETE FROM articles WHERE text_hash = keys[i] RETURNING keys[i] INTO deleted;
        END IF;
        IF deleted IS NOT NULL THEN
            RETURN NEXT deleted;
        END IF;
    END LOOP;
    PERFORM set_config('annotator.deleted_at', '', true);
END $$;
"""


def _triggers() -> str:
    statements = []
    for table, kind in SYNCED_TABLES.items():
        statements.append(
            f"CREATE TRIGGER {table}_stamp BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION hub_stamp('{kind}');"
        )
        statements.append(
            f"CREATE TRIGGER {table}_tombstone AFTER DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION hub_tombstone('{kind}');"
        )
        statements.append(f"CREATE INDEX {table}_change_seq ON {table}(change_seq);")
    statements.append("CREATE INDEX tombstones_change_seq ON tombstones(change_seq);")
    return "\n".join(statements)


# Each function call is a sub-select, which PostgreSQL runs once per statement instead of once
# per row (10,000 changed spans: the policies cost more than the writes otherwise).
_MAY_WRITE = (
    f"(annotator_uuid = (SELECT hub_me()) OR (annotator_uuid = '{GOLD_UUID}' AND (SELECT hub_writes_gold())))"
)
_MAY_READ = (
    "((SELECT hub_sees_all()) OR annotator_uuid = (SELECT hub_me()) OR article_id IN "
    "(SELECT s.article_id FROM article_status s WHERE s.annotator_uuid = (SELECT hub_me()) AND s.status = 'done'))"
)
_POLICIES = f"""
ALTER TABLE annotations ENABLE ROW LEVEL SECURITY;
ALTER TABLE doc_labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE article_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE annotators ENABLE ROW LEVEL SECURITY;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_layers ON annotations FOR SELECT USING {_MAY_READ};
CREATE POLICY add_own ON annotations FOR INSERT WITH CHECK {_MAY_WRITE};
CREATE POLICY change_own ON annotations FOR UPDATE USING {_MAY_WRITE} WITH CHECK {_MAY_WRITE};
CREATE POLICY delete_own ON annotations FOR DELETE USING {_MAY_WRITE};
CREATE POLICY read_layers ON doc_labels FOR SELECT USING {_MAY_READ};
CREATE POLICY add_own ON doc_labels FOR INSERT WITH CHECK {_MAY_WRITE};
CREATE POLICY change_own ON doc_labels FOR UPDATE USING {_MAY_WRITE} WITH CHECK {_MAY_WRITE};
CREATE POLICY delete_own ON doc_labels FOR DELETE USING {_MAY_WRITE};
CREATE POLICY read_all ON article_status FOR SELECT USING (true);
CREATE POLICY add_own ON article_status FOR INSERT WITH CHECK {_MAY_WRITE};
CREATE POLICY change_own ON article_status FOR UPDATE USING {_MAY_WRITE} WITH CHECK {_MAY_WRITE};
CREATE POLICY delete_own ON article_status FOR DELETE USING {_MAY_WRITE};
CREATE POLICY read_all ON annotators FOR SELECT USING (true);
CREATE POLICY add_self ON annotators FOR INSERT WITH CHECK (uuid = (SELECT hub_me()) OR (SELECT hub_role()) = 'lead');
CREATE POLICY rename_self ON annotators FOR UPDATE USING (uuid = (SELECT hub_me()) OR (SELECT hub_role()) = 'lead');
CREATE POLICY delete_by_lead ON annotators FOR DELETE USING ((SELECT hub_role()) = 'lead');
CREATE POLICY read_all ON events FOR SELECT USING (true);
CREATE POLICY add_as_self ON events FOR INSERT WITH CHECK (member = session_user);
"""


def _grants(annotator: str, reviewer: str, lead: str) -> str:
    """Table rights of the member groups, given their quoted role names."""
    return f"""
GRANT {annotator} TO {reviewer};
GRANT {reviewer} TO {lead};
GRANT USAGE ON SCHEMA public TO {annotator};
GRANT SELECT ON hub_info, members, annotators, labels, attribute_defs, articles, annotations, doc_labels,
    article_status, events, assignments, tombstones, hub_migrations TO {annotator};
GRANT SELECT ON SEQUENCE change_seq TO {annotator};
GRANT INSERT, UPDATE, DELETE ON annotations, doc_labels, article_status TO {annotator};
GRANT INSERT, UPDATE ON annotators TO {annotator};
GRANT INSERT ON events TO {annotator};
GRANT INSERT, UPDATE, DELETE ON articles, labels, attribute_defs, members, assignments, hub_info TO {lead};
GRANT DELETE ON annotators TO {lead};
REVOKE ALL ON FUNCTION hub_stamp(), hub_tombstone() FROM PUBLIC;
"""


# The gold layer's annotator is inserted once the triggers exist, so that it has a change number
# and reaches every file by the first pull (gold spans of a file without it would be skipped).
_SEED = f"""
INSERT INTO annotators(uuid, name, created_at) VALUES ('{GOLD_UUID}', 'gold', {UTC_NOW});
"""

MIGRATIONS: list[tuple[str, str]] = [
    ("initial", _TABLES + _FUNCTIONS + _triggers() + _POLICIES + _SEED),
]
"""Ordered hub migrations ``(name, SQL)``; never edit one that has shipped."""


def migration_sql(index: int, groups: tuple[str, str, str]) -> str:
    """Migration ``index`` for a hub whose member groups have these quoted role names."""
    _name, sql = MIGRATIONS[index]
    if index == 0:
        return sql + _grants(*groups)
    return sql
