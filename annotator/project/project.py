"""``Project``, composed of its parts: opening a project file, its codebook, annotators and queries.

This module opens (or creates) a project file and seeds a new one with the default codebook
(``resources/codebooks``), reads and writes codebook files, names annotators, and answers the
queries the window and the CLI ask (articles, spans, statistics, search); ``Project`` gets
import, export, edits, suggestions and review from the mixins of ``imports``, ``exports``,
``edits``, ``assist`` and ``review``, over the shared store and text cache of ``base``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from annotator.model.errors import CodebookError, NotFound, ProjectFileError
from annotator.model.types import Annotation, Annotator, Article, Codebook
from annotator.project.assist import AssistMixin
from annotator.project.edits import EditsMixin
from annotator.project.exports import ExportsMixin
from annotator.project.review import ReviewMixin
from annotator.project.safety import SafetyMixin
from annotator.project.similar import SimilarMixin
from annotator.project.team import TeamMixin
from annotator.store import Store
from annotator.store.store import BUSY_TIMEOUT_SECONDS


def default_codebook() -> Codebook:
    """The codebook shipped in ``resources/codebooks/news-stance.json``."""
    text = resources.files("annotator.resources").joinpath("codebooks/news-stance.json").read_text(
        encoding="utf-8"
    )
    return Codebook.from_dict(json.loads(text))


def sample_article_paths() -> list[Path]:
    folder = resources.files("annotator.resources").joinpath("samples")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def read_codebook_file(path: Path) -> Codebook:
    """Raises CodebookError for unreadable JSON or an invalid codebook."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise CodebookError(f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CodebookError(f"{path} is not a JSON file ({error})") from None
    try:
        return Codebook.from_dict(data)
    except CodebookError as error:
        raise CodebookError(f"{path}: {error}") from None


