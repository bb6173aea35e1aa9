"""The facade the CLI and the GUI share: open a project, import, export, query, execute edits.

To use it::

    project = Project.open("news.annotator")
    report = project.import_paths([Path("articles/")], annotator="ana")
    with open("out.jsonl", "w", encoding="utf-8") as out:
        project.export_jsonl(out, annotators=["ana"], done_only=True)

``Project`` (``project``) is composed of one mixin per kind of work: ``imports``, ``exports``,
``edits`` and ``review``, over the shared state of ``base``. Tuning constants live in the module
that reads them (``imports.PARSE_BATCH_RECORDS``, ``review.PARALLEL_AGREEMENT_MIN_ARTICLES``)
and are not re-exported here, so that patching them names the place that takes effect.
"""

from annotator.project.base import Cancelled, Progress
from annotator.project.imports import FileFailure, ImportReport
from annotator.project.project import Project, default_codebook, read_codebook_file, sample_article_paths
from annotator.project.safety import BackupInfo, WriterSession
from annotator.store.backups import DEFAULT_INTERVAL_MINUTES as BACKUP_INTERVAL_MINUTES
from annotator.store.backups import DEFAULT_KEEP as BACKUPS_KEPT
from annotator.store.writers import RENEW_SECONDS as WRITER_RENEW_SECONDS

__all__ = [
    "BACKUPS_KEPT",
    "BACKUP_INTERVAL_MINUTES",
    "WRITER_RENEW_SECONDS",
    "BackupInfo",
    "Cancelled",
    "FileFailure",
    "ImportReport",
    "Progress",
    "Project",
    "WriterSession",
    "default_codebook",
    "read_codebook_file",
    "sample_article_paths",
]
