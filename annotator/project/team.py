"""Team work with a hub: create one from a project, add members, join, assign, and sync.

``sync`` pushes first, then pulls. Pushing reads the outbox a batch at a time; each batch goes
to the hub in one transaction, and only after that commits are its outbox entries dropped, so a
sync killed at any point pushes the batch again on the next run, which changes nothing the
second time (rows are keyed by UUID and written only when newer). Pulling applies the hub's
rows in bounded local transactions and moves the pull cursor only once everything up to it is
written, so a killed pull is simply repeated. Rows refused by the hub (not the member's to
change) stay in the outbox and are reported each time, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.model.errors import AnnotatorError, ProjectFileError
from annotator.project.base import Cancelled, ProjectBase
from annotator.store import Store
from annotator.store.base import new_uuid, now
from annotator.store.sync import HUB_KINDS, TABLES, OutboxEntry
from annotator.team import credentials
from annotator.team.address import HubError, HubRefused, url_password, url_without_password

if TYPE_CHECKING:
    from annotator.team.hub import Hub

PUSH_BATCH = 5000
LOCAL_CHUNK = 5000

SyncProgress = Callable[[str, int], None]
"""Called with a phase ("push", "pull") and the rows done in it so far."""


@dataclass
class SyncReport:
    pushed: dict[str, int] = field(default_factory=dict)
    pulled: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    waiting: int = 0
    """Outbox entries left after the sync (refused ones)."""
    unapplied: int = 0
    """Pulled rows this file could not store (reported in ``conflicts``; pulled again next time)."""

    @property
    def in_step(self) -> bool:
        return self.waiting == 0 and self.unapplied == 0

    def as_json(self) -> dict[str, Any]:
        return {"pushed": self.pushed, "pulled": self.pulled, "conflicts": self.conflicts,
                "refused": self.refused, "waiting": self.waiting, "unapplied": self.unapplied,
                "in_step": self.in_step}


@dataclass(frozen=True)
class TeamStatus:
    """What the window's indicator shows."""

    linked: bool
    url: str = ""
    member: str = ""
    role: str = ""
    waiting: int = 0
    last_sync: str = ""
    last_error: str = ""
    blind: bool = False


def open_hub(url: str, password: str | None = None) -> Hub:
    """Connect with the given password, else the keyring's, else libpq's own (``.pgpass``)."""
    from annotator.team.hub import connect  # psycopg: loaded only when a hub is used

    if password is None:
        password = url_password(url) or credentials.saved_password(url)
    return connect(url, password=password)


def _add(counts: dict[str, int], key: str, number: int) -> None:
    if number:
        counts[key] = counts.get(key, 0) + number


