"""The action table: every command has a findable QAction, a README entry and a line in F1."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction

from annotator.ui.actions import ACTIONS
from tests.ui.test_main_window import make_project

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_action_is_findable_documented_and_in_the_help(tmp_path, make_main_window, dialogs):
    path = tmp_path / "p.annotator"
    make_project(path, ["Lavrov mengkritik AS."])
    window = make_main_window(path)
    window.findChild(QAction, "actionShortcuts").trigger()
    title, help_text, _ = dialogs.told[-1]
    assert title == "Keyboard shortcuts"
    for spec in ACTIONS:
        action = window.findChild(QAction, spec.name)
        assert action is not None, spec.name
        assert f"`{spec.name}`" in README, f"{spec.name} is missing from the README's testing contract"
        assert (spec.help or spec.text.replace("&", "").rstrip("…")) in help_text
    for keys in ("F8", "Ctrl+R", "Ctrl+K", "Ctrl+Shift+D", "Ctrl+Z"):
        assert keys in help_text
    label = window.codebook.labels[0]
    assert f"{label.hotkey}: {label.name}" in help_text


def test_triggering_an_action_runs_its_command(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    ids = make_project(path, ["Pertama.", "Kedua."])
    window = make_main_window(path)
    window.open_article(ids[0])
    window.findChild(QAction, "actionNextArticle").trigger()
    assert window.current_article_id == ids[1]
    window.findChild(QAction, "actionInProgress").trigger()
    assert window.article_model.status_of(ids[1]) == "in_progress"
