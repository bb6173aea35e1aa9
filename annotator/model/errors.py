"""Errors shared across layers. Each says what went wrong in words a user can act on."""


class AnnotatorError(Exception):
    """Base class: the CLI prints these without a traceback and exits 1."""


class InvalidSpan(AnnotatorError):
    """Offsets outside the text, reversed, or covering text that does not match."""


class CodebookError(AnnotatorError):
    """A codebook file or edit that breaks the codebook's rules (missing name, hotkey clash ...)."""


class ImportFormatError(AnnotatorError):
    """One input file cannot be read; carries the file and, where known, the line.

    Args:
        message: what is wrong, in plain words.
        line: 1-based line (JSONL, CSV) or record number, if known.
        column: 1-based column on that line, where the parser knows it.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if not self.line:
            return self.message
        where = f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


TEXT_FIELD_HINT = "(name the text column with --text-field)"
"""How a ``MissingTextField`` message ends: the command line's way out (the window asks instead)."""


class MissingTextField(ImportFormatError):
    """A file of records (a CSV's header) has no field called as the text field; ``fields``
    are the ones it has, to choose from."""

    def __init__(self, message: str, fields: list[str], *, line: int | None = None):
        super().__init__(message, line=line)
        self.fields = fields


class ProjectFileError(AnnotatorError):
    """The project file cannot be used: not SQLite, not ours, corrupt, or from a newer version."""


class ProjectNeedsUpgrade(ProjectFileError):
    """The file uses an older schema than this version reads without migrating it
    (``annotator upgrade`` backs it up, then migrates it)."""


class BackupError(AnnotatorError):
    """A backup could not be made, listed or restored; the project file was left as it was."""


class StoreError(AnnotatorError):
    """SQLite refused an operation; ``store/`` turns every ``sqlite3`` error into one of these."""


class ProjectBusy(StoreError):
    """Another program held the project's write lock for longer than we could wait."""


class ProjectReadOnly(StoreError):
    """The project file (or its folder) cannot be written: it is open for reading only."""


class ProjectDamaged(ProjectFileError, StoreError):
    """SQLite found the file damaged (not a database, corrupt pages)."""


class StorageFull(StoreError):
    """The disk (or a SQLite size limit) is full; nothing of the refused change was written."""


class ConstraintViolated(StoreError):
    """A write broke one of the schema's rules (unique, foreign key, check)."""


class InvalidQuery(AnnotatorError, ValueError):
    """A search the full-text index cannot run (bad query syntax)."""


class NotFound(AnnotatorError):
    """An article, annotator, label or annotation that the caller named does not exist."""


class IdentityClash(AnnotatorError):
    """An annotator name arrives with a different id than the one the project knows.

    ``name`` is the clashing annotator name (None for a clash of annotation ids).
    """

    def __init__(self, message: str, *, name: str | None = None):
        super().__init__(message)
        self.name = name