class TeamMixin(ProjectBase):
    """The project's link to a hub and ``sync``."""

    def team_status(self) -> TeamStatus:
        state = self._store.sync_state()
        if not state.get("url"):
            return TeamStatus(linked=False)
        return TeamStatus(linked=True, url=state["url"], member=state.get("member", ""), role=state.get("role", ""),
                          waiting=self._store.outbox_count(), last_sync=state.get("last_sync", ""),
                          last_error=state.get("last_error", ""), blind=state.get("blind") == "on")

    def assigned_article_ids(self) -> set[int]:
        """Articles the hub assigned to this project's member (empty when none or not linked)."""
        return self._store.assigned_article_ids()

    def link_hub(self, url: str, *, member: str, role: str, annotator_uuid: str, everything: bool) -> None:
        """Link this project to a hub as ``member``; ``everything`` queues every row for the first push."""
        store = self._store
        with store.write():
            # The member's work here is theirs on the hub: one annotator, one UUID.
            local = store.annotator_by_name(member)
            if local is not None and local.uuid != annotator_uuid:
                store.conn.execute("UPDATE annotators SET uuid = ? WHERE id = ?", (annotator_uuid, local.id))
                store.forget_caches()
            elif local is None:
                store.ensure_annotator(member, annotator_uuid)
            store.link_hub(url=url_without_password(url), member=member, role=role, pulled_seq=0,
                           replica=store.sync_state().get("replica") or new_uuid(),
                           events_pushed=0 if everything else _last_event(store))
            if everything:
                store.queue_everything()

    def sync(self, *, password: str | None = None, progress: SyncProgress | None = None,
             cancelled: Callable[[], bool] | None = None, owner: bool = False) -> SyncReport:
        """Push this project's changes to its hub and pull everyone else's.

        Raises:
            HubOffline: the hub cannot be reached (the changes wait; nothing is lost).
            HubRefused: the login or the membership was refused.
            HubError: the hub belongs to another project, or is not a hub.
        """
        store = self._store
        state = store.sync_state()
        if not state.get("url"):
            raise AnnotatorError(f"{self.path} is not linked to a team hub; use `annotator team join`")
        try:
            with open_hub(state["url"], password) as hub:
                report = self._sync_with(hub, state, progress=progress, cancelled=cancelled, owner=owner)
        except HubError as error:
            with store.write(background=True):
                store.set_sync_state(last_error=str(error))
            raise
        with store.write(background=True):
            store.set_sync_state(last_error=None if report.in_step else _refusal_summary(report))
        return report

    def _sync_with(self, hub: Hub, state: dict[str, str], *, progress: SyncProgress | None,
                   cancelled: Callable[[], bool] | None, owner: bool) -> SyncReport:
        store = self._store
        info = hub.info()
        if info.get("project_uuid") != store.project_uuid:
            raise HubError(f"the hub {url_without_password(hub.url)} holds another project "
                           f"({info.get('project_uuid')}); this file is {store.project_uuid}")
        me = hub.member()
        if me is None:
            raise HubRefused(f"{hub.user()} is not a member of the hub {url_without_password(hub.url)}; "
                             "a lead adds members with `annotator team add-member`")
        report = SyncReport()
        unlocked = self._push(hub, me, state, report, progress=progress, cancelled=cancelled, owner=owner)
        self._pull(hub, state, report, unlocked=unlocked, progress=progress, cancelled=cancelled)
        with store.write(background=True):
            store.set_sync_state(last_sync=now(), role=me["role"], blind=info.get("blind", "off"))
            store.set_assignments(hub.assignments())
        report.waiting = store.outbox_count()
        return report

    def _push(self, hub: Hub, me: dict[str, Any], state: dict[str, str], report: SyncReport, *,
              progress: SyncProgress | None, cancelled: Callable[[], bool] | None, owner: bool) -> list[str]:
        store = self._store
        after = 0
        done_rows = 0
        unlocked: list[str] = []
        while True:
            if cancelled and cancelled():
                raise Cancelled("sync cancelled; what was pushed stays on the hub")
            entries = store.outbox(after=after, limit=PUSH_BATCH)
            if not entries:
                break
            after = entries[-1][0]
            upserts, deletes, settled, changed_at = _collapse(entries)
            batch: dict[str, list[tuple[int, dict[str, Any]]]] = {}
            for kind in HUB_KINDS:
                if kind not in upserts:
                    continue
                idents = list(upserts[kind])
                rows = store.hub_rows(kind, idents)
                pairs = [(upserts[kind][i], rows.get(i)) for i in idents]
                batch[kind] = []
                for seq, row in pairs:
                    if row is None:
                        settled.append(seq)  # gone since: its delete entry says so
                    else:
                        if kind == "annotation":
                            # When it was written here: a span put back (an undone removal) keeps
                            # its old updated_at, yet outlives a deletion made before it came back.
                            row["changed_at"] = changed_at[seq]
                        batch[kind].append((seq, row))
                        # A row there now outlives an earlier delete of the same key in this batch.
                        key = row.get("uuid") or row.get("text_hash") or f"{row.get('article_hash')}/" \
                            f"{row.get('annotator_uuid')}"
                        stale = deletes.get(kind, {}).pop(str(key), None)
                        if stale is not None:
                            settled.append(stale[0])
            delete_batch = {kind: [(seq, key, at) for key, (seq, at) in keyed.items()]
                            for kind, keyed in deletes.items() if keyed}
            result = hub.push(batch, delete_batch, me=me["annotator_uuid"], role=me["role"], owner=owner,
                              replica=state.get("replica", ""), seen=int(state.get("pulled_seq", "0")))
            with store.write(background=True):
                store.drop_outbox(result.done + settled)
                if result.renamed:
                    with store.applying_pulled():
                        store.conn.executemany("UPDATE annotations SET uuid = ? WHERE uuid = ?",
                                               [(hub_uuid, local_uuid) for local_uuid, hub_uuid in result.renamed])
            for table, number in result.pushed.items():
                _add(report.pushed, table, number)
            report.conflicts += result.conflicts
            report.refused += result.refused
            unlocked += result.unlocked
            done_rows += len(entries)
            if progress:
                progress("push", done_rows)
        last = int(state.get("events_pushed", "0"))
        while True:
            events = store.events_after(last)
            if not events:
                break
            hub.push_events([{k: v for k, v in e.items() if k != "id"} for e in events])
            last = events[-1]["id"]
            with store.write(background=True):
                store.set_sync_state(events_pushed=last)
            _add(report.pushed, "events", len(events))
        return unlocked

    def _pull(self, hub: Hub, state: dict[str, str], report: SyncReport, *, unlocked: Sequence[str],
              progress: SyncProgress | None, cancelled: Callable[[], bool] | None) -> None:
        store = self._store
        cursor = int(state.get("pulled_seq", "0"))
        highest = cursor
        done_rows = 0
        for kind, rows, seq in hub.pull(cursor, replica=state.get("replica", "")):
            if cancelled and cancelled():
                raise Cancelled("sync cancelled; what was pulled so far stays, the rest comes next time")
            for start in range(0, len(rows), LOCAL_CHUNK):
                report.unapplied += self._apply(kind, rows[start:start + LOCAL_CHUNK], report)
            highest = max(highest, seq)
            done_rows += len(rows)
            if progress:
                progress("pull", done_rows)
        if unlocked and store.sync_state().get("blind") == "on":
            for kind, rows in hub.layers_of(unlocked):
                self._apply(kind, rows, report)
        if report.unapplied:
            return  # the cursor stays, so the rows not stored come again (nothing is skipped for good)
        with store.write(background=True):
            store.set_sync_state(pulled_seq=highest)

    def _apply(self, kind: str, rows: list[dict[str, Any]], report: SyncReport) -> int:
        """Store pulled rows; returns how many could not be stored here (their article,
        annotator or label is missing), which are reported and pulled again next time."""
        store = self._store
        skipped = 0
        with store.write(background=True), store.applying_pulled():
            if kind == "annotator":
                for name in store.upsert_annotators(rows):
                    report.conflicts.append({"kind": "annotator", "key": name, "kept": "local",
                                             "reason": "another annotator here has this name"})
            elif kind == "label":
                store.upsert_labels(rows)
            elif kind == "attribute":
                store.upsert_attributes(rows)
            elif kind == "article":
                store.upsert_articles(rows)
            elif kind == "annotation":
                skipped = store.upsert_annotations(rows)
            elif kind == "doc_label":
                skipped = store.upsert_doc_labels(rows)
            elif kind == "status":
                skipped = store.upsert_statuses(rows)
            elif kind == "tombstone":
                store.apply_tombstones(rows)
        _add(report.pulled, TABLES.get(kind, "deletions"), len(rows) - skipped)
        if skipped:
            report.conflicts.append({"kind": kind, "key": f"{skipped} row(s)", "kept": "hub",
                                     "reason": "pulled, but their article, annotator or label is missing here; "
                                               "they are pulled again at the next sync"})
        return skipped


