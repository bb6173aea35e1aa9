"""Review mode and the agreement dashboard, driven through the window."""

from __future__ import annotations

import csv
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from annotator.model.commands import AddSpan, SetStatus
from annotator.model.types import Article
from annotator.project import Project
from annotator.ui.models.review_groups import ReviewGroupModel

TEXTS = ["Lavrov mengkritik AS dan NATO karena ancaman.", "Choe memuji kerja sama bilateral.",
         "Semua setuju tentang perundingan."]


@pytest.fixture
def review_project(tmp_path):
    """Two analysts: they disagree in articles 1 and 2, agree in article 3."""
    path = tmp_path / "review.annotator"
    project = Project.open(path)
    with project._store.write():
        ids = [project._store.add_article(Article(text=t, title=f"T{i}"))[0] for i, t in enumerate(TEXTS)]

    def add(article, who, phrase, label):
        start = TEXTS[ids.index(article)].index(phrase)
        project.execute(AddSpan(article, who, start, start + len(phrase), label))

    add(ids[0], "ana", "mengkritik AS", "Blame / threat attribution")
    add(ids[0], "budi", "mengkritik AS", "Blame / threat attribution")
    add(ids[0], "ana", "NATO", "Bloc / NATO criticism")
    add(ids[1], "budi", "memuji kerja sama", "Cooperation praise")
    add(ids[2], "ana", "perundingan", "Call for de-escalation / negotiation")
    add(ids[2], "budi", "perundingan", "Call for de-escalation / negotiation")
    for article in ids:
        for who in ("ana", "budi"):
            project.execute(SetStatus(article, who, "done"))
    project.close()
    return path, ids


def gold_rows(path):
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT a.text, l.name, a.origin, r.name FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
        "JOIN labels l ON l.id = a.label_id LEFT JOIN annotators r ON r.id = a.reviewer_id WHERE n.name = 'gold' "
        "ORDER BY a.start_offset").fetchall()
    conn.close()
    return rows


def test_review_groups_accept_reject_and_next_disagreement(review_project, make_main_window, qtbot, dialogs):
    path, ids = review_project
    window = make_main_window(path, "rina")
    dialogs.answers["choose_annotators"] = ["ana", "budi"]
    review_action = window.findChild(QAction, "actionReview")
    assert not review_action.isChecked()
    window.toggle_review()
    assert window.review_panel.isVisible() and review_action.isChecked()  # the menu says review is on
    window.open_article(ids[0])
    groups = window.review_model.groups()
    assert [(g.text, g.status) for g in groups] == [("mengkritik AS", "all"), ("NATO", "single")]
    # Both annotators' spans are drawn, each in its own lane.
    assert sorted(s.lane for s in window.document_view.highlighter.index.by_uuid.values()) == [0, 0, 1]

    table = window.review_table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # accept the agreed span
    assert gold_rows(path) == [("mengkritik AS", "Blame / threat attribution", "adjudicated", "rina")]
    assert window.review_model.groups()[0].gold_uuid is not None
    window.undo_action.trigger()
    assert gold_rows(path) == []
    window.redo_action.trigger()
    assert len(gold_rows(path)) == 1

    qtbot.keyClick(table, Qt.Key.Key_F8)  # next disagreement: NATO, only ana
    assert window.review_panel.selected_group().text == "NATO"
    qtbot.keyClick(table, Qt.Key.Key_Delete)  # reject it: stays in this article, which has no other
    assert window.current_article_id == ids[0]  # (the next Ctrl+Enter marks this one, not another)
    assert window.last_message == ("“NATO” kept out of gold; no other disagreement in this article "
                                   "(F8: the next article with one)")
    qtbot.keyClick(table, Qt.Key.Key_F8)
    assert window.current_article_id == ids[1]
    assert window.review_panel.selected_group().text == "memuji kerja sama"
    assert [r[0] for r in gold_rows(path)] == ["mengkritik AS"]

    window.document_view.setFocus()
    qtbot.keyClick(window.document_view, Qt.Key.Key_F8)  # article 3 agrees fully: round to article 1
    assert window.last_message == "Wrapped to the first disagreement"
    assert window.current_article_id == ids[0]
    assert window.review_panel.selected_group().text == "NATO"
    assert window.document_view.hasFocus()
    qtbot.keyClick(window.document_view, Qt.Key.Key_Return)  # Enter in the text accepts
    assert [r[0] for r in gold_rows(path)] == ["mengkritik AS", "NATO"]
    qtbot.keyClick(window.document_view, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert window.current_article_id == ids[1]  # backwards round the start of the list
    assert window.last_message == "Wrapped to the last disagreement"


def test_others_layers_are_read_only_and_reviewer_adds_gold(review_project, make_main_window, qtbot, dialogs):
    path, ids = review_project
    window = make_main_window(path, "rina")
    window.set_review(["ana", "budi"])
    window.open_article(ids[0])
    view = window.document_view
    ana_span = next(s for s in view.spans if s.annotator == "ana" and s.text == "NATO")
    view.select_span(ana_span.uuid)
    qtbot.keyClick(view, "2")
    assert "read-only" in window.last_message
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM annotations WHERE uuid = ?", (ana_span.uuid,)).fetchone()[0] == 1
    conn.close()
    start = TEXTS[0].index("ancaman")
    view.select_codepoints(start, start + 7)
    qtbot.keyClick(view, "2")
    assert gold_rows(path) == [("ancaman", "Blame / threat attribution", "adjudicated", "rina")]
    assert [g.annotators for g in window.review_model.groups() if g.text == "ancaman"] == [()]
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # adjudicated
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT s.status FROM article_status s JOIN annotators n ON n.id = s.annotator_id "
                        "WHERE n.name = 'gold' AND s.article_id = ?", (ids[0],)).fetchone() == ("done",)
    conn.close()
    assert window.current_article_id == ids[1]
    model = window.article_model  # the list and status bar say the figures are the gold layer's
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[1:3] == ["Gold status", "Gold spans"]
    assert window.status_text.text().startswith("rina · gold · ")
    window.toggle_review()  # leave review mode: back to rina's own (empty) layer
    assert not window.review_panel.isVisible()
    assert window.document_view.spans == []
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[1:3] == ["My status", "My spans"]
    assert window.status_text.text().startswith("rina · not started · 0 spans · ")


