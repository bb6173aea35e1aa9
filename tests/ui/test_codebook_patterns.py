"""The codebook dialog edits each span label's patterns and keeps the ones it does not touch."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from annotator.model.patterns import LabelPattern
from annotator.model.types import Article
from annotator.project import Project


def press_ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def test_patterns_are_edited_one_a_line_and_bad_ones_refused(tmp_path, make_main_window):
    path = tmp_path / "p.annotator"
    project = Project.open(path)
    with project._store.write():
        project._store.add_article(Article(text="Lavrov mengkritik ekspansi NATO.", title="Satu"))
    before = {label.name: label.patterns for label in project.codebook().labels}
    project.close()
    window = make_main_window(path)
    window.edit_codebook()
    dialog = window.codebook_dialog
    editor = dialog.span_labels
    editor.list.setCurrentRow(1)  # Blame / threat attribution: no patterns yet
    assert editor.patterns.toPlainText() == ""
    editor.list.setCurrentRow(0)
    assert editor.patterns.toPlainText().splitlines()[0] == "imperialis*"
    editor.list.setCurrentRow(1)
    editor.patterns.setPlainText("ancaman keamanan\nre: (unclosed")
    press_ok(dialog)
    assert dialog.isVisible() and "(unclosed" in dialog.error.text()
    editor.patterns.setPlainText("ancaman keamanan\nre: menciptakan\\s+ancaman\nnot: bukan ancaman")
    press_ok(dialog)
    assert not dialog.isVisible()
    after = {label.name: label.patterns for label in window.project.codebook().labels}
    assert after["Blame / threat attribution"] == (
        LabelPattern("keyword", "ancaman keamanan"), LabelPattern("regex", r"menciptakan\s+ancaman"),
        LabelPattern("keyword", "bukan ancaman", exclude=True))
    assert {name: p for name, p in after.items() if name != "Blame / threat attribution"} == {
        name: p for name, p in before.items() if name != "Blame / threat attribution"}
    assert not dialog.doc_labels.patterns.isVisibleTo(dialog)  # document labels are never suggested
