"""Scripts no installed font draws are named in the status bar while such an article is shown
(they would show as empty boxes, which look like broken text)."""

from __future__ import annotations

from PySide6.QtGui import QFont

from annotator.ui import fonts
from tests.ui.test_main_window import make_project


def test_a_font_draws_latin_and_missing_ones_are_named_by_script(qtbot, monkeypatch):
    assert fonts._has_glyph("a", QFont())
    assert fonts.undrawable_scripts("Lavrov mengkritik AS, café.") == []  # never asked about
    monkeypatch.setattr(fonts, "_drawable", {})
    monkeypatch.setattr(fonts, "_has_glyph", lambda char, font: not ("\uac00" <= char <= "\ud7a3"))
    assert fonts.undrawable_scripts("Москва и 한국과 협력") == ["Hangul"]


def test_the_window_names_the_scripts_it_cannot_draw(tmp_path, make_main_window, monkeypatch):
    monkeypatch.setattr(fonts, "_drawable", {})
    monkeypatch.setattr(fonts, "_has_glyph", lambda char, font: not ("\uac00" <= char <= "\ud7a3"))
    path = tmp_path / "p.annotator"
    korean, latin = make_project(path, ["한국과 러시아는 협력 강화에 합의했다.", "Lavrov mengkritik AS."])
    window = make_main_window(path)
    window.open_article(korean)
    window._prepare_for_labelling()  # what the timer after the paint runs
    notice = window.font_notice
    assert not notice.isHidden() and notice.text() == "No font installed for Hangul letters: they show as boxes"
    assert "fonts-noto-cjk" in notice.toolTip()
    window.open_article(latin)
    window._prepare_for_labelling()
    assert notice.isHidden()
