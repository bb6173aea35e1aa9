"""The window's commands in one table: menus, shortcuts, object names and the F1 help come from it.

Outside scripts find every command by its ``QAction`` object name and ``trigger()`` it (README,
"GUI testing contract"); keep the names stable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

Key = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    name: str
    """The QAction's objectName."""
    menu: str
    text: str
    run: Callable[[MainWindow], object]
    keys: tuple[Key, ...] = ()
    help: str = ""
    """What the F1 help says about it (empty: the menu text)."""
    separator_before: bool = False
    submenu: str = ""
    """A submenu of ``menu`` to put the action in (made by its first action), e.g. File › Team."""


def _do(method: str, *args: object) -> Callable[[MainWindow], object]:
    return lambda window: getattr(window, method)(*args)


STD = QKeySequence.StandardKey
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("actionNew", "&File", "&New project…", _do("new_project"), (STD.New,)),
    ActionSpec("actionOpen", "&File", "&Open project…", _do("open_project"), (STD.Open,)),
    ActionSpec("actionImport", "&File", "&Import files…", _do("import_files"), ("Ctrl+I",), separator_before=True),
    ActionSpec("actionImportFolder", "&File", "Import &folder…", _do("import_folder")),
    ActionSpec("actionMerge", "&File", "&Merge colleagues' work…", _do("merge_files")),
    ActionSpec("actionJoinTeam", "&File", "&Join team hub…", _do("join_team_hub"), submenu="&Team",
               help="File › Team › Join team hub…: a new project file, the team's project from its hub"),
    ActionSpec("actionSyncNow", "&File", "&Sync now", _do("sync_now"), ("Ctrl+Alt+S",), submenu="&Team"),
    ActionSpec("actionTeamMembers", "&File", "&Members and assignments…", _do("show_team_members"),
               submenu="&Team", help="File › Team › Members and assignments… (leads)"),
    ActionSpec("actionExport", "&File", "&Export…", _do("export"), ("Ctrl+E",)),
    ActionSpec("actionBackup", "&File", "&Back up now", _do("back_up_now"), separator_before=True),
    ActionSpec("actionRestore", "&File", "Restore from bac&kup…", _do("restore_from_backup")),
    ActionSpec("actionCancelOperations", "&File", "&Cancel background work", _do("cancel_operations")),
    ActionSpec("actionQuit", "&File", "&Quit", _do("close"), (STD.Quit,), separator_before=True),
    ActionSpec("actionUndo", "&Edit", "&Undo", _do("step_undo", True), ("Ctrl+Z",)),
    ActionSpec("actionRedo", "&Edit", "&Redo", _do("step_undo", False),
               ("Ctrl+Shift+Z", "Ctrl+Y")),
    ActionSpec("actionDeleteSpan", "&Edit", "&Delete span", _do("delete_current_span"), (),
               "Delete (in the text): remove the selected span", separator_before=True),
    # Boundaries of the selected span: Alt+Shift moves its end, Ctrl+Alt its start; Left/Right
    # by a word, Up/Down by a character (Up earlier, Down later in the text). One undo step each.
    ActionSpec("actionSpanEndNextWord", "&Edit", "Span end one word later", _do("move_span_boundary", "end", 1, True),
               ("Alt+Shift+Right",), separator_before=True),
    ActionSpec("actionSpanEndPreviousWord", "&Edit", "Span end one word earlier",
               _do("move_span_boundary", "end", -1, True), ("Alt+Shift+Left",)),
    ActionSpec("actionSpanStartPreviousWord", "&Edit", "Span start one word earlier",
               _do("move_span_boundary", "start", -1, True), ("Ctrl+Alt+Left",)),
    ActionSpec("actionSpanStartNextWord", "&Edit", "Span start one word later",
               _do("move_span_boundary", "start", 1, True), ("Ctrl+Alt+Right",)),
    ActionSpec("actionSpanEndNextChar", "&Edit", "Span end one character later",
               _do("move_span_boundary", "end", 1, False), ("Alt+Shift+Down",)),
    ActionSpec("actionSpanEndPreviousChar", "&Edit", "Span end one character earlier",
               _do("move_span_boundary", "end", -1, False), ("Alt+Shift+Up",)),
    ActionSpec("actionSpanStartPreviousChar", "&Edit", "Span start one character earlier",
               _do("move_span_boundary", "start", -1, False), ("Ctrl+Alt+Up",)),
    ActionSpec("actionSpanStartNextChar", "&Edit", "Span start one character later",
               _do("move_span_boundary", "start", 1, False), ("Ctrl+Alt+Down",)),
    ActionSpec("actionCodebook", "&Edit", "Edit &codebook…", _do("edit_codebook"), ("Ctrl+K",),
               separator_before=True),
    ActionSpec("actionAnnotator", "&Edit", "Change &annotator…", _do("change_annotator")),
    ActionSpec("actionDoneNext", "&Go", "Mark done and open &next unfinished", _do("mark_done_and_next"),
               ("Ctrl+Return", "Ctrl+Enter")),
    ActionSpec("actionNextArticle", "&Go", "Next &article", _do("step_article", 1), ("Alt+Right",)),
    ActionSpec("actionPreviousArticle", "&Go", "&Previous article", _do("step_article", -1), ("Alt+Left",)),
    ActionSpec("actionNextUnfinished", "&Go", "Next &unfinished article", _do("open_next_unfinished"),
               ("Ctrl+U",)),
    ActionSpec("actionInProgress", "&Go", "Mark &in progress", _do("set_status", "in_progress")),
    ActionSpec("actionFind", "&Go", "&Search articles", lambda w: w.article_panel.search.setFocus(), (STD.Find,)),
    ActionSpec("actionNextHit", "&Go", "Next search &hit", _do("step_hit", 1), ("F3",)),
    ActionSpec("actionPreviousHit", "&Go", "Pre&vious search hit", _do("step_hit", -1), ("Shift+F3",)),
    ActionSpec("actionRefresh", "&Go", "&Refresh (other programs' changes)", _do("refresh"), (STD.Refresh,)),
    ActionSpec("actionFocusText", "&Go", "&Text", lambda w: w.document_view.setFocus(), ("Ctrl+T",),
               "Ctrl+T: put the keyboard back in the text"),
    ActionSpec("actionSpanDetails", "&Go", "Span &details", _do("focus_span_details"), ("F2",),
               "F2: the selected span's attributes and note (Enter or Esc: back to the text)"),
    ActionSpec("actionReview", "&Review", "&Review mode: compare annotators…", _do("toggle_review"), ("Ctrl+R",)),
    ActionSpec("actionNextDisagreement", "&Review", "&Next disagreement", _do("next_disagreement", 1), ("F8",)),
    ActionSpec("actionPreviousDisagreement", "&Review", "&Previous disagreement", _do("next_disagreement", -1),
               ("Shift+F8",)),
    ActionSpec("actionAccept", "&Review", "&Accept into gold (Enter)", _do("accept_group"),
               ("Ctrl+Shift+A",)),
    ActionSpec("actionReject", "&Review", "Re&ject (Delete)", _do("reject_group"), ("Ctrl+Shift+X",)),
    ActionSpec("actionDashboard", "&Review", "Agreement &dashboard…", _do("open_dashboard"), ("Ctrl+Shift+D",),
               separator_before=True),
    ActionSpec("actionShowSuggestions", "&Assist", "Show &suggestions",
               lambda w: w.set_showing_suggestions(not w.showing_suggestions), ("Ctrl+Shift+G",),
               "Ctrl+Shift+G: show or hide suggested quotations and rule matches (dashed outlines)"),
    ActionSpec("actionNextSuggestion", "&Assist", "&Next suggestion", _do("step_suggestion", 1), ("F9",)),
    ActionSpec("actionPreviousSuggestion", "&Assist", "&Previous suggestion", _do("step_suggestion", -1),
               ("Shift+F9",)),
    ActionSpec("actionAcceptSuggestion", "&Assist", "&Accept suggestion (Enter)", _do("accept_suggestion")),
    ActionSpec("actionRejectSuggestion", "&Assist", "&Reject suggestion (Backspace)", _do("reject_suggestion")),
    ActionSpec("actionAcceptAllSuggestions", "&Assist", "Accept all suggestions in this article…",
               _do("accept_all_suggestions")),
    ActionSpec("actionFindSimilar", "&Assist", "Find &similar passages", _do("find_similar"), ("Ctrl+Shift+F",),
               "Ctrl+Shift+F: sentences across the project most like the selected span or text"),
    ActionSpec("actionAnnotateAll", "&Assist", "Annotate all &matches…", _do("annotate_all_matches"),
               ("Ctrl+Shift+M",), "Ctrl+Shift+M: a queue of every hit of the selected text or a label's rules, "
               "to accept or reject one by one or all at once"),
    ActionSpec("actionShortcuts", "&Help", "&Keyboard shortcuts", _do("show_shortcuts"), (STD.HelpContents,)),
)

