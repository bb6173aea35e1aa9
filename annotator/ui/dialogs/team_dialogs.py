"""File › Team: joining a hub, the hub password, and the lead's members and assignments.

``TeamDialogs`` asks the two blocking questions (``join_team``, ``hub_password``) with
``exec()``; the window uses it only when its ``dialogs`` object is the real ``Dialogs``, so a
test's scripted ``dialogs`` answers them instead (or they are not asked). The members dialog is
never modal: it emits what the lead asks for and the window runs it against the hub in the
background, then tells the dialog how it went. Names, addresses and messages from the hub are
shown as plain text (``ui/plain.py``); passwords are never kept by these dialogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.dialogs.export_dialog import checked_names, checklist
from annotator.ui.plain import plain_label

PROJECT_FILTER = "Stance Annotator projects (*.annotator);;All files (*)"
MEMBER_COLUMNS = ("Name", "Role", "Assigned", "Done")
ROLES = ("annotator", "reviewer", "lead")
BLIND_CHOICES = (("Leave blind mode as it is", None),
                 ("Blind: colleagues' work hidden until an article is done", True),
                 ("Not blind: everyone sees everyone's work", False))


@dataclass(frozen=True)
class JoinAnswer:
    """What File › Team › Join team hub… asks: the hub, who joins, and the new local file."""

    url: str
    member: str
    password: str
    """Empty: the keyring's or libpq's own (``~/.pgpass``)."""
    path: str


class JoinTeamDialog(QDialog):
    """The hub address, the member's name and password, and where the local copy goes."""

    def __init__(self, suggested_folder: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("joinTeamDialog")
        self.setWindowTitle("Join a team hub")
        self.suggested_folder = suggested_folder
        layout = QVBoxLayout(self)
        intro = plain_label(
            "Joining makes a new project file on this computer, a copy of the team's project on its hub "
            "(a PostgreSQL database). You label in that file, offline too; it syncs with the hub in the "
            "background. A lead adds you as a member first and gives you your password.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.url = QLineEdit()
        self.url.setObjectName("hubAddress")
        self.url.setPlaceholderText("postgresql://hub.example.org/newsroom")
        self.member = QLineEdit()
        self.member.setObjectName("memberName")
        self.password = QLineEdit()
        self.password.setObjectName("hubPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in the system keyring, never in the project file")
        self.path = QLineEdit()
        self.path.setObjectName("projectPath")
        browse = QPushButton("Browse…")
        browse.setObjectName("browseProjectPath")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form.addRow("Hub address:", self.url)
        form.addRow("Your member name:", self.member)
        form.addRow("Password:", self.password)
        form.addRow("New project file:", path_row)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Join")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.member.textChanged.connect(self._suggest_path)
        self._suggested = ""
        for field in (self.url, self.member, self.path):
            field.textChanged.connect(self._update_ok)
        self._suggest_path()
        self._update_ok()
        self.resize(620, self.sizeHint().height())

    def _suggest_path(self) -> None:
        """Follow the member name with a file name until the user types one of their own."""
        if self.path.text() and self.path.text() != self._suggested:
            return
        name = self.member.text().strip()
        self._suggested = str(Path(self.suggested_folder) / (f"{name}-team.annotator" if name else "team.annotator"))
        self.path.setText(self._suggested)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project file for the team's project",
                                              self.path.text(), PROJECT_FILTER)
        if path:
            self.path.setText(path if Path(path).suffix else path + ".annotator")

    def _update_ok(self) -> None:
        ready = all(field.text().strip() for field in (self.url, self.member, self.path))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)

    def answer(self) -> JoinAnswer:
        return JoinAnswer(url=self.url.text().strip(), member=self.member.text().strip(),
                          password=self.password.text(), path=self.path.text().strip())


