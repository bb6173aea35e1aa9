"""Talking to a hub: creating it, its members and assignments, and pushing and pulling rows.

Rows travel in the shape ``store/sync.py`` reads and writes (dicts keyed by hub column names:
articles by text hash, everything else by UUID). A push runs in one hub transaction per batch
that first takes the writers' advisory lock, so what it reads to decide (which rows exist, which
are newer) cannot change before it writes. A pull reads in one ``REPEATABLE READ`` transaction,
so the change numbers it reports are a prefix of the hub's history (``schema.py``).

``psycopg`` errors become ``HubError``s here with a plain message; nothing above this module
sees a driver exception.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from annotator.model.types import GOLD, GOLD_UUID
from annotator.team.address import HubError, HubLoginRefused, HubOffline, HubRefused, url_without_password
from annotator.team.schema import ADVISORY_LOCK, GROUPS, MIGRATIONS, migration_sql

ROLES = GROUPS
PULL_BATCH = 5000


def _explain(error: psycopg.Error, url: str) -> HubError:
    where = url_without_password(url)
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return HubRefused(f"the hub {where} refused: {text}")
    if isinstance(error, psycopg.OperationalError):
        if "password" in text or "authentication" in text or "role" in text:
            return HubLoginRefused(f"the hub {where} refused the login: {text}")
        return HubOffline(f"cannot reach the hub {where}: {text}")
    return HubError(f"the hub {where} failed: {text}")


def connect(url: str, *, password: str | None = None, timeout: float = 10.0) -> Hub:
    """Connect to a hub (or to an empty database that ``create`` will make one)."""
    try:
        kwargs: dict[str, Any] = {"connect_timeout": max(1, int(timeout)), "autocommit": True}
        if password is not None:
            kwargs["password"] = password
        conn = psycopg.connect(url, **kwargs)
    except psycopg.Error as error:
        raise _explain(error, url) from error
    return Hub(conn, url)


@dataclass
class PushResult:
    pushed: dict[str, int] = field(default_factory=dict)
    done: list[int] = field(default_factory=list)
    """Outbox seqs settled: on the hub, lost to a newer change, or not this member's to push."""
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    """Rows kept waiting: the hub does not allow them (yet), with the reason."""
    unlocked: list[str] = field(default_factory=list)
    """Articles this push marked done (in blind mode their colleagues' layers open)."""
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """``(local UUID, hub UUID)`` of spans the hub already had under another UUID."""
    """Articles this push marked done (in blind mode their colleagues' layers open)."""


