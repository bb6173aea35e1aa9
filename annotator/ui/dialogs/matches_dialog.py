"""Assist › Annotate all matches…: which label the hits get, what to look for (the selected text
or the label's rules) and where (this article or the whole project).

The dialog only asks; the window lists and counts the hits (``window_matches.py``). Label names
and the selected text are user data: combo items and line edits show them as typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from annotator.model.types import Label
from annotator.ui.plain import plain_label, plain_tooltip

MatchAnswer = tuple[str, str | None, str]
"""``(label, text or None for the label's rules, scope "article" or "project")``."""


def searchable(label: Label) -> bool:
    """Whether the label has a pattern that suggests (exclusions alone find nothing)."""
    return any(not pattern.exclude for pattern in label.patterns)


class MatchesDialog(QDialog):
    """Label, what to search for and where; ``answer()`` is the choice (None if incomplete)."""

    def __init__(self, labels: Sequence[Label], selected_text: str = "", default_label: str | None = None,
                 parent: QWidget | None = None, *, has_article: bool = True):
        super().__init__(parent)
        self.setObjectName("matchesDialog")
        self.setWindowTitle("Annotate all matches")
        self.labels = [label for label in labels if label.scope == "span"]
        layout = QVBoxLayout(self)
        intro = plain_label("Lists every hit, in context, to accept or reject one by one or all at once. "
                            "Nothing is labelled until you accept.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.label_combo = QComboBox()
        self.label_combo.setObjectName("matchLabel")
        for label in self.labels:
            self.label_combo.addItem(label.name)
        form.addRow("Label the hits as:", self.label_combo)
        self.text_choice = QRadioButton("Search for:")
        self.text_choice.setObjectName("matchByText")
        self.text_edit = QLineEdit(" ".join(selected_text.split()))
        self.text_edit.setObjectName("matchText")
        self.text_edit.setPlaceholderText("words to find (whole words; case and accents ignored)")
        form.addRow(self.text_choice, self.text_edit)
        self.rules_choice = QRadioButton("The label's rules (its patterns in the codebook)")
        self.rules_choice.setObjectName("matchByRules")
        form.addRow(self.rules_choice)
        self.what = QButtonGroup(self)
        self.what.addButton(self.text_choice)
        self.what.addButton(self.rules_choice)
        self.article_choice = QRadioButton("This article")
        self.article_choice.setObjectName("matchScopeArticle")
        self.article_choice.setEnabled(has_article)
        self.project_choice = QRadioButton("Whole project")
        self.project_choice.setObjectName("matchScopeProject")
        self.project_choice.setChecked(True)
        self.where = QButtonGroup(self)
        self.where.addButton(self.article_choice)
        self.where.addButton(self.project_choice)
        form.addRow("Where:", self.article_choice)
        form.addRow("", self.project_choice)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("List the hits")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        names = [label.name for label in self.labels]
        if default_label in names:
            self.label_combo.setCurrentIndex(names.index(default_label))
        elif not self.text_edit.text().strip():  # nothing selected: a label whose rules can search
            first = next((i for i, label in enumerate(self.labels) if searchable(label)), 0)
            self.label_combo.setCurrentIndex(first)
        self.label_combo.currentIndexChanged.connect(self._on_label_changed)
        self.text_edit.textEdited.connect(lambda _text: self.text_choice.setChecked(True))
        self.text_choice.toggled.connect(lambda _on: self._update())
        self.text_edit.textChanged.connect(lambda _text: self._update())
        self._on_label_changed()
        if self.text_edit.text().strip() or not self.rules_choice.isEnabled():
            self.text_choice.setChecked(True)
            self.text_edit.setFocus()
        else:
            self.rules_choice.setChecked(True)
        self._update()

    def chosen_label(self) -> Label | None:
        index = self.label_combo.currentIndex()
        return self.labels[index] if 0 <= index < len(self.labels) else None

    def answer(self) -> MatchAnswer | None:
        label = self.chosen_label()
        if label is None:
            return None
        scope = "article" if self.article_choice.isChecked() else "project"
        if self.rules_choice.isChecked():
            return (label.name, None, scope) if searchable(label) else None
        text = self.text_edit.text().strip()
        return (label.name, text, scope) if text else None

    def _on_label_changed(self) -> None:
        label = self.chosen_label()
        can = label is not None and searchable(label)
        self.rules_choice.setEnabled(can)
        lines = [pattern.to_line() for pattern in label.patterns] if label is not None else []
        self.rules_choice.setToolTip(plain_tooltip("\n".join(lines)) if lines
                                     else plain_tooltip("This label has no patterns (Edit › Edit codebook)"))
        if not can and self.rules_choice.isChecked():
            self.text_choice.setChecked(True)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.answer() is not None)
