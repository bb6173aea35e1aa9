"""The window's "annotate all matches" queue (Assist › Annotate all matches…, Ctrl+Shift+M).

The hits of a text or of a label's rules, in one article or the whole project, are listed and
counted in the background, each job on its own ``Project`` (``Project.iter_match_hits`` /
``count_matches``); the first page shows as soon as it arrives, and the window never waits.
Accepting or rejecting goes through the undo stack as one command (``accept_hits_command`` /
``reject_hits_command``): one hit, or the whole filtered set in one transaction and one undo step.

How the queue stays true:

- Every listing and every count carries a generation number; a callback whose generation is
  no longer the newest (a newer query, a relisting, another project) is ignored, and an older
  listing is cancelled. One count runs at a time (counting cannot be interrupted); a count asked
  for meanwhile waits, and only the newest waiting one runs.
- The queue's own accepts and rejects take their hits out at once and adjust the count without
  counting again when they can: hits come in article order, so an article all of whose listed
  hits are gone, and which lies before the last listed hit, has no hits left.
- Any other change that can bring hits back or take them away (undo, redo, labelling in the
  text, a codebook edit) lists the queue again in the background, as far as it was listed, keeping
  the filter and the current hit; an undone accept or reject so puts its hit back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.model.commands import Changes
from annotator.model.errors import AnnotatorError
from annotator.project import Cancelled, Project
from annotator.project.assist import MatchCount
from annotator.ui.widgets.match_queue import HitKey, MatchQueuePanel, hit_key, plural
from annotator.ui.window_base import WindowBase
from annotator.ui.workers import Job

if TYPE_CHECKING:
    from annotator.project.assist import MatchHit

PAGE = 200
"""Hits listed at first, and by each "Load more"."""
LOAD_ALL_CAP = 10_000
"""At most this many hits are listed for acting on the filtered set (the panel says so when
there are more). Accepting is one transaction on the window's thread: 10,000 hits took 0.25 s
(50,000: 2 s, undoing them 1.8 s, measured), so a bulk step stays within the half second an
edit may hold the window and the file's write lock."""
HINT = "Enter or A accepts the current hit, Backspace or R rejects it; a double click shows it in its article."


@dataclass(frozen=True)
class MatchQuery:
    """What the queue lists: hits for ``label`` of ``text`` (None: the label's rules), in one
    article (``article_id``) or the whole project."""

    label: str
    text: str | None = None
    article_id: int | None = None

    def describe(self, article_title: str = "") -> str:
        what = f"“{' '.join(self.text.split())}”" if self.text is not None else "The rules"
        where = (f"in “{' '.join(article_title.split())}”" if article_title else f"in article {self.article_id}"
                 ) if self.article_id is not None else "in the whole project"
        return f"{what} → {self.label}, {where}"


@dataclass(frozen=True)
class MatchPage:
    """The result of a "matches" job: hits in the project's order, and whether more follow."""

    hits: list[MatchHit]
    more: bool


def match_list_work(project_path: str, query: MatchQuery, annotator: str, *, after: HitKey | None,
                    until: HitKey | None, limit: int) -> Any:
    """List hits after ``after``: at most ``limit``, and none past ``until`` (a relisting)."""
    def work(job: Job) -> MatchPage:
        project = Project.open(project_path, create=False)
        try:
            hits: list[MatchHit] = []
            for hit in project.iter_match_hits(label=query.label, text=query.text, article_id=query.article_id,
                                               annotator=annotator, after=after):
                if job.is_cancelled():
                    raise Cancelled("listing cancelled")
                if len(hits) >= limit or (until is not None and hit_key(hit) > until):
                    return MatchPage(hits, True)
                hits.append(hit)
            return MatchPage(hits, False)
        finally:
            project.close()
    return work


def match_count_work(project_path: str, query: MatchQuery, annotator: str) -> Any:
    def work(job: Job) -> MatchCount:
        project = Project.open(project_path, create=False)
        try:
            return project.count_matches(label=query.label, text=query.text, article_id=query.article_id,
                                         annotator=annotator)
        finally:
            project.close()
    return work