def _collapse(entries: Sequence[OutboxEntry]) -> tuple[dict[str, dict[Any, int]], dict[str, dict[str, tuple[int, str]]],
                                                     list[int], dict[int, str]]:
    """A batch of outbox entries as one change per row: ``(upserts, deletes, settled, changed_at)``
    — kind -> local id (a status: its ``article/annotator`` key) -> seq; kind -> hub key ->
    ``(seq, deleted at)``; the seqs of older changes the newest stands for; upsert seq -> when
    it was written."""
    upserts: dict[str, dict[Any, int]] = {}
    deletes: dict[str, dict[str, tuple[int, str]]] = {}
    settled: list[int] = []
    changed_at: dict[int, str] = {}
    for seq, kind, row_id, key, op, at in entries:
        if op == "upsert":
            ident = key if kind == "status" else row_id
            previous = upserts.setdefault(kind, {}).get(ident)
            if previous is not None:
                settled.append(previous)
            upserts[kind][ident] = seq
            changed_at[seq] = at
        else:
            previous_delete = deletes.setdefault(kind, {}).get(str(key))
            if previous_delete is not None:
                settled.append(previous_delete[0])
            deletes[kind][str(key)] = (seq, at)
    return upserts, deletes, settled, changed_at


def _last_event(store: Store) -> int:
    return int(store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])


def _refusal_summary(report: SyncReport) -> str:
    reasons: dict[str, int] = {}
    for item in report.refused:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    text = "; ".join(f"{count} refused: {reason}" for reason, count in reasons.items())
    return text or f"{report.waiting} changes waiting"


# -- commands that work on a hub (and a file) ---------------------------------------------------