def test_dashboard_tables_heatmap_chart_and_exports(review_project, make_main_window, qtbot, dialogs, tmp_path):
    path, ids = review_project
    window = make_main_window(path, "rina")
    with qtbot.waitSignal(window.sig_dashboard_ready, timeout=30_000) as blocker:
        window.open_dashboard()
    dashboard = blocker.args[0]
    qtbot.addWidget(dashboard)
    assert dashboard.heatmap.names == ["ana", "budi"]
    assert dashboard.table.rowCount() == len(window.codebook.labels)
    assert dashboard.findChild(type(dashboard.chart), "labelDistribution") is dashboard.chart
    chart = dashboard.chart.chart()
    categories, counts = chart.axes(Qt.Orientation.Vertical)[0], chart.axes(Qt.Orientation.Horizontal)[0]
    table_labels = [dashboard.table.item(row, 0).text() for row in range(dashboard.table.rowCount())]
    assert categories.categories() == table_labels  # whole names, none cut to "Anti-im…"
    assert sorted(table_labels) == sorted(label.name for label in window.codebook.labels)
    top, ticks = counts.max(), counts.tickCount()
    assert top == int(top) and (top / (ticks - 1)).is_integer()  # whole-number ticks only
    undefined = [dashboard.table.item(r, c) for r in range(dashboard.table.rowCount())
                 for c in range(1, dashboard.table.columnCount()) if dashboard.table.item(r, c).text() == "—"]
    assert undefined and all("undefined" in item.toolTip() for item in undefined)
    csv_path = tmp_path / "agreement.csv"
    dialogs.answers["save_file"] = str(csv_path)
    dashboard._ask_csv()
    rows = list(csv.reader(csv_path.open(encoding="utf-8")))
    assert rows[0][0] == "Label" and len(rows) == 1 + len(window.codebook.labels)
    dialogs.answers["save_file"] = str(tmp_path / "charts.png")
    dashboard._ask_png()
    assert (tmp_path / "charts-kappa.png").stat().st_size > 0
    assert (tmp_path / "charts-labels.png").stat().st_size > 0


def test_review_group_model_passes_model_tester(qtmodeltester):
    from annotator.model.types import Annotation
    from annotator.review.compare import group_spans

    model = ReviewGroupModel()
    model.set_groups(group_spans([Annotation(0, 3, "A", "abc", "ana", uuid="1"),
                                  Annotation(0, 3, "A", "abc", "budi", uuid="2"),
                                  Annotation(4, 6, "B", "de", "ana", uuid="3")], ["ana", "budi"]))
    qtmodeltester.check(model, force_py=True)