TEXT_KEYS = (
    ("Select text (mouse or Shift+arrows), then a label key", "label it (a selected span: relabel it)"),
    ("Tab / Shift+Tab", "next / previous span"),
    ("Alt+Shift+arrows / Ctrl+Alt+arrows",
     "move the selected span's end / start: Left/Right by a word, Up/Down by a character"),
    ("Esc", "clear the selection"),
    ("Enter / Delete in review mode (table or text)", "accept into gold / reject"),
    ("F9 / Shift+F9, then Enter, a label key or Backspace",
     "next / previous suggestion; accept it, accept it with that label, or reject it"),
)


def build_actions(window: MainWindow) -> dict[str, QAction]:
    """Create every action of ``ACTIONS`` on the window, put it in its menu, return them by name."""
    menus: dict[str, QMenu] = {}
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        if spec.menu not in menus:
            menus[spec.menu] = window.menuBar().addMenu(spec.menu)
        menu = menus[spec.menu]
        if spec.submenu:
            key = f"{spec.menu}/{spec.submenu}"
            if key not in menus:
                menus[key] = menu.addMenu(spec.submenu)
                menus[key].setObjectName("menu" + spec.submenu.replace("&", ""))
            menu = menus[key]
        if spec.separator_before:
            menu.addSeparator()
        action = QAction(spec.text, window)
        action.setObjectName(spec.name)
        action.setShortcuts([QKeySequence(key) for key in spec.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _=False, spec=spec: spec.run(window))
        window.addAction(action)
        menu.addAction(action)
        actions[spec.name] = action
        if spec.name == "actionOpen":
            window.recent_menu = menu.addMenu("Open &recent")
        if spec.name == "actionDeleteSpan":
            snap = QAction("&Snap selections to words", window)
            snap.setObjectName("actionSnap")
            snap.setCheckable(True)
            menu.addAction(snap)
            actions["actionSnap"] = snap
    return actions


def shortcuts_help(hotkeys: dict[str, tuple[str, str]]) -> str:
    """The F1 help: the text keys, every action with its keys, then the codebook's label keys."""
    lines = [f"{keys}: {what}" for keys, what in TEXT_KEYS]
    current = ""
    for spec in ACTIONS:
        if spec.menu != current:
            current = spec.menu
            lines.append(f"\n{current.replace('&', '')}")
        keys = " or ".join(QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) for key in spec.keys)
        what = spec.help or spec.text.replace("&", "").rstrip("…")
        lines.append(f"  {keys}: {what}" if keys and not spec.help else f"  {what}")
    lines.append("\nLabels")
    lines += [f"  {key}: {label} ({scope} label)" if scope == "document" else f"  {key}: {label}"
              for key, (scope, label) in sorted(hotkeys.items())]
    return "\n".join(lines)
