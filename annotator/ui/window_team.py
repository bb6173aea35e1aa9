"""File › Team: join a team hub, sync now, members and assignments; the automatic background
sync and the status-bar indicator ``teamStatus``.

A sync runs ``sync_file`` in a pool thread on a SQLite connection of its own (a connection
belongs to its thread), started through the window's ``Operations`` (kind ``"sync"``) after its
callbacks are connected. At most one runs at a time; a "Sync now" asked meanwhile runs right
after it. Labelling never waits for the hub: the window's edits commit locally at once and wait
in the project's outbox. When a sync pulled rows, the list and the shown article are re-read
through the same paths an import takes; the window keeps no copy of its own.

Passwords are never stored in the project file. A sync uses the password typed in this window
(kept in memory while the project is open), else the keyring's, else libpq's own
(``PGPASSWORD``, ``~/.pgpass``). When the hub refuses the login the window asks: an automatic
sync at most once per opened project, "Sync now" each time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFrame, QLabel

from annotator.model.errors import AnnotatorError
from annotator.project import Cancelled
from annotator.project.team import (
    SyncReport,
    TeamStatus,
    add_member,
    assign,
    join_team,
    list_members,
    sync_file,
)
from annotator.team import credentials
from annotator.team.address import HubError, HubLoginRefused, HubOffline, HubRefused, url_without_password
from annotator.ui.dialogs.ask import Dialogs
from annotator.ui.dialogs.restore_dialog import local_time
from annotator.ui.dialogs.team_dialogs import JoinAnswer, TeamDialogs, TeamMembersDialog
from annotator.ui.operations import Work
from annotator.ui.plain import plain_label, plain_tooltip
from annotator.ui.widgets.operation_progress import OperationProgress
from annotator.ui.window_projects import ProjectParts
from annotator.ui.workers import Job

SYNC_INTERVAL_KEY = "team/sync_interval_seconds"
"""QSettings key: seconds between automatic syncs of a linked project; 0 turns them off."""
DEFAULT_SYNC_INTERVAL_SECONDS = 60
LOGIN_REFUSED = "refused the login"
"""In the message of a ``HubLoginRefused`` (``team/hub.py``), as a project file records it after a
failed sync: a password is missing or wrong, so asking for one may help."""

INDICATOR_TEXT = {"offline": "Offline", "login": "Refused", "refused": "Refused", "error": "Sync failed",
                  "cancelled": "Sync cancelled"}


@dataclass(frozen=True)
class HubProblem:
    """Why talking to the hub stopped: ``kind`` is "offline", "login" (the login was refused:
    a password may help), "refused" (not a member, not allowed), "error" or "cancelled"."""

    kind: str
    message: str

    @classmethod
    def of(cls, error: Exception) -> HubProblem:
        if isinstance(error, HubOffline):
            kind = "offline"
        elif isinstance(error, HubRefused):
            kind = "login" if isinstance(error, HubLoginRefused) else "refused"
        elif isinstance(error, Cancelled):
            kind = "cancelled"
        else:
            kind = "error"
        return cls(kind, str(error) or type(error).__name__)

    @classmethod
    def from_last_error(cls, message: str) -> HubProblem | None:
        """The problem a project file recorded at its last sync, if it was one (rows the hub
        refused are recorded too, but those are changes waiting, not a problem of the hub's)."""
        if not message or message.endswith(" changes waiting") or " refused: " in message:
            return None
        if message.startswith("cannot reach"):
            return cls("offline", message)
        if LOGIN_REFUSED in message:
            return cls("login", message)
        return cls("refused" if "refused" in message else "error", message)


def login_reason(message: str) -> str:
    """Why the hub refused the login, in a sentence, with libpq's words after it."""
    if "no password supplied" in message:
        reason = "No password for it is saved on this computer."
    elif "password authentication failed" in message:
        reason = "The password was not accepted."
    else:
        reason = "The hub refused the login."
    return f"{reason}\n\nDetails: {message}"


def hub_work(run: Callable[[Job], Any]) -> Work:
    """Background work against a hub: a hub's refusal, absence or a cancel comes back as a
    ``HubProblem`` result (the window decides what to ask), anything else fails as usual."""
    def work(job: Job) -> Any:
        try:
            return run(job)
        except (HubError, Cancelled) as error:
            return HubProblem.of(error)
    return work


def sync_work(project_path: str, password: str | None) -> Work:
    def run(job: Job) -> SyncReport:
        # Progress: rows done so far, with 0 for pushing and 1 for pulling in place of a total.
        return sync_file(project_path, password=password, cancelled=job.is_cancelled,
                         progress=lambda phase, rows: job.sig_progress.emit(rows, int(phase == "pull")))
    return hub_work(run)


def address_as(url: str, user: str) -> str:
    """The hub address logging in as ``user`` (password dropped): what a member joins with."""
    url = url_without_password(url)
    if "://" in url:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, f"{quote(user, safe='')}@{host}", parts.path, parts.query, parts.fragment))
    escaped = user.replace("\\", "\\\\").replace("'", "\\'")
    return f"{url} user='{escaped}'"  # libpq: a keyword given twice takes the last value