class PasswordDialog(QDialog):
    """The hub asked for a password: the reason, and a password field."""

    def __init__(self, hub: str, member: str, reason: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hubPasswordDialog")
        self.setWindowTitle("Team hub password")
        layout = QVBoxLayout(self)
        who = f"{member}'s" if member else "your"
        text = plain_label(f"The team hub asks for {who} password.\n{reason}")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
        where = plain_label(f"Hub: {hub}")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.password = QLineEdit()
        self.password.setObjectName("hubPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.password)
        note = plain_label("It is kept in the system keyring when there is one, never in the project file.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())


class TeamDialogs:
    """The blocking team questions, each in ``exec()``; tests answer them with a fake instead."""

    def join_team(self, parent: QWidget, suggested_folder: str) -> JoinAnswer | None:
        dialog = JoinTeamDialog(suggested_folder, parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        answer = dialog.answer()
        dialog.deleteLater()
        return answer if accepted else None

    def hub_password(self, parent: QWidget, hub: str, member: str, reason: str) -> str | None:
        dialog = PasswordDialog(hub, member, reason, parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        password = dialog.password.text()
        dialog.deleteLater()
        return password if accepted and password else None


class TeamMembersDialog(QDialog):
    """A lead's view of the hub: its members with their work, adding one, and assigning articles.

    The dialog asks; the window talks to the hub in the background and answers with
    ``set_members`` and ``show_outcome``.
    """

    sig_refresh_requested = Signal()
    """Read the members list from the hub again."""
    sig_add_requested = Signal(str, str, str)
    """Add a member: name, role, password (empty: the hub makes one up, shown once)."""
    sig_assign_requested = Signal(list, int, str, object)
    """Assign articles: member names, how many of them per article, which articles (a search,
    empty for all), blind mode (True, False, or None to leave it)."""

    def __init__(self, hub: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("teamMembersDialog")
        self.setWindowTitle("Team members and assignments")
        layout = QVBoxLayout(self)
        self.hub_label = plain_label(f"Hub: {hub}")
        self.hub_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.hub_label)
        self.table = QTableWidget(0, len(MEMBER_COLUMNS))
        self.table.setObjectName("membersTable")
        self.table.setHorizontalHeaderLabels(list(MEMBER_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(170)
        layout.addWidget(self.table, 1)

        add_box = QGroupBox("Add a member")
        add_form = QFormLayout(add_box)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("newMemberName")
        self.new_role = QComboBox()
        self.new_role.setObjectName("newMemberRole")
        self.new_role.addItems(list(ROLES))
        self.new_password = QLineEdit()
        self.new_password.setObjectName("newMemberPassword")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setPlaceholderText("empty: the hub makes one up and shows it once")
        self.add_button = QPushButton("Add member")
        self.add_button.setObjectName("addMemberButton")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.new_name.textChanged.connect(self._update_buttons)
        add_form.addRow("Name (their login):", self.new_name)
        add_form.addRow("Role:", self.new_role)
        add_form.addRow("Password:", self.new_password)
        add_form.addRow("", self.add_button)
        layout.addWidget(add_box)

        assign_box = QGroupBox("Assign articles")
        assign_form = QFormLayout(assign_box)
        self.assignees = checklist([], set())
        self.assignees.setObjectName("assignees")
        self.assignees.setMaximumHeight(90)
        self.assignees.itemChanged.connect(self._update_buttons)
        self.per_article = QSpinBox()
        self.per_article.setObjectName("perArticle")
        self.per_article.setRange(1, 1)
        self.query = QLineEdit()
        self.query.setObjectName("assignQuery")
        self.query.setPlaceholderText("empty: every article (words select, as in a web search)")
        self.blind = QComboBox()
        self.blind.setObjectName("blindMode")
        for text, _value in BLIND_CHOICES:
            self.blind.addItem(text)
        self.assign_button = QPushButton("Assign")
        self.assign_button.setObjectName("assignButton")
        self.assign_button.clicked.connect(self._on_assign_clicked)
        assign_form.addRow("Annotators:", self.assignees)
        assign_form.addRow("Annotators per article:", self.per_article)
        assign_form.addRow("Articles:", self.query)
        assign_form.addRow("Blind mode:", self.blind)
        assign_form.addRow("", self.assign_button)
        note = plain_label("Assigning replaces the chosen articles' earlier assignments. Members see theirs "
                           "after their next sync; Next unfinished then follows them.")
        note.setWordWrap(True)
        assign_form.addRow(note)
        layout.addWidget(assign_box)

        self.outcome = plain_label("")
        self.outcome.setObjectName("teamOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.setObjectName("refreshMembersButton")
        self.refresh_button.clicked.connect(self.sig_refresh_requested)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.busy = False
        self._seen: set[str] = set()
        self._update_buttons()
        self.resize(640, 760)

    def set_members(self, members: list[dict[str, Any]]) -> None:
        """Show the hub's members: dicts with name, role, assigned and done."""
        chosen = set(checked_names(self.assignees))
        self.table.setRowCount(len(members))
        for row, member in enumerate(members):
            cells = (str(member["name"]), str(member["role"]), str(member.get("assigned", 0)),
                     str(member.get("done", 0)))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        # Annotators are ticked for assignment when they first appear (a member just added
        # too); reviewers and leads may be ticked by hand.
        names = [str(m["name"]) for m in members]
        chosen |= {str(m["name"]) for m in members if m["role"] == "annotator" and m["name"] not in self._seen}
        self._seen |= set(names)
        self.assignees.blockSignals(True)
        self.assignees.clear()
        for name in names:
            entry = QListWidgetItem(name)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)
            self.assignees.addItem(entry)
        self.assignees.blockSignals(False)
        self._update_buttons()

    def show_outcome(self, text: str) -> None:
        self.outcome.setText(text)

    def set_busy(self, busy: bool) -> None:
        """While the hub works on a request, no second one."""
        self.busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        count = len(checked_names(self.assignees))
        self.per_article.setRange(1, max(1, count))
        self.add_button.setEnabled(not self.busy and bool(self.new_name.text().strip()))
        self.assign_button.setEnabled(not self.busy and count > 0)
        self.refresh_button.setEnabled(not self.busy)

    def _on_add_clicked(self) -> None:
        name = self.new_name.text().strip()
        if name:
            self.sig_add_requested.emit(name, self.new_role.currentText(), self.new_password.text())
            self.new_password.clear()  # not kept in the dialog once asked for

    def _on_assign_clicked(self) -> None:
        names = checked_names(self.assignees)
        if names:
            self.sig_assign_requested.emit(names, self.per_article.value(), self.query.text().strip(),
                                           BLIND_CHOICES[self.blind.currentIndex()][1])