class Hub:
    """One connection to a hub, as one member (or as the owner creating it)."""

    def __init__(self, conn: psycopg.Connection[Any], url: str):
        self.conn = conn
        self.url = url
        self._replica = ""
        self._seen = 0

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            raise _explain(error, self.url) from error

    @contextmanager
    def transaction(self, *, lock: bool = False) -> Iterator[psycopg.Connection[Any]]:
        with self._errors(), self.conn.transaction():
            if lock:
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK,))
            yield self.conn

    # -- facts ----------------------------------------------------------------------------

    def user(self) -> str:
        with self._errors():
            return str(self.conn.execute("SELECT session_user").fetchone()[0])  # type: ignore[index]

    def database(self) -> str:
        with self._errors():
            return str(self.conn.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]

    def is_hub(self) -> bool:
        with self._errors():
            return bool(self.conn.execute("SELECT to_regclass('hub_info') IS NOT NULL").fetchone()[0])  # type: ignore[index]

    def info(self) -> dict[str, str]:
        if not self.is_hub():
            raise HubError(f"{url_without_password(self.url)} is not a Stance Annotator hub "
                           "(create one with `annotator team create`)")
        with self._errors():
            return dict(self.conn.execute("SELECT key, value FROM hub_info").fetchall())

    def member(self, name: str | None = None) -> dict[str, Any] | None:
        with self._errors(), self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                "SELECT name, role, annotator_uuid::text AS annotator_uuid FROM members "
                "WHERE name = COALESCE(%s, session_user)", (name,)).fetchone()

    def members(self) -> list[dict[str, Any]]:
        with self._errors(), self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(
                "SELECT m.name, m.role, m.annotator_uuid::text AS annotator_uuid, "
                "(SELECT count(*) FROM assignments a WHERE a.member = m.name) AS assigned, "
                "(SELECT count(*) FROM article_status s WHERE s.annotator_uuid = m.annotator_uuid "
                " AND s.status = 'done') AS done FROM members m ORDER BY m.name").fetchall()

    def _groups(self) -> tuple[str, str, str]:
        database = self.database()
        return tuple(f"{database}_{group}" for group in GROUPS)  # type: ignore[return-value]

    def _group(self, role: str) -> sql.Identifier:
        return sql.Identifier(self._groups()[GROUPS.index(role)])

    # -- creating and upgrading -----------------------------------------------------------

    def create(self, *, project_uuid: str, lead_uuid: str) -> None:
        """Make an empty database a hub; the connected user becomes its first lead."""
        with self._errors():
            tables = self.conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]  # type: ignore[index]
        if tables:
            what = "is a hub already" if self.is_hub() else f"has {tables} tables"
            raise HubError(f"{url_without_password(self.url)} {what}; a hub is created in an empty database")
        groups = self._groups()
        with self.transaction():
            for group in groups:
                exists = self.conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)).fetchone()
                if not exists:
                    self.conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
            self.conn.execute(
                "CREATE TABLE hub_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                "applied_at timestamptz NOT NULL DEFAULT now())")
            self._migrate_in_transaction(groups)
            self.conn.execute("INSERT INTO hub_info(key, value) VALUES ('project_uuid', %s), ('blind', 'off')",
                              (project_uuid,))
            user = self.user()
            self.conn.execute(
                "INSERT INTO members(name, role, annotator_uuid) VALUES (session_user, 'lead', %s)", (lead_uuid,))
            self.conn.execute(sql.SQL("GRANT {} TO {}").format(self._group("lead"), sql.Identifier(user)))

    def migrate(self) -> int:
        """Apply the hub migrations this version knows and the hub lacks; returns how many."""
        with self.transaction(lock=True):
            return self._migrate_in_transaction(self._groups())

    def _migrate_in_transaction(self, groups: tuple[str, str, str]) -> int:
        done = {row[0] for row in self.conn.execute("SELECT version FROM hub_migrations")}
        quoted = tuple(sql.Identifier(g).as_string(self.conn) for g in groups)
        applied = 0
        for index, (name, _sql) in enumerate(MIGRATIONS):
            if index + 1 in done:
                continue
            self.conn.execute(migration_sql(index, quoted).encode())  # type: ignore[arg-type]
            self.conn.execute("INSERT INTO hub_migrations(version, name) VALUES (%s, %s)", (index + 1, name))
            applied += 1
        newest = max(done, default=0)
        if newest > len(MIGRATIONS):
            raise HubError(f"the hub has schema version {newest}, newer than this program knows "
                           f"({len(MIGRATIONS)}); update Stance Annotator")
        return applied

    # -- members and assignments ----------------------------------------------------------

    def add_member(self, name: str, role: str, *, password: str | None = None) -> tuple[str, str | None]:
        """Create the login role and the member row. Returns ``(annotator uuid, generated password)``:
        the password is generated (and returned, to be shown once) when none is given."""
        if role not in ROLES:
            raise HubError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if name == GOLD:
            raise HubError("'gold' is the gold layer, not a person")
        generated = None
        if password is None:
            password = generated = secrets.token_urlsafe(18)
        with self.transaction(lock=True):
            if self.conn.execute("SELECT 1 FROM members WHERE name = %s", (name,)).fetchone():
                raise HubError(f"{name!r} is a member already")
            role_exists = self.conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            # A lead adds members: that needs CREATEROLE and the right to grant the member groups.
            statement = "ALTER ROLE {} LOGIN PASSWORD {}" if role_exists else "CREATE ROLE {} LOGIN PASSWORD {}"
            if role == "lead":
                statement += " CREATEROLE"
            self.conn.execute(sql.SQL(statement).format(sql.Identifier(name), sql.Literal(password)))
            for group in GROUPS:
                self.conn.execute(sql.SQL("REVOKE {} FROM {}").format(self._group(group), sql.Identifier(name)))
            if role == "lead":
                for group in GROUPS:
                    self.conn.execute(sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(
                        self._group(group), sql.Identifier(name)))
            else:
                self.conn.execute(sql.SQL("GRANT {} TO {}").format(self._group(role), sql.Identifier(name)))
            row = self.conn.execute("SELECT uuid::text FROM annotators WHERE name = %s", (name,)).fetchone()
            if row:
                annotator_uuid = row[0]
            else:
                annotator_uuid = str(self.conn.execute("SELECT gen_random_uuid()::text").fetchone()[0])  # type: ignore[index]
                self.conn.execute(
                    "INSERT INTO annotators(uuid, name, created_at) VALUES (%s, %s, "
                    """to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))""",
                    (annotator_uuid, name))
            self.conn.execute("INSERT INTO members(name, role, annotator_uuid) VALUES (%s, %s, %s)",
                              (name, role, annotator_uuid))
        return annotator_uuid, generated

    def assign(self, members: Sequence[str], per_article: int, *, query: str | None = None,
               blind: bool | None = None) -> dict[str, int]:
        """Give each chosen article ``per_article`` of ``members``, spreading the work evenly and
        varying who is paired with whom (agreement needs overlap between every pair). Articles
        chosen are those matching ``query`` (words, as in a web search), or all. Their earlier
        assignments are replaced. Returns articles assigned per member."""
        members = list(dict.fromkeys(members))
        if not members:
            raise HubError("name at least one member to assign articles to")
        if not 1 <= per_article <= len(members):
            raise HubError(f"--per-article must be between 1 and the number of annotators ({len(members)})")
        with self.transaction(lock=True):
            known = {row[0] for row in self.conn.execute("SELECT name FROM members WHERE name = ANY(%s)", (members,))}
            unknown = [m for m in members if m not in known]
            if unknown:
                raise HubError(f"not members of this hub: {', '.join(unknown)}")
            if query:
                ids = [row[0] for row in self.conn.execute(
                    "SELECT id FROM articles WHERE to_tsvector('simple', title || ' ' || text) "
                    "@@ websearch_to_tsquery('simple', %s) OR external_id = %s ORDER BY id", (query, query))]
            else:
                ids = [row[0] for row in self.conn.execute("SELECT id FROM articles ORDER BY id")]
            self.conn.execute("DELETE FROM assignments WHERE article_id = ANY(%s)", (ids,))
            rows = []
            count = len(members)
            for number, article_id in enumerate(ids):
                # Round-robin start, with the stride between the K picks changing every full round,
                # so that every pair of members shares some articles.
                stride = 1 + (number // count) % max(1, count - 1)
                picks: list[str] = []
                position = number % count
                while len(picks) < per_article:
                    name = members[position % count]
                    if name in picks:
                        position += 1
                        continue
                    picks.append(name)
                    position += stride
                rows += [(article_id, name) for name in picks]
            with self.conn.cursor() as cur:
                cur.executemany("INSERT INTO assignments(article_id, member) VALUES (%s, %s)", rows)
            if blind is not None:
                self.conn.execute("UPDATE hub_info SET value = %s WHERE key = 'blind'", ("on" if blind else "off",))
        spread = {name: 0 for name in members}
        for _article, name in rows:
            spread[name] += 1
        return spread

    def assignments(self) -> list[str]:
        """Text hashes of the articles assigned to the connected member."""
        with self._errors():
            return [row[0] for row in self.conn.execute(
                "SELECT a.text_hash FROM assignments s JOIN articles a ON a.id = s.article_id "
                "WHERE s.member = session_user")]

    # -- push -----------------------------------------------------------------------------

    def push(self, batch: dict[str, list[tuple[int, dict[str, Any]]]],
             deletes: dict[str, list[tuple[int, str, str]]], *, me: str, role: str,
             owner: bool = False, replica: str = "", seen: int = 0) -> PushResult:
        """Push one batch in one transaction. ``batch``: kind -> ``(outbox seq, row)``;
        ``deletes``: kind -> ``(outbox seq, hub key, deleted at)``. ``me``: the member's annotator
        UUID; ``owner`` (creating a hub) pushes everyone's rows. ``replica`` names the pushing
        project file and ``seen`` is its pull cursor: a hub version from another file that this
        one never pulled, overwritten by a later change here, is logged as the conflict's loser."""
        self._replica, self._seen = replica, seen
        result = PushResult()
        with self.transaction(lock=True):
            # Spans, document labels and statuses deleted go first: a span deleted and made again
            # at the same place (a new UUID) is then a new span, not the deleted one's twin that
            # the deletion would take with it.
            for kind in ("status", "doc_label", "annotation"):
                if deletes.get(kind):
                    self._push_deletes(kind, deletes[kind], result, me=me, role=role, owner=owner)
            for kind in ("annotator", "label", "attribute", "article", "annotation", "doc_label", "status"):
                entries = batch.get(kind)
                if entries:
                    getattr(self, f"_push_{kind}")(entries, result, me=me, role=role, owner=owner)
            for kind in ("attribute", "label", "article"):
                if deletes.get(kind):
                    self._push_deletes(kind, deletes[kind], result, me=me, role=role, owner=owner)
        return result

    def push_events(self, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        with self.transaction():
            self.conn.execute(
                "INSERT INTO events(at, annotator, action, article_id, target, details) "
                "SELECT r.at, r.annotator, r.action, a.id, r.target, r.details "
                "FROM jsonb_to_recordset(%s::jsonb) AS r(at text, annotator text, action text, article_hash text, "
                "target text, details jsonb) LEFT JOIN articles a ON a.text_hash = r.article_hash",
                (json.dumps(list(events)),))

    def _mine(self, who: str | None, *, me: str, role: str, owner: bool) -> bool:
        return owner or who == me or (who == GOLD_UUID and role in ("reviewer", "lead"))

    def _lead_only(self, kind: str, entries: list[tuple[int, dict[str, Any]]], result: PushResult,
                   role: str, owner: bool) -> list[tuple[int, dict[str, Any]]]:
        if owner or role == "lead":
            return entries
        what = {"label": "the codebook", "attribute": "the codebook", "article": "articles"}[kind]
        # A row equal to the hub's changes nothing (a file joining with its copy of the project).
        column = "text_hash" if kind == "article" else "uuid"
        select = _PULL[kind].replace("WHERE s.change_seq > %s", f"WHERE s.{column}::text = ANY(%s)")
        with self.conn.cursor(row_factory=dict_row) as cur:
            hub = {r[column]: r for r in cur.execute(select, ([row[column] for _seq, row in entries],))}
        for seq, row in entries:
            theirs = hub.get(row[column])
            if theirs is not None and all(theirs[k] == v for k, v in row.items() if k in theirs):
                result.done.append(seq)
            else:
                result.refused.append({"kind": kind, "key": row[column],
                                       "reason": f"only leads change {what} on the hub"})
        return []

    def _push_annotator(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                        role: str, owner: bool) -> None:
        rows = []
        for seq, row in entries:
            result.done.append(seq)
            if self._mine(row["uuid"], me=me, role="annotator", owner=owner or role == "lead"):
                rows.append(row)
        if rows:
            self.conn.execute(
                "INSERT INTO annotators(uuid, name, created_at) SELECT r.uuid, r.name, r.created_at "
                "FROM jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, name text, created_at text) "
                "ON CONFLICT (uuid) DO NOTHING", (json.dumps(rows),))
        result.pushed["annotators"] = result.pushed.get("annotators", 0) + len(rows)

    def _push_label(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                    role: str, owner: bool) -> None:
        self._push_leads_rows("label", "labels", _UPSERT_LABELS, entries, result, role=role, owner=owner)

    def _push_attribute(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                        role: str, owner: bool) -> None:
        self._push_leads_rows("attribute", "attribute_defs", _UPSERT_ATTRIBUTES, entries, result, role=role,
                              owner=owner)

    def _push_article(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                      role: str, owner: bool) -> None:
        self._push_leads_rows("article", "articles", _UPSERT_ARTICLES, entries, result, role=role, owner=owner)

    def _push_leads_rows(self, kind: str, table: str, statement: str, entries: list[tuple[int, dict[str, Any]]],
                         result: PushResult, *, role: str, owner: bool) -> None:
        """Rows only leads write (the codebook, articles): upserted, 2,000 to a statement."""
        entries = self._lead_only(kind, entries, result, role, owner)
        if not entries:
            return
        rows = [row for _seq, row in entries]
        for start in range(0, len(rows), 2000):
            self.conn.execute(statement, (json.dumps(rows[start:start + 2000]),))
        result.done += [seq for seq, _row in entries]
        result.pushed[table] = result.pushed.get(table, 0) + len(rows)

    def _pushable(self, kind: str, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                  role: str, owner: bool) -> list[tuple[int, dict[str, Any]]]:
        """The member's own rows of a layer (spans, document labels, statuses) whose article and
        label the hub has: those a push writes."""
        return self._missing_parents(self._split_own(entries, result, me=me, role=role, owner=owner), result, kind)

    def _split_own(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str, role: str,
                   owner: bool) -> list[tuple[int, dict[str, Any]]]:
        """Rows of other annotators are theirs to push: settled here without pushing."""
        own = []
        for seq, row in entries:
            if self._mine(row["annotator_uuid"], me=me, role=role, owner=owner):
                own.append((seq, row))
            elif row["annotator_uuid"] == GOLD_UUID:
                result.refused.append({"kind": "gold", "key": row.get("uuid") or row["article_hash"],
                                       "reason": "only reviewers and leads write the gold layer"})
            else:
                result.done.append(seq)
        return own

    def _missing_parents(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult,
                         kind: str) -> list[tuple[int, dict[str, Any]]]:
        """Rows whose article or label is not on the hub wait (refused) until it is."""
        hashes = sorted({row["article_hash"] for _seq, row in entries})
        present = {r[0] for r in self.conn.execute("SELECT text_hash FROM articles WHERE text_hash = ANY(%s)",
                                                   (hashes,))}
        labels: set[str] = set()
        if kind != "status":
            uuids = sorted({row["label_uuid"] for _seq, row in entries})
            labels = {r[0] for r in self.conn.execute(
                "SELECT uuid::text FROM labels WHERE uuid = ANY(%s::uuid[])", (uuids,))}
        kept = []
        for seq, row in entries:
            if row["article_hash"] not in present:
                result.refused.append({"kind": kind, "key": row.get("uuid") or row["article_hash"],
                                       "reason": "its article is not on the hub (a lead adds articles)"})
            elif kind != "status" and row["label_uuid"] not in labels:
                result.refused.append({"kind": kind, "key": row["uuid"],
                                       "reason": "its label is not on the hub (a lead changes the codebook)"})
            else:
                kept.append((seq, row))
        return kept

    def _push_annotation(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                         role: str, owner: bool) -> None:
        entries = self._pushable("annotation", entries, result, me=me, role=role, owner=owner)
        if not entries:
            return
        rows = [row for _seq, row in entries]
        # The hub's whole version is read only where it may be a conflict's loser (``_write_newest``).
        existing = {row[0]: row[1:] for row in self.conn.execute(
            f"SELECT uuid::text, updated_at, change_seq, pushed_from, {_LOSER} FROM annotations s "
            "WHERE uuid = ANY(%s::uuid[])", (self._seen, self._replica, [r["uuid"] for r in rows]))}
        # The same span under another UUID (made on two machines): the hub's UUID names it.
        # Looked up through the unique index of a span's place: while the hub's statistics lag a
        # big push (members may not ANALYZE), the planner prefers a bitmap AND of the annotator
        # and label indexes, which reads all the annotator's spans for each row (5,000 rows:
        # 5 s instead of 0.08 s).
        bitmaps = self.conn.execute("SELECT current_setting('enable_bitmapscan')").fetchone()[0]  # type: ignore[index]
        self.conn.execute("SET LOCAL enable_bitmapscan = off")
        twins = self.conn.execute(
            f"SELECT r.uuid, s.uuid::text, s.updated_at, s.change_seq, s.pushed_from, {_LOSER} "
            "FROM jsonb_to_recordset(%s::jsonb) AS r(uuid text, "
            "article_hash text, annotator_uuid uuid, label_uuid uuid, start_offset integer, end_offset integer) "
            "JOIN articles a ON a.text_hash = r.article_hash JOIN annotations s ON s.article_id = a.id "
            "AND s.annotator_uuid = r.annotator_uuid AND s.label_uuid = r.label_uuid "
            "AND s.start_offset = r.start_offset AND s.end_offset = r.end_offset AND s.uuid <> r.uuid::uuid",
            (self._seen, self._replica, json.dumps(rows))).fetchall()
        self.conn.execute("SELECT set_config('enable_bitmapscan', %s, true)", (bitmaps,))
        by_uuid = {row["uuid"]: row for row in rows}
        for local_uuid, hub_uuid, *version in twins:
            twin = by_uuid.get(local_uuid)
            if twin is not None:
                twin["uuid"] = hub_uuid
                existing[hub_uuid] = tuple(version)
                result.renamed.append((local_uuid, hub_uuid))
        deleted = dict(self.conn.execute(
            "SELECT key, deleted_at FROM tombstones WHERE kind = 'annotation' AND key = ANY(%s)",
            ([r["uuid"] for r in rows],)).fetchall())
        self._write_newest("annotation", entries, existing, deleted, result, (
            "INSERT INTO annotations(uuid, article_id, annotator_uuid, label_uuid, start_offset, end_offset, text, "
            "attributes, note, origin, source, reviewer_uuid, created_at, updated_at, pushed_from) SELECT r.uuid, "
            "a.id, r.annotator_uuid, r.label_uuid, r.start_offset, r.end_offset, r.text, r.attributes, r.note, "
            "r.origin, r.source, r.reviewer_uuid, r.created_at, r.updated_at, r.pushed_from "
            "FROM jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, article_hash text, annotator_uuid uuid, "
            "label_uuid uuid, start_offset integer, end_offset integer, text text, attributes jsonb, note text, "
            "origin text, source text, reviewer_uuid uuid, created_at text, updated_at text, pushed_from text) "
            "JOIN articles a ON a.text_hash = r.article_hash "
            "ON CONFLICT (uuid) DO UPDATE SET label_uuid = excluded.label_uuid, "
            "start_offset = excluded.start_offset, end_offset = excluded.end_offset, text = excluded.text, "
            "attributes = excluded.attributes, note = excluded.note, origin = excluded.origin, "
            "source = excluded.source, reviewer_uuid = excluded.reviewer_uuid, updated_at = excluded.updated_at, "
            "pushed_from = excluded.pushed_from WHERE annotations.updated_at < excluded.updated_at"), "annotations",
            "UPDATE annotations s SET label_uuid = r.label_uuid, start_offset = r.start_offset, "
            "end_offset = r.end_offset, text = r.text, attributes = r.attributes, note = r.note, origin = r.origin, "
            "source = r.source, reviewer_uuid = r.reviewer_uuid, updated_at = r.updated_at, "
            "pushed_from = r.pushed_from FROM jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, label_uuid uuid, "
            "start_offset integer, end_offset integer, text text, attributes jsonb, note text, origin text, "
            "source text, reviewer_uuid uuid, updated_at text, pushed_from text) "
            "WHERE s.uuid = r.uuid AND s.updated_at < r.updated_at")

    def _push_doc_label(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                        role: str, owner: bool) -> None:
        entries = self._pushable("doc_label", entries, result, me=me, role=role, owner=owner)
        if not entries:
            return
        rows = [row for _seq, row in entries]
        # The same document label under another UUID is already there; the pull brings its UUID here.
        self.conn.execute(
            "INSERT INTO doc_labels(uuid, article_id, annotator_uuid, label_uuid, created_at) SELECT r.uuid, a.id, "
            "r.annotator_uuid, r.label_uuid, r.created_at FROM jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, "
            "article_hash text, annotator_uuid uuid, label_uuid uuid, created_at text) "
            "JOIN articles a ON a.text_hash = r.article_hash ON CONFLICT DO NOTHING", (json.dumps(rows),))
        result.done += [seq for seq, _row in entries]
        result.pushed["doc_labels"] = result.pushed.get("doc_labels", 0) + len(rows)

    def _push_status(self, entries: list[tuple[int, dict[str, Any]]], result: PushResult, *, me: str,
                     role: str, owner: bool) -> None:
        entries = self._pushable("status", entries, result, me=me, role=role, owner=owner)
        if not entries:
            return
        rows = [row for _seq, row in entries]
        for row in rows:
            row["key"] = f"{row['article_hash']}/{row['annotator_uuid']}"
        existing = {row[0]: row[1:] for row in self.conn.execute(
            "SELECT a.text_hash || '/' || s.annotator_uuid, s.updated_at, s.change_seq, s.pushed_from, "
            f"{_LOSER} FROM jsonb_to_recordset(%s::jsonb) AS r(article_hash text, annotator_uuid uuid) "
            "JOIN articles a ON a.text_hash = r.article_hash "
            "JOIN article_status s ON s.article_id = a.id AND s.annotator_uuid = r.annotator_uuid",
            (self._seen, self._replica,
             json.dumps([{"article_hash": r["article_hash"], "annotator_uuid": r["annotator_uuid"]} for r in rows])))}
        self._write_newest("status", entries, existing, {}, result, (
            "INSERT INTO article_status(article_id, annotator_uuid, status, updated_at, pushed_from) SELECT a.id, "
            "r.annotator_uuid, r.status, r.updated_at, r.pushed_from FROM jsonb_to_recordset(%s::jsonb) AS "
            "r(article_hash text, annotator_uuid uuid, status text, updated_at text, pushed_from text) "
            "JOIN articles a ON a.text_hash = r.article_hash ON CONFLICT (article_id, annotator_uuid) DO UPDATE "
            "SET status = excluded.status, updated_at = excluded.updated_at, pushed_from = excluded.pushed_from "
            "WHERE article_status.updated_at < excluded.updated_at"),
            "article_status",
            "UPDATE article_status s SET status = r.status, updated_at = r.updated_at, pushed_from = r.pushed_from "
            "FROM jsonb_to_recordset(%s::jsonb) AS r(article_hash text, annotator_uuid uuid, status text, "
            "updated_at text, pushed_from text) JOIN articles a ON a.text_hash = r.article_hash "
            "WHERE s.article_id = a.id AND s.annotator_uuid = r.annotator_uuid AND s.updated_at < r.updated_at")
        result.unlocked += [r["article_hash"] for r in rows if r["status"] == "done"]

    def _write_newest(self, kind: str, entries: list[tuple[int, dict[str, Any]]],
                      existing: dict[str, tuple[Any, ...]], deleted: dict[str, str], result: PushResult,
                      statement: str, table: str, update: str) -> None:
        """Write the rows newer than the hub's (``statement`` inserts new ones, ``update`` changes
        those the hub has: half the trigger calls of an upsert), and log each conflict with its
        loser: a row here older than the hub's, or as old as a version another file pushed and
        this one never pulled (the hub's stays: the first to come), or a hub version pushed from
        another file that this one never pulled, overwritten by a later change here."""
        write = []
        change = []
        lost: list[tuple[str, str, str, Any]] = []  # key, kept, reason, the losing version
        for seq, row in entries:
            key = row.get("key") or row["uuid"]
            result.done.append(seq)
            row["pushed_from"] = self._replica
            theirs = existing.get(key)
            if key in deleted and deleted[key] >= max(row["updated_at"], row.get("changed_at") or ""):
                lost.append((key, "hub", "deleted on the hub later", row))
            elif theirs is None:
                write.append(row)
            elif theirs[0] < row["updated_at"]:
                change.append(row)
                if theirs[1] > self._seen and theirs[2] != self._replica:
                    lost.append((key, "local", "changed here later than elsewhere", theirs[3]))
            elif theirs[0] > row["updated_at"]:
                lost.append((key, "hub", "changed on the hub later", row))
            elif theirs[3] is not None:  # the same time stamp, another file's version unseen here
                lost.append((key, "hub", "changed on the hub at the same moment; the hub's came first", row))
        for rows, sql_text in ((write, statement), (change, update)):
            for start in range(0, len(rows), 2000):
                self.conn.execute(sql_text, (json.dumps([
                    {k: v for k, v in row.items() if k != "key"} for row in rows[start:start + 2000]]),))
        if write or change:
            result.pushed[table] = result.pushed.get(table, 0) + len(write) + len(change)
        for key, kept, reason, _version in lost:
            result.conflicts.append({"kind": kind, "key": key, "kept": kept, "reason": reason})
        if lost:
            self.conn.execute(
                "INSERT INTO events(at, annotator, action, target, details) SELECT "
                """to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), """
                "r.annotator, 'sync-conflict', r.target, r.details FROM jsonb_to_recordset(%s::jsonb) "
                "AS r(annotator text, target text, details jsonb)",
                (json.dumps([{"annotator": None, "target": key,
                              "details": {"kind": kind, "kept": kept, "reason": reason, "lost": version}}
                             for key, kept, reason, version in lost]),))

    def _push_deletes(self, kind: str, entries: list[tuple[int, str, str]], result: PushResult, *, me: str,
                      role: str, owner: bool) -> None:
        if kind in ("label", "attribute", "article") and not (owner or role == "lead"):
            for _seq, key, _at in entries:
                result.refused.append({"kind": kind, "key": key, "reason": "only leads delete from the codebook "
                                       "or the articles on the hub"})
            return
        if kind in ("annotation", "doc_label"):
            table = {"annotation": "annotations", "doc_label": "doc_labels"}[kind]
            owners = dict(self.conn.execute(
                f"SELECT uuid::text, annotator_uuid::text FROM {table} WHERE uuid = ANY(%s::uuid[])",
                ([key for _seq, key, _at in entries],)).fetchall())
            allowed = [(s, k, a) for s, k, a in entries
                       if k not in owners or self._mine(owners[k], me=me, role=role, owner=owner)]
        elif kind == "status":
            allowed = [(s, k, a) for s, k, a in entries
                       if self._mine(k.split("/", 1)[1], me=me, role=role, owner=owner)]
        else:
            allowed = entries
        result.done += [seq for seq, _key, _at in entries]
        if not allowed:
            return
        gone = [row[0] for row in self.conn.execute(
            "SELECT hub_delete(%s, %s, %s)", (kind, [k for _s, k, _a in allowed], [a for _s, _k, a in allowed]))]
        result.pushed[f"{kind}_deletions"] = result.pushed.get(f"{kind}_deletions", 0) + len(gone)

    # -- pull -----------------------------------------------------------------------------

    def pull(self, after: int, *, replica: str = "") -> Iterator[tuple[str, list[dict[str, Any]], int]]:
        """Rows changed after change number ``after``: ``(kind, rows, highest number seen)`` in
        batches, parents first, tombstones last, all from one snapshot of the hub. Spans and
        statuses last pushed from ``replica`` (the pulling file) are left out: it has them."""
        with self._errors():
            self.conn.autocommit = False
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with self.conn.transaction():
                    self.conn.execute("SET TRANSACTION READ ONLY")
                    for kind, select in _PULL.items():
                        with self.conn.cursor(name=f"pull_{kind}", row_factory=dict_row) as cur:
                            cur.itersize = PULL_BATCH
                            cur.execute(select, (after, replica) if "pushed_from" in select else (after,))
                            while True:
                                rows = cur.fetchmany(PULL_BATCH)
                                if not rows:
                                    break
                                yield kind, rows, max(int(r.pop("change_seq")) for r in rows)
            finally:
                self.conn.autocommit = True
                self.conn.isolation_level = None

    def layers_of(self, article_hashes: Sequence[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Every visible span and document label of these articles (colleagues' layers that
        blind mode showed only once this member marked the article done)."""
        with self._errors(), self.conn.cursor(row_factory=dict_row) as cur:
            for kind in ("annotation", "doc_label"):
                select = _PULL[kind].replace("WHERE s.change_seq > %s AND s.pushed_from <> %s",
                                             "WHERE a.text_hash = ANY(%s)").replace(
                                             "WHERE s.change_seq > %s", "WHERE a.text_hash = ANY(%s)")
                rows = cur.execute(select, (list(article_hashes),)).fetchall()
                for row in rows:
                    row.pop("change_seq")
                if rows:
                    yield kind, rows


_UPSERT_LABELS = (
    "INSERT INTO labels(uuid, name, scope, color, hotkey, description, examples, parent_uuid, position, "
    "patterns) SELECT r.uuid, r.name, r.scope, r.color, r.hotkey, r.description, r.examples, r.parent_uuid, "
    "r.position, r.patterns FROM jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, name text, scope text, "
    "color text, hotkey text, description text, examples jsonb, parent_uuid uuid, position integer, "
    "patterns jsonb) ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, scope = excluded.scope, "
    "color = excluded.color, hotkey = excluded.hotkey, description = excluded.description, "
    "examples = excluded.examples, parent_uuid = excluded.parent_uuid, position = excluded.position, "
    "patterns = excluded.patterns WHERE (labels.name, labels.scope, labels.color, labels.hotkey, "
    "labels.description, labels.examples, labels.parent_uuid, labels.position, labels.patterns) "
    "IS DISTINCT FROM (excluded.name, excluded.scope, excluded.color, excluded.hotkey, "
    "excluded.description, excluded.examples, excluded.parent_uuid, excluded.position, excluded.patterns)"
)
_UPSERT_ATTRIBUTES = (
    "INSERT INTO attribute_defs(uuid, name, allowed_values, position) SELECT r.uuid, r.name, "
    "r.allowed_values, r.position FROM jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, name text, "
    "allowed_values jsonb, position integer) ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, "
    "allowed_values = excluded.allowed_values, position = excluded.position "
    "WHERE (attribute_defs.name, attribute_defs.allowed_values, attribute_defs.position) "
    "IS DISTINCT FROM (excluded.name, excluded.allowed_values, excluded.position)"
)
_UPSERT_ARTICLES = (
    "INSERT INTO articles(text_hash, external_id, title, source, url, published, language, text, meta, "
    "imported_at) SELECT r.text_hash, r.external_id, r.title, r.source, r.url, r.published, r.language, "
    "r.text, r.meta, r.imported_at FROM jsonb_to_recordset(%s::jsonb) AS r(text_hash text, "
    "external_id text, title text, source text, url text, published text, language text, text text, "
    "meta jsonb, imported_at text) ON CONFLICT (text_hash) DO UPDATE SET "
    "external_id = excluded.external_id, title = excluded.title, source = excluded.source, "
    "url = excluded.url, published = excluded.published, language = excluded.language, "
    "meta = excluded.meta WHERE (articles.external_id, articles.title, articles.source, articles.url, "
    "articles.published, articles.language, articles.meta) IS DISTINCT FROM (excluded.external_id, "
    "excluded.title, excluded.source, excluded.url, excluded.published, excluded.language, "
    "excluded.meta)"
)
_LOSER = "CASE WHEN s.change_seq > %s AND s.pushed_from <> %s THEN to_jsonb(s) END"
"""A hub row's whole version where it may lose to this push unseen (pushed from another file
after this one's last pull), else NULL: parameters ``seen`` and ``replica``."""

_PULL = {
    "annotator": "SELECT uuid::text, name, created_at, change_seq FROM annotators s WHERE s.change_seq > %s "
                 "ORDER BY change_seq",
    "label": "SELECT uuid::text, name, scope, color, hotkey, description, examples, parent_uuid::text, position, "
             "patterns, change_seq FROM labels s WHERE s.change_seq > %s ORDER BY change_seq",
    "attribute": "SELECT uuid::text, name, allowed_values, position, change_seq FROM attribute_defs s "
                 "WHERE s.change_seq > %s ORDER BY change_seq",
    "article": "SELECT text_hash, external_id, title, source, url, published, language, text, meta, imported_at, "
               "change_seq FROM articles s WHERE s.change_seq > %s ORDER BY change_seq",
    "annotation": "SELECT s.uuid::text, a.text_hash AS article_hash, s.annotator_uuid::text, s.label_uuid::text, "
                  "s.start_offset, s.end_offset, s.text, s.attributes, s.note, s.origin, s.source, "
                  "s.reviewer_uuid::text, s.created_at, s.updated_at, s.change_seq FROM annotations s "
                  "JOIN articles a ON a.id = s.article_id WHERE s.change_seq > %s AND s.pushed_from <> %s "
                  "ORDER BY s.change_seq",
    "doc_label": "SELECT s.uuid::text, a.text_hash AS article_hash, s.annotator_uuid::text, s.label_uuid::text, "
                 "s.created_at, s.change_seq FROM doc_labels s JOIN articles a ON a.id = s.article_id "
                 "WHERE s.change_seq > %s ORDER BY s.change_seq",
    "status": "SELECT a.text_hash AS article_hash, s.annotator_uuid::text, s.status, s.updated_at, s.change_seq "
              "FROM article_status s JOIN articles a ON a.id = s.article_id WHERE s.change_seq > %s "
              "AND s.pushed_from <> %s ORDER BY s.change_seq",
    "tombstone": "SELECT kind, key, deleted_at, change_seq FROM tombstones s WHERE s.change_seq > %s "
                 "ORDER BY change_seq",
}