def address_with_user(url: str, user: str) -> str:
    """``url`` as typed, with ``user`` as its login when it names none."""
    if "://" in url:
        if urlsplit(url).username:
            return url
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, f"{quote(user, safe='')}@{parts.netloc}", parts.path, parts.query,
                           parts.fragment))
    if "user=" in url:
        return url
    escaped = user.replace("\\", "\\\\").replace("'", "\\'")
    return f"{url} user='{escaped}'"


def describe_report(report: SyncReport) -> str:
    # The event log travels too, but a person counts their changes, not its lines.
    pushed = sum(count for table, count in report.pushed.items() if table != "events")
    pulled = sum(report.pulled.values())
    text = f"Synced with the team hub: {pushed} change{'s' if pushed != 1 else ''} sent, {pulled} received"
    if report.conflicts:
        text += f", {len(report.conflicts)} conflict{'s' if len(report.conflicts) != 1 else ''} (newest kept)"
    if report.waiting:
        text += f"; {report.waiting} still waiting (the hub refused them)"
    return text + "."


class TeamParts(ProjectParts):
    sig_team_synced = Signal(object)
    """A sync ended: carries its ``SyncReport``, or the ``HubProblem`` that stopped it."""

    team_status_label: QLabel
    team_dialog: TeamMembersDialog | None
    team_dialogs: TeamDialogs

    def _build_team(self) -> None:
        """The status-bar indicator and the sync timer; called once while the window is built."""
        self.team_status_label = plain_label("")
        self.team_status_label.setObjectName("teamStatus")
        # Set apart from the article status beside it, which it would otherwise seem to continue.
        self.team_status_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.team_status_label.setContentsMargins(6, 0, 6, 0)
        self.team_status_label.hide()
        self.statusBar().addPermanentWidget(self.team_status_label)
        self.team_dialog = None
        self.team_dialogs = TeamDialogs()
        self._sync_job: Job | None = None
        self._sync_progress = ""
        self._sync_again = False
        self._team_problem: HubProblem | None = None
        self._team_url = ""
        self._hub_password: str | None = None
        self._password_asked = False
        self._sync_timer = QTimer(self)
        self._sync_timer.timeout.connect(lambda: self._start_sync(manual=False))
        self._first_sync = QTimer(self)
        self._first_sync.setSingleShot(True)
        self._first_sync.setInterval(0)
        self._first_sync.timeout.connect(lambda: self._start_sync(manual=False))

    def load_project(self, project_path: str, annotator: str, *, back_up: bool = True) -> None:
        super().load_project(project_path, annotator, back_up=back_up)
        self._on_team_project_loaded()

    def sync_interval_seconds(self) -> int:
        """Seconds between automatic syncs (QSettings ``team/sync_interval_seconds``); 0: none."""
        value = self.settings.value(SYNC_INTERVAL_KEY, DEFAULT_SYNC_INTERVAL_SECONDS)
        try:
            return max(0, int(value))  # type: ignore[call-overload]  # QSettings gives object
        except (TypeError, ValueError):
            return DEFAULT_SYNC_INTERVAL_SECONDS

    @property
    def syncing(self) -> bool:
        """A sync with the hub is running (or one asked for meanwhile is about to)."""
        return self._sync_job is not None or self._sync_again

    def team_status(self) -> TeamStatus:
        return self.project.team_status() if self.project is not None else TeamStatus(linked=False)

    def _on_team_project_loaded(self) -> None:
        assert self.project is not None
        assert self.controller is not None
        status = self.project.team_status()
        if status.url != self._team_url:  # a password typed for another hub is not this one's
            self._hub_password = None
            self._team_url = status.url
        self._password_asked = False
        self._team_problem = HubProblem.from_last_error(status.last_error) if status.linked else None
        if self.team_dialog is not None:
            self.team_dialog.reject()
            self.team_dialog = None
        self.controller.sig_changed.connect(self._on_team_changes)
        self._update_team_view(status)
        interval = self.sync_interval_seconds()
        if status.linked and interval > 0 and not self.project.read_only:
            self._sync_timer.start(interval * 1000)
            self._first_sync.start()  # once the window is up, not while it is built
        else:
            self._sync_timer.stop()
            self._first_sync.stop()
        if status.linked and status.member and status.member != self.annotator:
            self.show_message(f"This project syncs as {status.member}, but you label as {self.annotator}: "
                              f"the hub takes only {status.member}'s work from it (Edit › Change annotator…)")

    def _on_team_changes(self, _changes: object) -> None:
        """An edit adds to what waits for the hub: the indicator counts it (not while syncing)."""
        if self._team_url and self._sync_job is None:
            self._update_team_view()

    # -- the indicator -------------------------------------------------------------------

    def _update_team_view(self, status: TeamStatus | None = None) -> None:
        """The indicator's text and tooltip, and which team actions are on."""
        status = status or self.team_status()
        self.actions_by_name["actionSyncNow"].setEnabled(status.linked)
        self.actions_by_name["actionTeamMembers"].setEnabled(status.linked and status.role == "lead")
        label = self.team_status_label
        label.setVisible(status.linked)
        if not status.linked:
            label.setText("")
            label.setToolTip("")
            return
        if self._sync_job is not None:
            text = "Syncing…" + self._sync_progress
        elif self._team_problem is not None:
            text = INDICATOR_TEXT[self._team_problem.kind]
        elif status.waiting:
            text = f"{status.waiting} change{'s' if status.waiting != 1 else ''} waiting"
        elif not status.last_sync:
            text = "Not synced yet"
        else:
            text = "In step"
        label.setText(text)
        lines = [f"Team hub: {url_without_password(status.url)}",
                 f"Syncing as: {status.member or '?'} ({status.role or 'role unknown'})"
                 + (f", labelling as {self.annotator}" if status.member and status.member != self.annotator else ""),
                 f"Last sync: {local_time(status.last_sync) if status.last_sync else 'never'}",
                 f"Changes waiting to be sent: {status.waiting}"]
        if status.blind:
            lines.append("Blind mode: colleagues' work shows once you mark an article done")
        problem = self._team_problem.message if self._team_problem is not None else status.last_error
        if problem:
            lines.append(f"Last problem: {problem}")
        interval = self.sync_interval_seconds()
        lines.append(f"Syncs every {interval} s; File › Team › Sync now (Ctrl+Alt+S) syncs at once"
                     if interval and not (self.project and self.project.read_only)
                     else "Automatic sync is off here; File › Team › Sync now (Ctrl+Alt+S) syncs")
        label.setToolTip(plain_tooltip("\n".join(lines)))

    # -- syncing -------------------------------------------------------------------------

    def sync_now(self) -> None:
        """File › Team › Sync now: push this project's changes and pull the team's."""
        self._start_sync(manual=True)

    def _start_sync(self, *, manual: bool) -> None:
        if self.project is None:
            return
        status = self.project.team_status()
        if not status.linked:
            if manual:
                self.show_message("This project is not linked to a team hub (File › Team › Join team hub…)")
            return
        if self.project.read_only:
            if manual:
                self.show_message("This window shows the project read-only: the window that writes it syncs it")
            return
        if self._sync_job is not None:
            if manual:
                self._sync_again = True
                self.show_message("A sync is running; another one follows it")
            return
        path, password = self._project_path(), self._hub_password
        self._sync_progress = ""
        self._sync_job = self.operations.start(
            "sync", sync_work(path, password),
            on_done=lambda result: self._on_sync_ended(path, manual, password, result),
            on_failed=lambda message: self._on_sync_ended(path, manual, password, HubProblem("error", message)),
            on_progress=self._on_sync_progress)
        self._update_team_view(status)

    def _on_sync_progress(self, rows: int, pulling: int) -> None:
        self._sync_progress = f" {rows} {'received' if pulling else 'sent'}"
        if self._sync_job is not None:
            self.team_status_label.setText("Syncing…" + self._sync_progress)

    def _on_sync_ended(self, path: str, manual: bool, password: str | None, result: SyncReport | HubProblem) -> None:
        self._sync_job = None
        self._sync_progress = ""
        if self.project is not None and self.project.path == path:  # not a project switched away from
            if isinstance(result, HubProblem):
                self._on_sync_problem(result, manual)
            else:
                self._team_problem = None
                if password:  # typed here and it worked: the keyring keeps it, if there is one
                    credentials.save_password(self.team_status().url, password)
                if result.pulled:
                    self._show_pulled(result)
                if manual:
                    self.show_message(describe_report(result))
            self._update_team_view()
        self.sig_team_synced.emit(result)
        if self._sync_again:
            self._sync_again = False
            self._start_sync(manual=True)

    def _on_sync_problem(self, problem: HubProblem, manual: bool) -> None:
        self._team_problem = problem
        self._update_team_view()  # "Refused", not "Syncing…", while the question is open
        if problem.kind == "login" and (manual or not self._password_asked):
            password = self._ask_hub_password(problem.message)
            if password:
                self._hub_password = password
                self._sync_again = True
                return
        if manual:
            self.show_message(f"Not synced: {problem.message}")

    def _ask_hub_password(self, reason: str) -> str | None:
        self._password_asked = True
        ask = self._team_question("hub_password")
        if ask is None:
            return None
        status = self.team_status()
        answer: str | None = ask(self, url_without_password(status.url), status.member, login_reason(reason))
        return answer

    def _team_question(self, name: str) -> Callable[..., Any] | None:
        """``dialogs.<name>``, else the real team dialogs when ``dialogs`` is the real one; a
        scripted ``dialogs`` without the method is not asked (no test ever meets a modal dialog)."""
        method = getattr(self.dialogs, name, None)
        if method is not None:
            return method
        if isinstance(self.dialogs, Dialogs):
            return getattr(self.team_dialogs, name)
        return None

    def _show_pulled(self, report: SyncReport) -> None:
        """Show what a sync brought: the list and the shown article re-read, the selection kept."""
        assert self.project is not None
        pulled = report.pulled
        if "labels" in pulled or "attribute_defs" in pulled:
            self._reload_codebook()
        self.article_model.refresh()
        current = self.current_article_id
        if current is not None and "deletions" in pulled and current not in self.project.article_summaries(
                [current], annotator_id=self.article_model.annotator_id):
            self.refresh()  # the shown article itself was deleted on the hub
            return
        if current is None:
            first = self._next_unfinished_after(None)
            if first is None and self.article_model.rowCount():
                first = self.article_model.article_id(0)
            if first is not None:
                self.open_article(first)
            return
        self.session.reload_spans()
        self.document_view.set_spans(self.session.spans_any_order(), self.colors)
        self.doc_labels.set_present(self.session.doc_labels_present())
        self._show_span_details()
        self._refresh_review_groups()
        self.article_panel.show_article(current)
        self._update_status()

    # -- joining -------------------------------------------------------------------------

    def join_team_hub(self) -> None:
        """File › Team › Join team hub…: a new local project from a hub, then open it."""
        ask = self._team_question("join_team")
        if ask is None:
            return
        folder = str(Path(self.project.path).parent) if self.project and self.project.path else str(Path.home())
        answer: JoinAnswer | None = ask(self, folder)
        if answer is not None:
            self.join_hub(answer)

    def join_hub(self, answer: JoinAnswer) -> Job:
        """Join in the background (the first pull may be long); the project opens when it is in."""
        url = address_with_user(answer.url, answer.member)
        password = answer.password or None
        progress = OperationProgress("Joining the team hub…")
        progress.setObjectName("joinProgress")
        progress.bar.setRange(0, 0)  # rows, with no total known: busy
        progress.cancel_button.hide()  # a join is not cancelled half-way; closing the window stops it
        self.statusBar().addPermanentWidget(progress)

        def drop_progress() -> None:
            self.statusBar().removeWidget(progress)
            progress.setParent(None)
            progress.deleteLater()

        def done(result: SyncReport | HubProblem) -> None:
            drop_progress()
            if isinstance(result, HubProblem):
                self._on_join_problem(answer, result)
            else:
                self._open_joined(answer, url, password)

        def failed(message: str) -> None:
            drop_progress()
            self._on_job_failed(f"Could not join the team hub: {message}", title="Join team hub")

        return self.operations.start(
            "join", hub_work(lambda job: join_team(
                answer.path, url, annotator=answer.member, password=password,
                progress=lambda _phase, rows: job.sig_progress.emit(rows, 0))),
            on_done=done, on_failed=failed)

    def _on_join_problem(self, answer: JoinAnswer, problem: HubProblem) -> None:
        if problem.kind == "login":
            ask = self._team_question("hub_password")
            password = (ask(self, url_without_password(answer.url), answer.member, login_reason(problem.message))
                        if ask else None)
            if password:
                self.join_hub(JoinAnswer(answer.url, answer.member, password, answer.path))
                return
        self._on_job_failed(f"Could not join the team hub: {problem.message}", title="Join team hub")

    def _open_joined(self, answer: JoinAnswer, url: str, password: str | None) -> None:
        self._team_url = url_without_password(url)
        self._hub_password = password  # kept for this project while it is open, as if typed at a sync
        try:
            self.load_project(answer.path, answer.member)
        except AnnotatorError as error:
            self._on_job_failed(f"Joined, but the project cannot be opened: {error}", title="Join team hub")
            return
        self.settings.setValue("annotator", answer.member)  # who you are in this team from now on
        self.show_message(f"Joined the team hub as {answer.member}: {answer.path}")

    # -- members and assignments (leads) -------------------------------------------------

    def show_team_members(self) -> None:
        """File › Team › Members and assignments… (leads): the hub's members, add one, assign."""
        status = self.team_status()
        if not status.linked:
            self.show_message("This project is not linked to a team hub (File › Team › Join team hub…)")
            return
        if status.role != "lead":
            self.show_message(f"Only a lead manages members and assignments; you are {status.role or 'not known'} "
                              "on this hub")
            return
        if self.team_dialog is None:
            dialog = TeamMembersDialog(url_without_password(status.url), self)
            dialog.sig_refresh_requested.connect(self._load_members)
            dialog.sig_add_requested.connect(self._add_member)
            dialog.sig_assign_requested.connect(self._assign)
            dialog.finished.connect(lambda _code: setattr(self, "team_dialog", None))
            self.team_dialog = dialog
        # Not modal: labelling goes on beside it (switching projects closes it).
        self.team_dialog.show()
        self.team_dialog.raise_()
        self.team_dialog.activateWindow()
        self._load_members()

    def _load_members(self) -> None:
        self._on_hub(lambda url, password: list_members(url, password=password), self._on_members)

    def _on_members(self, dialog: TeamMembersDialog, members: list[dict[str, Any]]) -> None:
        dialog.set_members(members)

    def _add_member(self, name: str, role: str, member_password: str) -> None:
        if self.team_dialog is not None:
            self.team_dialog.show_outcome(f"Adding {name}…")

        def done(dialog: TeamMembersDialog, result: tuple[str, str | None]) -> None:
            _uuid, generated = result
            address = address_as(self.team_status().url, name)
            text = f"Added {name} as {role}. They join with File › Team › Join team hub…, address {address}"
            if generated:
                text += f", password {generated} (shown only now: give it to them)"
            dialog.show_outcome(text + ".")
            dialog.new_name.clear()
            self._load_members()

        self._on_hub(lambda url, password: add_member(url, name, role, password=member_password or None,
                                                      hub_password=password), done)

    def _assign(self, names: list[str], per_article: int, query: str, blind: bool | None) -> None:
        if self.team_dialog is not None:
            self.team_dialog.show_outcome("Assigning…")

        def done(dialog: TeamMembersDialog, spread: dict[str, int]) -> None:
            dialog.show_outcome("Assigned: " + ", ".join(f"{name} {count}" for name, count in spread.items())
                                + ". Members see their articles after their next sync.")
            self._load_members()
            self._start_sync(manual=False)  # the lead's own assignments, if any

        self._on_hub(lambda url, password: assign(url, names, per_article, query=query or None, blind=blind,
                                                  password=password), done)

    def _on_hub(self, run: Callable[[str, str | None], Any],
                on_done: Callable[[TeamMembersDialog, Any], None]) -> None:
        """Run ``run(url, password)`` against the hub in the background for the members dialog;
        a refused login asks for the password and runs it again."""
        dialog = self.team_dialog
        if dialog is None or self.project is None:
            return
        url, password = self.team_status().url, self._hub_password
        dialog.set_busy(True)
        asking = "Asking the hub…"
        if not dialog.outcome.text():  # what the last request did stays until the next one's outcome
            dialog.show_outcome(asking)

        def done(result: Any) -> None:
            if self.team_dialog is not dialog:
                return  # closed meanwhile
            dialog.set_busy(False)
            if dialog.outcome.text() == asking:
                dialog.show_outcome("")
            if isinstance(result, HubProblem):
                if result.kind == "login":
                    typed = self._ask_hub_password(result.message)
                    if typed:
                        self._hub_password = typed
                        self._on_hub(run, on_done)
                        return
                dialog.show_outcome(result.message)
                return
            on_done(dialog, result)

        def failed(message: str) -> None:
            if self.team_dialog is dialog:
                dialog.set_busy(False)
                dialog.show_outcome(message)

        self.operations.start("team", hub_work(lambda _job: run(url, password)), on_done=done, on_failed=failed)

    # -- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        self._sync_timer.stop()
        self._first_sync.stop()
        super().closeEvent(event)