def create_team(url: str, project_path: str | Path, *, password: str | None = None,
                progress: SyncProgress | None = None) -> SyncReport:
    """``annotator team create``: make an empty database a hub and upload the project to it."""
    from annotator.project.project import Project

    project = Project.open(project_path, create=False)
    password = password or url_password(url)
    try:
        with open_hub(url, password) as hub:
            user = hub.user()
            local = project.annotator_named(user)
            lead_uuid = local.uuid if local else new_uuid()
            hub.create(project_uuid=project._store.project_uuid, lead_uuid=lead_uuid)
        if password:
            credentials.save_password(url, password)
        project.link_hub(url, member=user, role="lead", annotator_uuid=lead_uuid, everything=True)
        return project.sync(password=password, progress=progress, owner=True)
    finally:
        project.close()


def add_member(url: str, name: str, role: str, *, password: str | None = None,
               hub_password: str | None = None) -> tuple[str, str | None]:
    with open_hub(url, hub_password) as hub:
        hub.info()
        return hub.add_member(name, role, password=password)


def list_members(url: str, *, password: str | None = None) -> list[dict[str, Any]]:
    """The hub's members: ``name``, ``role``, ``annotator_uuid``, articles ``assigned`` and ``done``."""
    with open_hub(url, password) as hub:
        hub.info()  # not a hub, another project's: said plainly
        return hub.members()


def assign(url: str, annotators: Sequence[str], per_article: int, *, query: str | None = None,
           blind: bool | None = None, password: str | None = None) -> dict[str, int]:
    with open_hub(url, password) as hub:
        hub.info()
        return hub.assign(annotators, per_article, query=query, blind=blind)


def join_team(project_path: str | Path, url: str, *, annotator: str | None = None, password: str | None = None,
              progress: SyncProgress | None = None) -> SyncReport:
    """``annotator team join``: a new local copy of the hub's project, or an existing copy linked."""
    from annotator.project.project import Project

    path = Path(project_path)
    with open_hub(url, password) as hub:
        info = hub.info()
        member_name = annotator or hub.user()
        member = hub.member(member_name)
        if member is None:
            raise HubRefused(f"{member_name!r} is not a member of the hub {url_without_password(url)}; "
                             "a lead adds members with `annotator team add-member`")
        if hub.user() != member_name:
            raise HubRefused(f"the address logs in as {hub.user()!r}, but joins as {member_name!r}: "
                             "each member logs in as themselves")
    exists = path.exists() and path.stat().st_size > 0
    if exists:
        store = Store.open(path, create=False)
        if store.project_uuid != info["project_uuid"]:
            theirs = store.project_uuid
            store.close()
            raise ProjectFileError(f"{path} is another project ({theirs}) than the hub's "
                                   f"({info['project_uuid']}); join into a new file instead")
    else:
        # Made under another name and renamed once it is the hub's project, so that a join killed
        # here leaves no file of another project in the way of the next try.
        partial = path.with_name(path.name + ".joining")
        for stale in (partial, *(partial.with_name(partial.name + end) for end in ("-wal", "-shm", "-journal"))):
            stale.unlink(missing_ok=True)
        store = Store.open(partial, create=True)
        with store.write():
            store.set_info("project_uuid", info["project_uuid"])
            store.set_info("codebook_seeded", "yes")  # the codebook comes from the hub
        store.close()
        partial.replace(path)
        store = Store.open(path, create=False)
    project = Project(store)
    try:
        password = password or url_password(url)
        if password:
            credentials.save_password(url, password)
        state = store.sync_state()
        if not (state.get("url") == url_without_password(url) and state.get("member") == member_name):
            # A join run again on a file linked already (a killed join) just goes on syncing.
            project.link_hub(url, member=member_name, role=member["role"], annotator_uuid=member["annotator_uuid"],
                             everything=exists)
        return project.sync(password=password, progress=progress)
    finally:
        project.close()


def sync_file(project_path: str | Path, *, password: str | None = None,
              progress: SyncProgress | None = None, cancelled: Callable[[], bool] | None = None) -> SyncReport:
    """Sync a project file through a connection of its own (the window's background sync)."""
    from annotator.project.project import Project

    project = Project(Store.open(project_path, create=False))
    try:
        return project.sync(password=password, progress=progress, cancelled=cancelled)
    finally:
        project.close()


def remember_password(project_path: str | Path, password: str) -> bool:
    """Keep a password that worked for the project's hub in the keyring (False: no keyring)."""
    store = Store.open(project_path, create=False, read_only=True)
    try:
        url = store.sync_state().get("url")
    finally:
        store.close()
    return bool(url) and credentials.save_password(url or "", password)
