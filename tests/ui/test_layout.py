"""The window on a small screen: 1024×700 fits, with nothing essential cut off."""

from __future__ import annotations

from tests.ui.test_main_window import make_project


def test_the_window_fits_a_1024_by_700_screen(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, ["Lavrov mengkritik AS dan menyerukan perundingan damai."])
    window = make_main_window(path)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 700
    # Every panel keeps a usable width: the list, the text and the labels.
    sizes = dict(zip(("list", "text", "labels"), window.splitter.sizes(), strict=True))
    assert sizes["list"] >= 150 and sizes["text"] >= 350 and sizes["labels"] >= 150
    # The document-label buttons scroll sideways instead of widening the window.
    assert window.doc_labels.isVisible() and all(b.isVisible() for b in window.doc_labels.buttons.values())


def test_document_label_buttons_are_shown_whole(tmp_path, make_main_window, qtbot):
    path = tmp_path / "p.annotator"
    make_project(path, ["Lavrov mengkritik AS."])
    window = make_main_window(path)
    area = window.doc_labels.parentWidget().parentWidget()  # the scroll area's viewport's parent
    button = next(iter(window.doc_labels.buttons.values()))
    assert area.viewport().height() >= button.sizeHint().height()