def test_merge_from_the_window_asks_to_rename_a_clash(review_project, tmp_path, make_main_window, qtbot, dialogs):
    path, ids = review_project
    other = tmp_path / "other.annotator"
    project = Project.open(other)
    with project._store.write():
        article_id, _ = project._store.add_article(Article(text=TEXTS[0]))
    project.execute(AddSpan(article_id, "ana", 0, 6, "Quotation"))  # another person called ana
    project.close()
    window = make_main_window(path, "rina")
    dialogs.answers["merge_sources"] = [str(other)]
    dialogs.answers["rename_clash"] = "ana (Medan)"
    with qtbot.waitSignal(window.sig_import_finished, timeout=60_000) as first:
        window.merge_files()
    assert first.args[0].failed[0].clash == "ana"
    with qtbot.waitSignal(window.sig_import_finished, timeout=60_000) as second:
        pass
    assert second.args[0].ok and second.args[0].annotations_added == 1
    conn = sqlite3.connect(path)
    assert ("ana (Medan)",) in conn.execute("SELECT name FROM annotators").fetchall()
    conn.close()


def test_export_dialog_gold_option(qtbot):
    from annotator.ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(["ana", "budi", "gold"], ["Quotation"], "ana")
    qtbot.addWidget(dialog)
    dialog.path.setText("/tmp/x.jsonl")
    assert dialog.options().annotators == ["ana"]
    dialog.gold.setChecked(True)
    options = dialog.options()
    assert options.gold and options.annotators is None
    assert options.as_filters()["gold"] is True


def test_export_dialog_every_format_and_span_count_preview(review_project, make_main_window, qtbot, dialogs, tmp_path):
    from annotator.ui.dialogs.export_dialog import FORMATS, ExportDialog, ExportOptions

    path, ids = review_project
    window = make_main_window(path, "rina")
    dialogs.answers["export_options"] = None
    window.export()
    preview = dialogs.preview
    dialog = ExportDialog(["ana", "budi"], [label.name for label in window.codebook.labels], "ana", preview=preview)
    qtbot.addWidget(dialog)
    assert dialog.format.count() == len(FORMATS) == 7
    assert dialog.preview.text() == "3 spans in 2 articles"  # ana only, preselected
    dialog.annotators.item(1).setCheckState(Qt.CheckState.Checked)
    dialog.flush_preview()
    assert dialog.preview.text() == "6 spans in 3 articles"
    for fmt in FORMATS:
        target = tmp_path / (f"out-{fmt}" if fmt == "brat" else f"out.{fmt}")
        dialogs.answers["export_options"] = ExportOptions(path=str(target), format=fmt, annotators=["ana", "budi"])
        with qtbot.waitSignal(window.sig_export_finished, timeout=60_000) as blocker:
            window.export()
        assert "6 spans" in blocker.args[0] or (fmt == "conll" and "spans" in blocker.args[0]), blocker.args[0]
        assert target.exists()


def test_f8_wraps_within_the_only_disagreeing_article(review_project, make_main_window, qtbot, dialogs):
    path, ids = review_project
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM annotations WHERE article_id = ?", (ids[1],))  # article 2: nothing left
    conn.commit()
    conn.close()
    window = make_main_window(path, "rina")
    window.set_review(["ana", "budi"])
    window.open_article(ids[0])
    view = window.document_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F8)
    assert window.review_panel.selected_group().text == "NATO"
    qtbot.keyClick(view, Qt.Key.Key_F8)  # the last one: back to the first, not "no more"
    assert window.last_message == "Wrapped to the first disagreement"
    assert (window.current_article_id, window.review_panel.selected_group().text) == (ids[0], "NATO")


def test_delete_in_the_text_rejects_the_group_and_labelling_delete_still_deletes(
        review_project, make_main_window, qtbot, dialogs):
    path, ids = review_project
    window = make_main_window(path, "rina")
    window.set_review(["ana", "budi"])
    window.open_article(ids[0])
    view = window.document_view
    view.setFocus()
    window.review_panel.select_row(1)  # NATO
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert [r[0] for r in gold_rows(path)] == ["NATO"]
    window.review_panel.select_row(1)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # reject: the gold copy goes
    assert gold_rows(path) == []
    window.set_review(None)
    window.open_article(ids[2])
    start = TEXTS[2].index("perundingan")
    view.select_codepoints(start, start + len("perundingan"))
    qtbot.keyClick(view, "2")
    assert conn_count(path, "rina") == 1
    qtbot.keyClick(view, Qt.Key.Key_Delete)  # labelling mode: deletes the selected span
    assert conn_count(path, "rina") == 0