class MatchParts(WindowBase):
    match_panel: MatchQueuePanel
    match_query: MatchQuery | None
    _match_listing: int  # generation of the newest listing asked for
    _match_list_job: Job | None
    _match_counting: int  # generation of the newest count asked for
    _match_count_job: Job | None
    _match_count_waiting: bool
    _match_after: HitKey | None  # the last hit listed so far: the next page starts after it
    _match_then: str | None  # "accept" / "reject" the filtered set once every hit is listed
    _match_editing: bool  # the queue's own edit is running: its changes need no relisting

    def _build_matches(self) -> None:
        """Called from ``_build_widgets``: the panel starts hidden; a query shows it."""
        panel = self.match_panel = MatchQueuePanel()
        panel.hide()
        panel.sig_accept_requested.connect(lambda hits: self.decide_matches(hits, accept=True))
        panel.sig_reject_requested.connect(lambda hits: self.decide_matches(hits, accept=False))
        panel.sig_accept_filtered_requested.connect(lambda: self.decide_filtered_matches(accept=True))
        panel.sig_reject_filtered_requested.connect(lambda: self.decide_filtered_matches(accept=False))
        panel.sig_load_more_requested.connect(self.load_more_matches)
        panel.sig_hit_opened.connect(self._open_match)
        panel.sig_close_requested.connect(self.close_matches)
        self._match_listing = self._match_counting = 0
        self._match_list_job = self._match_count_job = None
        self._forget_matches()

    def _forget_matches(self) -> None:
        """A new project, a new query or Close: the queue, the results of its running jobs and
        any waiting step belong to what was before."""
        self.match_query = None
        self._match_listing += 1
        self._match_counting += 1
        if self._match_list_job is not None:
            self._match_list_job.cancel()
        self._match_list_job = None
        self._match_count_job = None  # still running perhaps: its result is ignored
        self._match_count_waiting = False
        self._match_after = None
        self._match_then = None
        self._match_editing = False
        self.match_panel.clear()
        self.match_panel.hide()

    # -- asking ----------------------------------------------------------------------------

    def annotate_all_matches(self) -> None:
        """Assist › Annotate all matches: ask what to look for, then list and count the hits."""
        if self.project is None:
            return
        labels = list(self.codebook.labels)
        if not labels:
            self.show_message("The codebook has no span labels to annotate with")
            return
        selected, default_label = self._match_selection()
        answer = self.dialogs.annotate_all(self, labels, selected, default_label)
        if answer is None:
            return
        label, text, scope = answer
        if scope == "article" and self.current_article_id is None:
            self.show_message("Open an article first, or look in the whole project")
            return
        self.find_matches(label, text, article_id=self.current_article_id if scope == "article" else None)

    def _match_selection(self) -> tuple[str, str | None]:
        """The selected text (or the selected span's) and the label to offer first."""
        last = self.match_query.label if self.match_query is not None else None
        if self.current_article_id is None:
            return "", last
        selection = self.document_view.selection_codepoints()
        if selection is not None and selection[0] < selection[1]:
            span = self.session.span(self.document_view.current_span)
            return self.session.text[selection[0]:selection[1]], span.label if span is not None else last
        span = self.session.span(self.document_view.current_span)
        if span is not None:
            return span.text or self.session.text[span.start:span.end], span.label
        return "", last

    def find_matches(self, label: str, text: str | None = None, *, article_id: int | None = None) -> None:
        """Open the queue on the hits for ``label`` of ``text`` (None: the label's rules), in
        one article or the whole project; they are listed and counted in the background (kinds
        "matches" and "matches-count" of ``sig_operation_finished``)."""
        if self.project is None:
            return
        self._forget_matches()
        query = self.match_query = MatchQuery(label, text, article_id)
        title = ""
        if article_id is not None and article_id == self.current_article_id and self.session.article is not None:
            title = self.session.article.title or ""
        self.match_panel.start(query.describe(title))
        self.match_panel.show()
        self.match_panel.table.setFocus()
        self._list_matches(after=None, until=None, limit=PAGE, replace=True)
        self._request_match_count()

    def load_more_matches(self) -> None:
        if self.match_query is not None and self.match_panel.more and self._match_list_job is None:
            self._list_matches(after=self._match_after, until=None, limit=PAGE, replace=False)

    def close_matches(self) -> None:
        self._forget_matches()
        self.document_view.setFocus()

    # -- listing and counting in the background ----------------------------------------------

    def _list_matches(self, *, after: HitKey | None, until: HitKey | None, limit: int, replace: bool) -> None:
        query, project = self.match_query, self.project
        if query is None or project is None:
            return
        if self._match_list_job is not None:
            self._match_list_job.cancel()
        self._match_listing += 1
        generation = self._match_listing
        panel = self.match_panel
        panel.set_busy(True)

        def current() -> bool:
            return generation == self._match_listing and self.project is project

        def done(page: MatchPage) -> None:
            if not current():
                return
            self._match_list_job = None
            panel.set_busy(False)
            if page.hits:
                self._match_after = hit_key(page.hits[-1])
            elif replace:
                self._match_after = None
            panel.show_hits(page.hits, page.more, replace=replace)
            if panel.model.hits:
                panel.set_status(HINT)
            then, self._match_then = self._match_then, None
            if then is not None:
                self.decide_filtered_matches(accept=then == "accept")

        def failed(message: str) -> None:
            if not current():
                return
            self._match_list_job = None
            self._match_then = None
            panel.set_busy(False)
            panel.set_status(f"No hits listed: {message}")
            self.show_message(f"Annotate all matches: {message}")

        self._match_list_job = self.operations.start(
            "matches", match_list_work(self._project_path(), query, self.annotator, after=after, until=until,
                                       limit=limit),
            on_done=done, on_failed=failed)

    def _request_match_count(self) -> None:
        """Count again; while a count runs, the newest request waits for it."""
        self._match_counting += 1
        self.match_panel.set_total(None)
        if self._match_count_job is not None:
            self._match_count_waiting = True
        else:
            self._start_match_count()

    def _start_match_count(self) -> None:
        query, project = self.match_query, self.project
        if query is None or project is None:
            return
        generation = self._match_counting
        started: list[Job] = []

        def finished() -> bool:
            """Whether this job is the window's count job; it no longer runs, and the waiting
            request (if any) starts."""
            if not started or self._match_count_job is not started[0]:
                return False  # forgotten: another project or query
            self._match_count_job = None
            if self._match_count_waiting:
                self._match_count_waiting = False
                self._start_match_count()
            return True

        def done(count: MatchCount) -> None:
            if finished() and generation == self._match_counting:
                self.match_panel.set_total(count)

        def failed(message: str) -> None:
            if finished() and generation == self._match_counting:
                self.match_panel.set_count_failed(message)

        job = self.operations.start("matches-count", match_count_work(self._project_path(), query, self.annotator),
                                    on_done=done, on_failed=failed)
        started.append(job)
        self._match_count_job = job

    def _relist_matches(self) -> None:
        """List the queue again as far as it was listed (the filter and current hit kept), and
        count again."""
        if self.match_query is None:
            return
        if self._match_then is not None:
            self._match_then = None
            self.match_panel.set_status("The hits changed while they were listed: press the button again")
        if self._match_after is None:
            self._list_matches(after=None, until=None, limit=PAGE, replace=True)
        else:
            self._list_matches(after=None, until=self._match_after, limit=LOAD_ALL_CAP, replace=True)
        self._request_match_count()

    def _matches_on_changes(self, changes: Changes) -> None:
        """Called by ``_on_changes``: list again after a change that can bring hits back or
        take them away, unless the queue made it (it has taken those hits out itself)."""
        query = self.match_query
        if query is None or self._match_editing:
            return
        if changes.codebook or ((changes.span_uuids or changes.suggestions)
                                and (query.article_id is None or query.article_id in changes.article_ids)):
            self._relist_matches()

    # -- deciding ------------------------------------------------------------------------------

    def decide_matches(self, hits: list[MatchHit], *, accept: bool) -> bool:
        """Accept (or reject) these hits as one undoable command; they leave the queue.
        False if the project refused (the status bar says why)."""
        if not hits or self.project is None:
            return False
        make = self.project.accept_hits_command if accept else self.project.reject_hits_command
        self._match_editing = True
        try:
            stored = self.execute(make(self.annotator, hits))
        finally:
            self._match_editing = False
        if stored:
            self._take_out_matches(hits)
        else:
            self._relist_matches()  # perhaps decided elsewhere meanwhile: the queue is listed afresh
        return stored

    def decide_filtered_matches(self, *, accept: bool) -> None:
        """Accept (or reject) every hit the filter keeps, after saying how many and asking.
        Hits not listed yet are listed first (at most ``LOAD_ALL_CAP``), in the background."""
        panel = self.match_panel
        if self.match_query is None or panel.busy:
            return
        if panel.more and len(panel.model.hits) < LOAD_ALL_CAP:
            self._match_then = "accept" if accept else "reject"
            panel.set_status(f"Listing every hit (at most {LOAD_ALL_CAP:,}) before "
                             f"{'accepting' if accept else 'rejecting'} the filtered ones…")
            self._list_matches(after=self._match_after, until=None, limit=LOAD_ALL_CAP - len(panel.model.hits),
                               replace=False)
            return
        capped = ""
        if panel.more:
            capped = f" Only the first {LOAD_ALL_CAP:,} hits are listed; the rest stay for later."
            panel.set_status(capped.strip())
        hits = panel.filtered_hits()
        if not hits:
            self.show_message("No listed hit is kept by the filter")
            return
        articles = len({hit.article_id for hit in hits})
        verb = "Accept" if accept else "Reject"
        outcome = (f"as “{self.match_query.label}” spans of {self.annotator}" if accept
                   else f"for {self.annotator}: they are not suggested again")
        text = (f"{verb} {plural(len(hits), 'hit')} in {plural(articles, 'article')} {outcome}?{capped}\n"
                "This is one step: Undo (Ctrl+Z) takes it back whole.")
        if self.dialogs.confirm(self, f"{verb} the filtered hits", text) and self.decide_matches(hits, accept=accept):
            self.show_message(f"{'Accepted' if accept else 'Rejected'} {plural(len(hits), 'hit')} "
                              f"in {plural(articles, 'article')}")

    def _take_out_matches(self, hits: list[MatchHit]) -> None:
        """The queue's own edit stored: its hits leave, and the count follows (without counting
        again when it can: see the module docstring). When every listed hit is decided and
        more exist, the next page is listed."""
        panel = self.match_panel
        panel.remove_hits(hits)
        total = self._total_without(hits)
        if total is None:
            self._request_match_count()
        else:
            panel.set_total(total)
        if not panel.model.hits and panel.more:
            self.load_more_matches()

    def _total_without(self, hits: list[MatchHit]) -> MatchCount | None:
        """The count once ``hits`` (just taken out of the queue) are decided; None if only
        counting again can tell."""
        panel = self.match_panel
        total = panel.total
        if total is None or self._match_count_job is not None:
            return None  # the running count may or may not see this edit
        left = {hit.article_id for hit in panel.model.hits}
        edge = self._match_after[0] if panel.more and self._match_after is not None else None
        articles = total.articles
        for article_id in {hit.article_id for hit in hits} - left:
            if edge is not None and article_id >= edge:
                return None  # its later hits are not listed yet
            articles -= 1
        return MatchCount(max(0, total.hits - len(hits)), max(0, articles))

    def _open_match(self, hit: MatchHit) -> None:
        """Show a hit in the text, selected (a double click in the queue)."""
        try:
            if hit.article_id != self.current_article_id:
                self.open_article(hit.article_id)
        except AnnotatorError as error:
            self.show_message(str(error))
            return
        self.document_view.select_codepoints(hit.start, hit.end)
        self.document_view.ensureCursorVisible()
        self.document_view.setFocus()