class Project(ReviewMixin, ExportsMixin, AssistMixin, EditsMixin, SafetyMixin, SimilarMixin, TeamMixin):
    """One open project file."""

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, codebook: Codebook | None = None,
             read_only: bool | None = None, busy_timeout: float = BUSY_TIMEOUT_SECONDS,
             writer: str | None = None, replacing: str | None = None, allow_empty: bool = False) -> Project:
        """Open (or create, with ``codebook`` or the default one) a project file.

        A window passes ``writer`` (its annotator) to claim the project for writing: if that
        person already has it open for writing in another window, it opens read-only instead,
        with ``writer_elsewhere`` saying where (``store/writers.py``). ``replacing`` is the
        ``writer_session`` of the window's previous project on this file, which it takes over.
        ``allow_empty`` lets a zero-byte file become a project (``annotator init`` only).

        Raises:
            ProjectFileError: see ``Store.open``.
        """
        store = Store.open(path, create=create, read_only=read_only, busy_timeout=busy_timeout,
                           allow_empty=allow_empty)
        project = cls(store)
        try:
            if not store.read_only and not store.codebook().labels and not store.info("codebook_seeded"):
                with store.write():
                    store.merge_codebook(codebook or default_codebook())
                    store.set_info("codebook_seeded", "yes")
            holder = project._claim_writer(writer, replacing) if writer and not store.read_only else None
        except BaseException:
            store.close()
            raise
        if holder is not None:
            store.close()
            project = cls(Store.open(path, create=False, read_only=True, busy_timeout=busy_timeout))
            project.writer_elsewhere = holder
        return project

    @classmethod
    def create(cls, path: str | Path, *, codebook: Codebook | None = None) -> Project:
        """Create a new project file; refuses to touch an existing one."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise ProjectFileError(f"{path} already exists; open it instead of creating it")
        return cls.open(path, codebook=codebook, allow_empty=True)

    @classmethod
    def memory(cls, *, codebook: Codebook | None = None) -> Project:
        project = cls(Store.memory())
        with project._store.write():
            project._store.merge_codebook(codebook or default_codebook())
        return project

    def close(self) -> None:
        self._release_writer()
        self._store.close()

    @property
    def path(self) -> str | None:
        return self._store.path

    # -- codebook -----------------------------------------------------------------------

    def codebook(self) -> Codebook:
        return self._store.codebook()

    def import_codebook(self, path: Path) -> dict[str, list[str]]:
        codebook = read_codebook_file(path)
        with self._store.write():
            result = self._store.merge_codebook(codebook)
            self._store.log_event("codebook_import", target=str(path), details=result)
        return result

    def export_codebook(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.codebook().to_dict(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )

    # -- annotators ---------------------------------------------------------------------

    def annotator(self, name: str) -> Annotator:
        """The annotator called ``name``, added to the project if new (in a read-only project
        an unknown name is returned unsaved, with no id)."""
        annotator = self._store.annotator_by_name(name)
        if annotator:
            return annotator
        if self.read_only:
            return Annotator(uuid="", name=name)
        with self._store.write():
            annotator, _ = self._store.ensure_annotator(name)
            self._store.log_event("annotator_added", annotator=name)
        return annotator

    # -- queries ------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        return self._store.stats()

    def search(self, query: str, *, limit: int = 50, plain: bool = False) -> list[dict[str, Any]]:
        """Articles matching ``query`` (FTS5 syntax, or with ``plain`` plain words), best first
        (``Store.search``)."""
        return self._store.search(query, limit=limit, plain=plain)

    def search_hits(self, article_id: int, query: str, *, plain: bool = False) -> list[tuple[int, int]]:
        """Where ``query`` matches in an article's text, in code points (``Store.search_hits``)."""
        return self._store.search_hits(article_id, query, plain=plain)

    def article(self, article_id: int) -> Article:
        """An article; its text is kept for the next edits (texts never change once stored)."""
        article = self._store.article(article_id)
        self._remember_text(article_id, article.text)
        return article

    def article_text(self, article_id: int) -> str:
        text = self._texts.get(article_id)
        if text is None:
            text = self._store.article_text(article_id)
            self._remember_text(article_id, text)
        return text

    def _remember_text(self, article_id: int, text: str) -> None:
        self._texts.pop(article_id, None)
        self._texts[article_id] = text
        while len(self._texts) > 8:
            self._texts.pop(next(iter(self._texts)))

    @property
    def read_only(self) -> bool:
        """The file is open for reading only (permissions); every edit raises ProjectReadOnly."""
        return self._store.read_only

    def recover_interrupted_imports(self) -> list[str]:
        """Take back the imports a process on this machine died in (``Store.recover_interrupted_imports``)."""
        return self._store.recover_interrupted_imports()

    @property
    def recovered_imports(self) -> list[str]:
        """Imports whose process died mid-way, rolled back when this project was opened."""
        return self._store.recovered_imports

    def annotators(self) -> list[Annotator]:
        return self._store.annotators()

    def annotator_named(self, name: str) -> Annotator | None:
        """The annotator called ``name``, or None (never adds one)."""
        return self._store.annotator_by_name(name)

    def spans_of(self, article_id: int, annotators: Iterable[str]) -> list[Annotation]:
        """The spans of some annotators in one article (unknown names have none), in no
        particular order (``Store.shown_annotations``)."""
        ids = [a.id or 0 for a in (self._store.annotator_by_name(n) for n in annotators) if a is not None]
        return self._store.shown_annotations(article_id, self.article_text(article_id), ids)

    def changed_elsewhere(self, since: int | None) -> tuple[bool, int]:
        """Whether another program (or connection) committed to the project since the
        ``since`` this returned last time; and the value to pass next time."""
        version = self._store.data_version()
        return since is not None and version != since, version

    def spans_signature(self, article_id: int, annotators: Iterable[str]) -> tuple[Any, ...]:
        """Changes when the annotators' spans in the article change (``Store.spans_signature``)."""
        ids = [a.id or 0 for a in (self._store.annotator_by_name(n) for n in annotators) if a is not None]
        return self._store.spans_signature(article_id, ids)

    def done_by(self, article_id: int) -> list[str]:
        """Names of the annotators who marked the article done, sorted."""
        return [name for name, _ in self._store.done_by(article_id)]

    def spans_by_uuid(self, uuids: Iterable[str]) -> list[Annotation]:
        """The stored spans among ``uuids`` (deleted ones are simply missing)."""
        found = []
        for uuid in uuids:
            try:
                found.append(self._store.annotation(uuid))
            except NotFound:
                continue
        return found

    def doc_labels(self, article_id: int) -> list[tuple[str, str, str]]:
        """``(label, annotator name, annotator uuid)`` of one article."""
        return self._store.doc_labels(article_id)

    def label_usage(self, name: str, scope: str = "span") -> int:
        return self._store.label_usage(name, scope)

    def attribute_values(self, name: str) -> list[str]:
        """The values already used for attribute ``name`` in the project, the most used first
        (``Store.attribute_values``): what a free-text attribute's field offers to complete."""
        return self._store.attribute_values(name)

    def article_ids(self, *, annotator_id: int, status: str | None = None, label: str | None = None,
                    query: str | None = None, sort: str = "id", descending: bool = False,
                    plain: bool = False, language: str | None = None) -> list[int]:
        """Article ids as an annotator's article list shows them (``Store.list_article_ids``);
        ``language`` keeps the articles in that language (ISO 639-1 code)."""
        return self._store.list_article_ids(annotator_id=annotator_id, status=status, label=label, query=query,
                                           sort=sort, descending=descending, plain=plain, language=language)

    def article_languages(self) -> list[tuple[str, int]]:
        """The languages present in the articles (ISO 639-1 codes, sorted), each with its count."""
        return self._store.article_languages()

    def article_summaries(self, article_ids: list[int], *, annotator_id: int) -> dict[int, dict[str, Any]]:
        return self._store.article_summaries(article_ids, annotator_id=annotator_id)

    def disagreement_article_ids(self, annotators: list[str]) -> set[int]:
        """Articles where the annotators' spans differ in extent or label (one query)."""
        ids = [a.id or 0 for a in (self._store.annotator_by_name(n) for n in annotators) if a is not None]
        return self._store.disagreement_article_ids(ids)

    def verify(self) -> list[str]:
        """Problems SQLite and a re-read of every span find in the file (empty: sound)."""
        return self._store.verify()

    def annotations(self, article_id: int, annotator: str | None = None) -> list[Annotation]:
        ids = None
        if annotator is not None:
            found = self._store.annotator_by_name(annotator)
            ids = [found.id or 0] if found else []
        return self._store.annotations(article_id, annotator_ids=ids)