def conn_count(path, name):
    conn = sqlite3.connect(path)
    count = conn.execute("SELECT COUNT(*) FROM annotations a JOIN annotators n ON n.id = a.annotator_id "
                         "WHERE n.name = ?", (name,)).fetchone()[0]
    conn.close()
    return count


def test_same_extent_different_labels_is_one_row_and_accepts_its_label(
        review_project, make_main_window, qtbot, dialogs):
    path, ids = review_project
    project = Project.open(path)
    start = TEXTS[1].index("memuji kerja sama")
    project.execute(AddSpan(ids[1], "ana", start, start + len("memuji kerja sama"), "Quotation"))
    project.close()
    window = make_main_window(path, "rina")
    window.set_review(["ana", "budi"])
    window.open_article(ids[1])
    [group] = window.review_model.groups()
    assert (group.status, group.disagreement) == ("labels", True)
    model = window.review_model
    assert model.index(0, 0).data() == "labels differ"
    assert model.index(0, 1).data() == "ana: Quotation; budi: Cooperation praise"
    assert group.label == "Quotation"  # a tie: the first annotator's (alphabetical) label
    window.review_table.setFocus()
    window.review_panel.select_row(0)
    qtbot.keyClick(window.review_table, Qt.Key.Key_Return)
    assert gold_rows(path) == [("memuji kerja sama", "Quotation", "adjudicated", "rina")]
    [group] = window.review_model.groups()
    assert group.gold_uuid is not None and group.status == "labels"


def test_lanes_sit_in_a_band_between_lines_with_own_colours_and_legend(
        review_project, make_main_window, qtbot, dialogs):
    from annotator.ui.widgets.document_view import LANE_COLORS

    path, ids = review_project
    long_text = " ".join(["Lavrov mengkritik AS dan NATO karena ancaman."] * 30)
    project = Project.open(path)
    with project._store.write():
        article, _ = project._store.add_article(Article(text=long_text, title="long"))
    for who, label in (("ana", "Quotation"), ("budi", "Blame / threat attribution")):
        project.execute(AddSpan(article, who, 0, len(long_text), label))  # covers every wrapped line
    project.close()
    window = make_main_window(path, "rina")
    window.set_review(["ana", "budi"])
    window.open_article(article)
    view = window.document_view
    qtbot.waitUntil(lambda: view.document().firstBlock().layout().lineCount() > 3)
    spans = {s.annotation.annotator: s for s in view.highlighter.index.by_uuid.values()}
    assert (spans["ana"].lane, spans["budi"].lane) == (0, 1)
    for lane, who in enumerate(("ana", "budi")):
        geometry = view.lane_geometry(spans[who].uuid)
        assert len(geometry) > 3  # one underline per wrapped line
        for y, line_top, line_bottom, next_top in geometry:
            assert line_top < line_bottom < y < next_top  # under its text, above the next line's words
        if lane:
            assert all(y > y0 for (y, *_), (y0, *_) in zip(geometry, view.lane_geometry(spans["ana"].uuid),
                                                            strict=True))
    assert LANE_COLORS[0] != LANE_COLORS[1]
    legend = window.review_panel.legend_entries
    assert [name for name, _ in legend] == ["ana", "budi"]
    assert legend[0][1] != legend[1][1] and "solid" in legend[0][1] and "dashed" in legend[1][1]
    window.set_review(None)  # labelling: no band, lines sit back together
    window.open_article(article)
    layout = view.document().firstBlock().layout()
    assert layout.lineAt(1).y() == layout.lineAt(0).y() + layout.lineAt(0).height()


