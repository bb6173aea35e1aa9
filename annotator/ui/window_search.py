"""The window's search: the article list filtered by the search box, the hits marked in the
shown article, and F3 / Shift+F3 stepping from hit to hit and on through the listed articles.

What is searched is always what the list last applied (``article_model.filters``), not what is
in the box: typing without Enter changes nothing. The hits are the project's
(``Project.search_hits``, the full-text index's own matching); this part only asks and shows.
"""

from __future__ import annotations

from annotator.model.errors import InvalidQuery
from annotator.ui.window_base import WindowBase

ADVANCED_KEY = "search/advanced"
"""QSettings key: whether the search box takes FTS5 syntax (off by default)."""
HIT_MESSAGE = "Hit"


class SearchParts(WindowBase):
    def _build_search(self) -> None:
        """Restore the advanced switch and follow the panel and the shown article (called from
        ``_build_widgets``, before the first project is loaded)."""
        panel = self.article_panel
        panel.set_advanced(bool(self.settings.value(ADVANCED_KEY, False, type=bool)))
        panel.sig_advanced_toggled.connect(lambda on: self.settings.setValue(ADVANCED_KEY, on))
        panel.sig_filters_changed.connect(self._on_search_changed)
        self.sig_article_opened.connect(lambda _article_id: self._show_hits())

    def _search(self) -> tuple[str, bool] | None:
        """The applied query and whether it is plain words; None when the list is unsearched
        or the query was refused."""
        filters = self.article_model.filters
        query = filters.get("query")
        if not query or self.article_model.last_error:
            return None
        return str(query), bool(filters.get("plain", True))

    def _hits_in(self, article_id: int) -> list[tuple[int, int]]:
        search = self._search()
        if search is None or self.project is None:
            return []
        try:
            return self.project.search_hits(article_id, search[0], plain=search[1])
        except InvalidQuery:
            return []

    def _on_search_changed(self) -> None:
        """Apply the panel's search and filters to the list; mark the hits in the shown article.
        An empty result or a refused query is said in the panel, not in the status bar."""
        self.article_model.set_filters(**self.article_panel.filters())
        if self.current_article_id is not None:
            self.article_panel.show_article(self.current_article_id)
        self._show_hits()
        if self.statusBar().currentMessage().startswith(HIT_MESSAGE):
            self.statusBar().clearMessage()  # counted the previous search's hits
        self._update_status()

    def _show_hits(self) -> None:
        article_id = self.current_article_id
        self.document_view.set_hits(self._hits_in(article_id) if article_id is not None else [])

    def step_hit(self, step: int) -> None:
        """Select the next (+1) or previous (-1) hit after the cursor, going on to the next
        listed article that has hits after the last one (round the list, back to this one)."""
        if self._search() is None:
            self.show_message("Nothing is searched: type words in the search box (Ctrl+F) and press Enter")
            return
        view = self.document_view
        index = view.hit_after_cursor(step)
        if index is None:
            following = self._article_with_hits(step)
            if following is None:
                self.show_message("No hits in the text of the listed articles (only in titles)")
                return
            if following != self.current_article_id:
                self.open_article(following)
            if not view.hits:  # the text changed under the index meanwhile
                return
            index = 0 if step > 0 else len(view.hits) - 1
        view.select_hit(index)
        view.setFocus()  # a label key now labels the hit
        self.show_message(f"{HIT_MESSAGE} {index + 1} of {len(view.hits)} in this article")

    def _article_with_hits(self, step: int) -> int | None:
        """The first listed article after (before) the shown one with hits in its text, round
        the list and ending with the shown article itself."""
        ids = self.article_model.ids()
        if self.current_article_id in ids:
            at = ids.index(self.current_article_id)
            order = ids[at + 1:] + ids[:at + 1] if step > 0 else ids[:at][::-1] + ids[at:][::-1]
        else:
            order = ids if step > 0 else ids[::-1]
        for article_id in order:
            if article_id == self.current_article_id:
                if self.document_view.hits:
                    return article_id
            elif self._hits_in(article_id):
                return article_id
        return None
