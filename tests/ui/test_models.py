"""Item models: Qt's model tester, laziness on a long list, refresh on changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.model.commands import AddSpan, SetStatus
from annotator.model.types import Article
from annotator.project import Project, default_codebook
from annotator.ui.models.article_table import PAGE, ArticleIdRole, ArticleTableModel
from annotator.ui.models.label_list import LabelListModel

# The label list draws colour swatches (QPixmap), which need the application object: without
# it, this file run alone aborted the interpreter (run with the others, an earlier test made it).
pytestmark = pytest.mark.usefixtures("qapp")


def filled_project(count: int) -> Project:
    project = Project.memory()
    with project._store.write(), project._store.bulk_import():
        project._store.add_articles([
            Article(text=f"Artikel nomor {i} tentang kerja sama", title=f"Judul {i:06d}",
                    source="src", published=f"2024-01-{1 + i % 28:02d}")
            for i in range(count)
        ])
    project.annotator("ana")
    return project


def test_article_model_passes_qt_model_tester(qtmodeltester):
    project = filled_project(50)
    ana = project._store.annotator_by_name("ana")
    model = ArticleTableModel(project, ana.id)
    model.refresh()
    qtmodeltester.check(model, force_py=True)


def test_label_model_passes_qt_model_tester(qtmodeltester):
    model = LabelListModel(default_codebook().labels)
    qtmodeltester.check(model, force_py=True)
    assert "anti-imperialist" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole).lower()


def test_long_list_loads_rows_lazily():
    project = filled_project(20_000)
    ana = project._store.annotator_by_name("ana")
    model = ArticleTableModel(project, ana.id)
    model.refresh()
    assert model.rowCount() == 20_000
    assert model._cache == {}
    assert model.data(model.index(15_000, 0)) == "Judul 015000"
    assert len(model._cache) <= PAGE
    for row in range(0, 20_000, 97):  # scrolling through everything keeps the cache bounded
        model.data(model.index(row, 0))
    assert len(model._cache) <= 21 * PAGE


def test_sorting_and_refresh_on_changes():
    project = filled_project(30)
    ana = project._store.annotator_by_name("ana")
    model = ArticleTableModel(project, ana.id)
    model.refresh()
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "Judul 000029"
    first_id = model.index(0, 0).data(ArticleIdRole)
    changes, _ = project.execute(AddSpan(first_id, "ana", 0, 7, "Quotation"))
    seen = []
    model.dataChanged.connect(lambda top, bottom: seen.append((top.row(), bottom.row())))
    model.on_changes(changes)
    assert seen == [(0, 0)]
    assert model.data(model.index(0, 1)) == "in progress"
    assert model.data(model.index(0, 2)) == 1
    changes, _ = project.execute(SetStatus(first_id, "ana", "done"))
    model.on_changes(changes)
    assert model.data(model.index(0, 1)) == "done"
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data(ArticleIdRole) == first_id


def test_an_article_without_a_title_is_listed_as_its_heading_names_it():
    project = Project.memory()
    with project._store.write():
        article_id, _ = project._store.add_article(Article(text="Teks tanpa judul"))
    model = ArticleTableModel(project, 0)
    model.refresh()
    assert model.data(model.index(0, 0)) == f"Article {article_id}"  # not a blank row