def test_entering_review_keeps_panel_widths_and_window_size(review_project, make_main_window, qtbot, dialogs):
    path, ids = review_project
    window = make_main_window(path, "rina")
    window.open_article(ids[0])
    qtbot.wait(10)
    before = (window.splitter.sizes(), window.size())
    dialogs.answers["choose_annotators"] = ["ana", "budi", "rina"]
    qtbot.keyClick(window.document_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.review_panel.isVisible()
    qtbot.wait(50)  # let the layouts settle
    assert (window.splitter.sizes(), window.size()) == before
    qtbot.keyClick(window.document_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(50)
    assert not window.review_panel.isVisible()
    assert (window.splitter.sizes(), window.size()) == before


def test_review_choice_is_remembered_per_project(review_project, make_main_window, qtbot, dialogs, tmp_path):
    path, ids = review_project
    offered = []

    def choose(parent, names, preselected):
        offered.append(list(preselected))
        return ["budi"]

    dialogs.choose_annotators = choose
    window = make_main_window(path, "ana")
    qtbot.keyClick(window.document_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert offered[-1][0] == "ana"  # first time: you first
    assert window.review_annotators == ["budi"]
    window.close()
    again = make_main_window(path, "ana")  # same settings, as after a restart
    qtbot.keyClick(again.document_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert offered[-1] == ["budi"]
    other = tmp_path / "other.annotator"
    project = Project.open(other)
    project.annotator("ana")
    project.annotator("budi")
    project.close()
    third = make_main_window(other, "ana")  # another project: its own (no) remembered choice
    third.toggle_review()
    assert offered[-1] == ["ana", "budi"]


def test_the_dashboard_fits_the_screen_however_many_labels_it_charts(qtbot, dialogs):
    """The chart's height grows with labels x annotators; it made the dashboard taller than
    the screen, its export buttons out of reach. The chart scrolls instead."""
    from annotator.review.agreement import compute_agreement
    from annotator.ui.dialogs.dashboard import AgreementDashboard

    labels = [f"Label {n}" for n in range(20)]
    annotators = ["ana", "budi", "citra"]
    result = compute_agreement([], annotators, labels=labels)
    distribution = {name: {label: 3 for label in labels} for name in annotators}
    dashboard = AgreementDashboard(result, distribution, dialogs)
    qtbot.addWidget(dashboard)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    assert dashboard.chart.minimumHeight() > 1000  # the case: 28 px a bar
    assert dashboard.minimumSizeHint().height() < 600
    assert dashboard.frameGeometry().height() <= dashboard.screen().availableGeometry().height()


def test_the_chart_gives_each_person_their_lane_colour(qtbot, dialogs):
    """Rahul was orange in the lanes and green in the chart; the table's row numbers read like
    the palette's hotkeys."""
    from annotator.review.agreement import compute_agreement
    from annotator.ui.dialogs.dashboard import AgreementDashboard
    from annotator.ui.widgets.document_view import LANE_COLORS

    result = compute_agreement([], ["budi", "rahul"], labels=["Quotation"])
    distribution = {name: {"Quotation": 1} for name in ("ana", "budi", "gold", "rahul")}
    dashboard = AgreementDashboard(result, distribution, dialogs, lanes=("rahul", "budi"))
    qtbot.addWidget(dashboard)
    [series] = dashboard.chart.chart().series()
    colours = {bar_set.label(): bar_set.color() for bar_set in series.barSets()}
    assert colours["rahul"] == LANE_COLORS[0] and colours["budi"] == LANE_COLORS[1]
    assert colours["ana"] == LANE_COLORS[2] and colours["gold"] == LANE_COLORS[3]  # then the others
    assert not dashboard.table.verticalHeader().isVisible()


def test_rejected_groups_are_marked_and_the_next_steps_go_to_what_is_still_undecided(
        tmp_path, make_main_window, qtbot, dialogs):
    """After a reject the window said "no other disagreement in this article" while a group
    above was still undecided, F8 then wrapped to a group accepted already, and a rejected
    group looked exactly like an undecided one."""
    text = "Lavrov mengkritik AS. Choe memuji kerja sama. NATO menolak. Seruan perundingan damai."
    path = tmp_path / "r.annotator"
    project = Project.open(path)
    with project._store.write():
        article, _ = project._store.add_article(Article(text=text, title="T"))
    for who, phrase in (("ana", "Lavrov"), ("budi", "Choe"), ("ana", "NATO"), ("budi", "Seruan")):
        start = text.index(phrase)
        project.execute(AddSpan(article, who, start, start + len(phrase), "Quotation"))
    for who in ("ana", "budi"):
        project.execute(SetStatus(article, who, "done"))
    project.close()
    window = make_main_window(path, "rina")
    dialogs.answers["choose_annotators"] = ["ana", "budi"]
    window.toggle_review()
    window.open_article(article)
    table = window.review_table
    assert [g.text for g in window.review_model.groups()] == ["Lavrov", "Choe", "NATO", "Seruan"]  # all single
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key.Key_Delete)  # reject "Choe": on to "NATO"
    assert window.review_panel.selected_group().text == "NATO"
    assert window.review_model.index(1, 4).data() == "✗ kept out"
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # accept "Lavrov"
    table.selectRow(3)
    qtbot.keyClick(table, Qt.Key.Key_Delete)  # reject "Seruan": "NATO", above, is still open
    assert window.review_panel.selected_group().text == "NATO"
    assert window.last_message == "“Seruan” kept out of gold"
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_F8)  # past the decided ones
    assert window.review_panel.selected_group().text == "NATO"
