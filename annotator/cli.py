"""The ``annotator`` command. Each command is a few lines over ``project`` and ``io``.

``--json`` output is pure JSON on stdout; notes, errors and progress bars go to stderr, and
progress bars only when stderr is a terminal.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from annotator import __version__
from annotator.assist import Suggestion
from annotator.io.exporters import FORMATS as EXPORT_FORMATS
from annotator.io.records import FieldMap
from annotator.io.sources import FORMATS
from annotator.model.commands import AcceptSuggestions, SuggestedSpan
from annotator.model.errors import AnnotatorError, ProjectDamaged, ProjectFileError
from annotator.model.types import check_person_name
from annotator.project import ImportReport, Project, read_codebook_file
from annotator.project.assist import QUOTE_LABEL, place


class ExistingFile(click.Path):
    """``click.Path(exists=True, dir_okay=False)`` whose refusal (a file that is not there, a
    folder) is one line and exit status 1, as for any bad input, not click's usage error (its
    usage text and exit status 2)."""

    def __init__(self, **options: Any):
        super().__init__(exists=True, dir_okay=False, **options)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as error:
            raise click.ClickException(error.message) from None


class AnnotatorGroup(click.Group):
    """Runs ``open`` when the first word is not a command (``annotator news.annotator``), and
    turns our errors into one clear line and exit status 1, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["open", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnnotatorError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:  # a folder that does not exist, a full disk, no permission
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}") from None


@click.group(cls=AnnotatorGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Stance Annotator: label stance and framing statements in news articles.

    Run without a command (or with just a project file) to open the window.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(open_window)


def reads_project(command: Callable[..., None]) -> Callable[..., None]:
    """For a command that only reads PROJECT (opened read-only, never migrated): a failure while
    reading that SQLite's quick check traces to damage in the file is reported as that damage, in
    one line with exit status 1 (a damaged page can surface as any error, or none until read)."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort, ProjectFileError):
            raise  # a clear answer already (not a project, damaged, too old ...)
        except Exception as error:
            project = str(kwargs.get("project") or "")
            found = Project.damage(project) if project and Path(project).is_file() else []
            if found:
                raise ProjectDamaged(f"{project} is damaged ({found[0].splitlines()[0]}); run `annotator check "
                                     f"{project}`, and restore it from a backup (`annotator backups`)") from error
            raise
    return run


WindowLauncher = Callable[[str | None, str | None, bool, bool], int]
launch_window: WindowLauncher | None = None
"""Set by the entry point (``annotator.__main__``), which sits above both the CLI and the GUI,
so that this module never imports Qt."""


@cli.command("open")
@click.argument("project", required=False, type=click.Path(dir_okay=False))
@click.option("--annotator", "annotator_name",
              help="Your name as annotator for this run (otherwise the remembered one, asked once).")
@click.option("--remember", is_flag=True, help="Also remember --annotator for later starts.")
@click.option("--quit-after-start", is_flag=True,
              help="Close the window as soon as it is shown: a check that it starts (exit status 0).")
def open_window(project: str | None = None, annotator_name: str | None = None, remember: bool = False,
                quit_after_start: bool = False) -> None:
    """Open the annotation window on PROJECT (default: the demo project)."""
    if launch_window is None:
        raise click.ClickException("the window is not available from this entry point")
    if remember and not annotator_name:
        raise click.UsageError("--remember needs --annotator NAME")
    sys.exit(launch_window(project, annotator_name, remember, quit_after_start))


@cli.command()
@click.argument("project", type=click.Path(dir_okay=False))
@click.option("--codebook", "codebook_file", type=ExistingFile(path_type=Path),
              help="Codebook JSON to start with (default: the news stance codebook).")
def init(project: str, codebook_file: Path | None) -> None:
    """Create a new, empty PROJECT file."""
    codebook = read_codebook_file(codebook_file) if codebook_file else None
    created = Project.create(project, codebook=codebook)
    labels = len(created.codebook().labels)
    created.close()
    click.echo(f"Created {project} with {labels} labels.")


@cli.command("import")
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Input format; auto decides by file extension (brat, labelstudio, doccano and "
                   "webanno-tsv3 must be named).")
@click.option("--text-field", help="Field (JSON) or column (CSV) holding the article text, for other tools' dumps.")
@click.option("--title-field", help="Field or column holding the title.")
@click.option("--id-field", help="Field or column holding the article's own id.")
@click.option("--annotator", "annotator_name", help="Annotator of imported spans that name nobody.")
@click.option("--offset-unit", type=click.Choice(["codepoint", "utf16"]),
              help="Offset unit of brat, Label Studio or doccano files, if not their usual one.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_(project: str, paths: tuple[Path, ...], fmt: str, text_field: str | None,
            title_field: str | None, id_field: str | None, annotator_name: str | None,
            offset_unit: str | None, as_json: bool) -> None:
    """Import articles (and their annotations) from files and folders into PROJECT.

    Creates PROJECT with the default codebook if it does not exist. Folders are read
    recursively; a symbolic link leading out of a folder is reported, not followed. A broken
    file is reported with its line and reason and the rest are imported; in files of records
    (JSONL, JSON lists, CSV, doccano, Prodigy, Label Studio) a bad record is skipped (and named
    with its line and reason) and the file's good records are imported. The exit status is 1
    if any file failed or any bad record was skipped.
    """
    generic = any((text_field, title_field, id_field))
    fields = FieldMap(
        text=text_field or "text", title=title_field or "title", id=id_field or "id", generic=generic
    )
    opened = Project.open(project)
    with _progress_bar("Importing") as progress:
        report = opened.import_paths(list(paths), format=fmt, fields=fields,
                                     annotator=annotator_name, progress=progress, offset_unit=offset_unit)
    opened.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        bad = f", bad records skipped {len(report.bad_records)}" if report.bad_records else ""
        click.echo(f"imported {report.imported}, skipped {report.skipped}, failed {len(report.failed)}{bad}"
                   f" ({report.annotations_added} annotations added)")
        for result in report.files_with_bad_records():
            click.echo(str(result))
    if report.ignored:
        click.echo(f"note: {len(report.ignored)} file(s) of unknown type ignored in folders", err=True)
    if not report.files_imported and not report.failed:
        click.echo("note: no files to import were found", err=True)
    _finish_report(report)


@cli.command()
@click.argument("project", type=ExistingFile())
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="jsonl", show_default=True,
              help="Output format (see README 'Export formats').")
@click.option("-o", "--output", required=True, type=click.Path(allow_dash=True),
              help="File to write ('-' for standard output, JSONL only); a new folder for brat.")
@click.option("--annotator", "annotators", multiple=True, help="Only this annotator's work (repeatable).")
@click.option("--label", "labels", multiple=True, help="Only spans with this label (repeatable).")
@click.option("--done-only", is_flag=True, help="Only articles marked done, with the work of those who marked them.")
@click.option("--gold", is_flag=True, help="Only the gold layer (adjudicated spans).")
@click.option("--language", "languages", multiple=True,
              help="Only articles in this language, an ISO 639-1 code as `stats` lists them, `unknown` for none "
                   "(repeatable; case ignored).")
@click.option("--offset-unit", type=click.Choice(["codepoint", "utf16"]),
              help="Offset unit to write instead of the format's default.")
@click.option("--excel", is_flag=True, help="CSV: UTF-8 with a byte-order mark, as Excel expects.")
@reads_project
def export(project: str, fmt: str, output: str, annotators: tuple[str, ...], labels: tuple[str, ...],
           done_only: bool, gold: bool, languages: tuple[str, ...], offset_unit: str | None, excel: bool) -> None:
    """Export PROJECT's articles and annotations."""
    opened = Project.open(project, create=False, read_only=True)
    filters: dict[str, Any] = {"annotators": list(annotators) or None, "labels": list(labels) or None,
                               "done_only": done_only, "gold": gold, "languages": list(languages) or None}
    if excel and fmt != "csv":
        raise click.BadParameter("--excel applies to --format csv only", param_hint="--excel")
    with _progress_bar("Exporting") as progress:
        if output == "-":
            if fmt != "jsonl":
                raise click.BadParameter("standard output takes JSONL only", param_hint="-o")
            if offset_unit not in (None, "codepoint"):
                raise click.BadParameter("JSONL offsets are always code points", param_hint="--offset-unit")
            count = opened.export_jsonl(sys.stdout, progress=progress, **filters)
            click.echo(f"exported {count} articles", err=True)
            opened.close()
            return
        summary = opened.export(fmt, Path(output), offset_unit=offset_unit, excel=excel, progress=progress, **filters)
    opened.close()
    unit = f", offsets in {summary.offset_unit}" if summary.offset_unit in ("codepoint", "utf16") else ""
    click.echo(f"exported {summary.articles} articles, {summary.spans} spans ({fmt}{unit}) to "
               f"{', '.join(summary.files)}", err=True)
    if summary.written > summary.articles:  # counted as the preview counts them: with spans
        click.echo(f"note: {summary.written - summary.articles} articles without spans written too", err=True)
    for note in summary.notes:
        click.echo(f"note: {note}", err=True)


@cli.command()
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rename", "renames", multiple=True, metavar="OLD=NEW",
              help="Take annotator OLD from the sources as NEW here (repeatable), e.g. to resolve a clash.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def merge(project: str, sources: tuple[Path, ...], renames: tuple[str, ...], as_json: bool) -> None:
    """Merge colleagues' project files or native JSONL exports into PROJECT.

    Articles match by text; annotators and annotations keep their ids, so merging twice changes
    nothing. A name that arrives with a different id than PROJECT's is refused as a clash.
    The sources are never modified. Exit status 1 if any source failed.
    """
    mapping = {}
    for item in renames:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{item!r} is not OLD=NEW", param_hint="--rename")
        mapping[old.strip()] = new.strip()
    opened = Project.open(project)
    report = opened.merge_paths(list(sources), renames=mapping)
    opened.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"merged {len(report.files_imported)} source(s): {report.imported} new articles, "
                   f"{report.skipped} already here, {report.annotations_added} annotations added "
                   f"({report.annotations_existing} already here), failed {len(report.failed)}")
    if report.annotators_added:
        click.echo(f"note: annotators added: {', '.join(report.annotators_added)}", err=True)
    _finish_report(report)


@cli.command()
@click.argument("project", type=ExistingFile())
@click.option("--annotator", "annotators", multiple=True,
              help="Compare these annotators (repeatable; default: everyone who marked an article done, "
                   "but the gold layer).")
@click.option("--unit", type=click.Choice(["token", "char"]), default="token", show_default=True,
              help="Units for kappa and alpha: tokens (\\w+ runs and single symbols) or characters.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reads_project
def agreement(project: str, annotators: tuple[str, ...], unit: str, as_json: bool) -> None:
    """Inter-annotator agreement: Cohen's kappa and span F1 per pair, Fleiss' kappa and
    Krippendorff's alpha overall, the same per label, and kappa on document labels.

    Only judged articles count (see README "Agreement").
    """
    opened = Project.open(project, create=False, read_only=True)
    result = opened.agreement(annotators=list(annotators) or None, unit=unit)
    opened.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(format_agreement(result))


def format_agreement(result: dict[str, Any]) -> str:
    """The readable table printed without ``--json``."""
    def number(value: float | None) -> str:
        return "   —  " if value is None else f"{value:6.3f}"

    lines = [f"annotators: {', '.join(result['annotators'])}   unit: {result['unit']}   "
             f"articles judged by two or more: {result['articles']}", ""]
    lines.append(f"Fleiss' kappa       {number(result['fleiss_kappa'])}")
    lines.append(f"Krippendorff alpha  {number(result['krippendorff_alpha'])}")
    lines += ["", f"{'pair':<30} {'articles':>8} {'kappa':>7} {'F1 exact':>9} {'F1 overlap':>11}"]
    for row in result["pairs"]:
        lines.append(f"{row['a'] + ' / ' + row['b']:<30} {row['articles']:>8} {number(row['cohen_kappa']):>7} "
                     f"{number(row['span_f1_exact']):>9} {number(row['span_f1_overlap']):>11}")
    lines += ["", f"{'label':<44} {'alpha':>7} {'fleiss':>7} {'mean kappa':>11}"]
    for label, row in result["labels"].items():
        kappas = [p["cohen_kappa"] for p in row["pairs"] if p["cohen_kappa"] is not None]
        mean = sum(kappas) / len(kappas) if kappas else None
        lines.append(f"{label[:44]:<44} {number(row['krippendorff_alpha']):>7} {number(row['fleiss_kappa']):>7} "
                     f"{number(mean):>11}")
    if result["doc_labels"]["pairs"]:
        lines += ["", "document labels (kappa per pair):"]
        for row in result["doc_labels"]["pairs"]:
            lines.append(f"  {row['a'] + ' / ' + row['b']:<28} {number(row['cohen_kappa'])}")
    notes = [*result["notes"], *(f"{r['a']}/{r['b']}: {n}" for r in result["pairs"] for n in r["notes"])]
    if notes:
        lines += ["", "notes:", *(f"  {note}" for note in notes)]
    return "\n".join(lines)


@cli.command()
@click.argument("project", type=ExistingFile())
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reads_project
def stats(project: str, as_json: bool) -> None:
    """Counts of articles, annotations per label and per annotator."""
    opened = Project.open(project, create=False, read_only=True)
    figures = opened.stats()
    opened.close()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    click.echo(f"articles     {figures['articles']}  ({figures['characters']} characters)")
    click.echo(f"annotations  {figures['annotations']}")
    click.echo(f"doc labels   {figures['doc_labels']}")
    click.echo("\nby annotator (annotations / done / in progress):")
    for name, counts in figures["annotators"].items():
        click.echo(f"  {name:<24} {counts['annotations']:>8} {counts['done']:>6} {counts['in_progress']:>6}")
    click.echo("\nby label:")
    for name, count in figures["labels"].items():
        click.echo(f"  {name:<44} {count:>8}")
    click.echo("\nby language (articles; `export --language`):")
    for code, count in figures["languages"].items():
        click.echo(f"  {code:<44} {count:>8}")


@cli.command()
@click.argument("project", type=ExistingFile())
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="Most results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--plain", is_flag=True,
              help="Search for QUERY's words as typed (all of them), not as FTS5 syntax, as the window does.")
@reads_project
def search(project: str, query: str, limit: int, as_json: bool, plain: bool) -> None:
    """Full-text search over titles and texts (SQLite FTS5 query syntax; --plain for plain words)."""
    opened = Project.open(project, create=False, read_only=True)
    try:
        results = opened.search(query, limit=limit, plain=plain)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    finally:
        opened.close()
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for result in results:
        click.echo(f"{result['id']:>7}  {result['title']}\n         {result['snippet']}")
    click.echo(f"{len(results)} result(s)", err=True)


@cli.command()
@click.argument("project", type=ExistingFile())
def check(project: str) -> None:
    """Check PROJECT for damage: SQLite's integrity and foreign key checks, and every span's stored
    text. Works on a damaged file; repairs nothing. Exit status 1 if anything is wrong."""
    problems = Project.check_file(project)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found; the file was not changed")
    click.echo("no problems found")


@cli.command()
@click.argument("project", type=ExistingFile())
def backup(project: str) -> None:
    """Back PROJECT up now (a whole-file copy made by SQLite, safe while the window is open) and
    print the backup's path."""
    click.echo(str(Project.back_up_file(project, reason="manual")))


@cli.command("backups")
@click.argument("project", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def list_backups(project: str, as_json: bool) -> None:
    """List PROJECT's backups, newest first: time (UTC), reason, schema version, articles, spans,
    path. PROJECT itself is not opened (it may be damaged or gone)."""
    found = Project.backups_of(project)
    if as_json:
        click.echo(json.dumps([info.to_dict() for info in found], ensure_ascii=False, indent=2))
        return
    for info in found:
        if info.problem:
            click.echo(f"{info.time}  {info.reason:<8} unreadable: {info.problem}")
            continue
        click.echo(f"{info.time}  {info.reason:<8} schema {info.schema_version}  {info.articles:>7} articles "
                   f"{info.spans:>8} spans  {info.path}")
    if not found:
        click.echo(f"no backups of {project} (they would be in {Project.backup_folder(project)})", err=True)


@cli.command()
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False))
def restore(project: str, backup_file: str) -> None:
    """Replace PROJECT with BACKUP (a path, or a file name from `annotator backups`).

    The whole file is copied back through SQLite, so a window with PROJECT open sees the restored
    file whole. PROJECT is backed up first; it may be damaged, empty or missing. A BACKUP that is
    not a sound project file is refused and nothing is changed.
    """
    chosen = Path(backup_file)
    if not chosen.exists() and chosen.name == backup_file:
        chosen = Project.backup_folder(project) / backup_file
    before = Project.restore_file(project, chosen)
    click.echo(f"restored {project} from {chosen}")
    if before is not None:
        click.echo(f"note: the file as it was before is backed up as {before}", err=True)


@cli.command()
@click.argument("project", type=ExistingFile())
def upgrade(project: str) -> None:
    """Upgrade PROJECT to this version's schema, after backing it up. Read-only commands never
    upgrade a file; they ask for this when they cannot read it as it is."""
    before, after, saved = Project.upgrade(project)
    if saved is None:
        click.echo(f"{project} is up to date (schema {after})")
        return
    click.echo(f"upgraded {project} from schema {before} to {after}")
    click.echo(f"note: the file as it was before is backed up as {saved}", err=True)


@cli.command()
@click.argument("project", type=ExistingFile())
@click.option("--annotator", "annotator_name", required=True, metavar="NAME",
              help="Whose suggestions: what NAME rejected or has labelled is left out; --accept stores them as NAME's.")
@click.option("--quotes", is_flag=True, help="Suggest quotations, with speaker and voice (with neither "
                                             "--quotes nor --rules: both).")
@click.option("--rules", is_flag=True, help="Suggest what the codebook labels' keyword and regex patterns find.")
@click.option("--quote-label", default=QUOTE_LABEL, show_default=True, metavar="NAME",
              help="The span label quotations get.")
@click.option("--article", "articles", multiple=True, type=int, metavar="ID",
              help="Only this article (its id in the project, `article_id` in --json; repeatable).")
@click.option("--accept", is_flag=True,
              help="Store the suggestions as NAME's annotations (origin `suggestion`, source kept), all at once.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per suggestion per line.")
@reads_project
def suggest(project: str, annotator_name: str, quotes: bool, rules: bool, quote_label: str,
            articles: tuple[int, ...], accept: bool, as_json: bool) -> None:
    """Suggest spans in PROJECT's articles: quotations and the codebook's keyword and regex rules.

    Without --accept nothing is written: PROJECT is opened read-only (never migrated) and the
    suggestions are printed. With --accept they become NAME's annotations in one transaction
    (NAME is added to the project if new). Suggestions NAME rejected in the window, or has
    labelled already, are not suggested again.
    """
    if accept:
        check_person_name(annotator_name)
    if not quotes and not rules:
        quotes = rules = True
    opened = Project.open(project, create=False, read_only=None if accept else True)
    try:
        chosen: list[SuggestedSpan] = []
        count = with_any = read = 0
        for found in opened.suggest_articles(list(articles) or None, annotator=annotator_name, quotes=quotes,
                                             rules=rules, quote_label=quote_label):
            read += 1
            with_any += bool(found.suggestions)
            for suggestion in found.suggestions:
                count += 1
                click.echo(format_suggestion(found.article_id, found.external_id, suggestion, as_json=as_json))
                if accept:
                    chosen.append(place(found.article_id, suggestion))
        summary = f"{count} suggestion(s) in {with_any} of {read} article(s)"
        click.echo(summary, err=as_json)
        if accept and chosen:
            changes, _ = opened.execute(AcceptSuggestions(annotator_name, tuple(chosen)))
            click.echo(f"accepted {len(changes.span_uuids)} as annotations of {annotator_name}", err=as_json)
        elif accept:
            click.echo("nothing to accept", err=as_json)
    finally:
        opened.close()


@cli.group()
def team() -> None:
    """Team work over a PostgreSQL hub: create it, add members, join, assign articles.

    Passwords are never stored in a project file: give them in the address, with
    --password-file, through libpq's password file (~/.pgpass) or PGPASSWORD; a password that
    worked is kept in the platform keyring when there is one.
    """


def _read_secret(path: Path | None) -> str | None:
    """The first line of a password file, without its line end."""
    if path is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0]:
        raise click.ClickException(f"{path}: the password file is empty")
    return lines[0]


_SECRET_OPTION = click.option(
    "--password-file", type=ExistingFile(path_type=Path),
    help="Read the password to log in to the hub from the first line of this file.")


def _echo_sync(report: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        pushed = ", ".join(f"{n} {k}" for k, n in sorted(report.pushed.items())) or "nothing"
        pulled = ", ".join(f"{n} {k}" for k, n in sorted(report.pulled.items())) or "nothing"
        click.echo(f"pushed: {pushed}")
        click.echo(f"pulled: {pulled}")
    for conflict in report.conflicts:
        click.echo(f"conflict: {conflict['kind']} {conflict['key']}: {conflict['reason']} "
                   f"(kept the {conflict['kept']}'s version)", err=True)
    reasons: dict[str, int] = {}
    for refused in report.refused:
        reasons[refused["reason"]] = reasons.get(refused["reason"], 0) + 1
    for reason, count in reasons.items():
        click.echo(f"refused: {count} change(s): {reason}", err=True)
    if not report.in_step:
        click.echo(f"{report.waiting} change(s) still waiting to be pushed", err=True)
        sys.exit(1)
    if not as_json:
        click.echo("in step", err=True)


@team.command("create")
@click.argument("url", metavar="POSTGRES_URL")
@click.option("--from", "source", required=True, type=ExistingFile(),
              metavar="PROJECT", help="The project whose articles, codebook and work the hub starts with.")
@_SECRET_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the upload's counts as JSON.")
def team_create(url: str, source: str, password_file: Path | None, as_json: bool) -> None:
    """Make the empty database at POSTGRES_URL a team hub holding PROJECT; the URL's user
    becomes its first lead, and PROJECT stays linked to it."""
    from annotator.project.team import create_team

    report = create_team(url, source, password=_read_secret(password_file))
    _echo_sync(report, as_json)


@team.command("add-member")
@click.argument("url", metavar="POSTGRES_URL")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["annotator", "reviewer", "lead"]),
              help="annotator: their own work; reviewer: also the gold layer; lead: also articles, "
                   "codebook, members and assignments.")
@click.option("--password-file", type=ExistingFile(path_type=Path),
              help="The new member's password (first line); without it one is generated and printed once.")
@click.option("--hub-password-file", type=ExistingFile(path_type=Path),
              help="The password of the lead running this command, if the URL and keyring lack it.")
def team_add_member(url: str, name: str, role: str, password_file: Path | None,
                    hub_password_file: Path | None) -> None:
    """Create NAME's PostgreSQL login and make them a member of the hub with ROLE."""
    from annotator.project.team import add_member

    check_person_name(name)
    _uuid, generated = add_member(url, name, role, password=_read_secret(password_file),
                                  hub_password=_read_secret(hub_password_file))
    click.echo(f"added {name} as {role}")
    if generated:
        click.echo(f"password for {name} (shown only now): {generated}")


@team.command("join")
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("url", metavar="POSTGRES_URL")
@click.option("--annotator", "annotator_name", metavar="NAME",
              help="The member to join as (default: the URL's user; each member logs in as themselves).")
@_SECRET_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the first sync's counts as JSON.")
def team_join(project: str, url: str, annotator_name: str | None, password_file: Path | None,
              as_json: bool) -> None:
    """Make PROJECT a local copy of the hub's project (or link an existing copy, same project
    UUID) and pull everything."""
    from annotator.project.team import join_team

    report = join_team(project, url, annotator=annotator_name, password=_read_secret(password_file))
    _echo_sync(report, as_json)


@team.command("assign")
@click.argument("url", metavar="POSTGRES_URL")
@click.option("--annotators", required=True, metavar="A,B,C", help="Members to spread the articles over.")
@click.option("--per-article", required=True, type=int, metavar="K", help="Annotators per article (overlap).")
@click.option("--articles", "query", metavar="QUERY",
              help="Only articles whose title or text matches QUERY (words, \"phrases\", -not, or), or an external id.")
@click.option("--blind/--no-blind", default=None,
              help="Blind mode: annotators see colleagues' layers only on articles they marked done.")
@_SECRET_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print articles per member as JSON.")
def team_assign(url: str, annotators: str, per_article: int, query: str | None, blind: bool | None,
                password_file: Path | None, as_json: bool) -> None:
    """Assign articles so that each gets K of the annotators (replacing their earlier assignments)."""
    from annotator.project.team import assign

    names = [name.strip() for name in annotators.split(",") if name.strip()]
    spread = assign(url, names, per_article, query=query, blind=blind, password=_read_secret(password_file))
    if as_json:
        click.echo(json.dumps(spread, ensure_ascii=False))
        return
    for name, count in spread.items():
        click.echo(f"{name}: {count} article(s)")


@cli.command()
@click.argument("project", type=ExistingFile())
@_SECRET_OPTION
@click.option("--json", "as_json", is_flag=True,
              help='Print {"pushed": {...}, "pulled": {...}, "conflicts": [...]} (and refused, waiting).')
def sync(project: str, password_file: Path | None, as_json: bool) -> None:
    """Push PROJECT's changes to its team hub and pull everyone else's. Exit status 0 when in
    step, 1 when changes are left waiting (refused by the hub) or the hub cannot be used."""
    from annotator.project.team import sync_file
    from annotator.team.address import HubRefused

    password = _read_secret(password_file)
    try:
        report = sync_file(project, password=password)
    except HubRefused as error:
        # A person at a terminal is asked once; scripts get the error.
        if password is not None or not sys.stdin.isatty() or "password" not in str(error):
            raise
        password = click.prompt("hub password", hide_input=True, err=True)
        report = sync_file(project, password=password)
        from annotator.project.team import remember_password

        remember_password(project, password)
    _echo_sync(report, as_json)


def format_suggestion(article_id: int, external_id: str | None, suggestion: Suggestion, *, as_json: bool) -> str:
    """One line of ``suggest``: a JSON object, or a readable line."""
    if as_json:
        return json.dumps({"article_id": article_id, "external_id": external_id, "start": suggestion.start,
                           "end": suggestion.end, "text": suggestion.text, "label": suggestion.label,
                           "attributes": dict(suggestion.attributes), "source": suggestion.source},
                          ensure_ascii=False)
    attributes = "".join(f"  {name}={value}" for name, value in suggestion.attributes.items())
    return (f"{article_id:>7}  [{suggestion.start}, {suggestion.end})  {suggestion.label}  "
            f"{json.dumps(suggestion.text, ensure_ascii=False)}{attributes}  ({suggestion.source})")


@cli.group()
def codebook() -> None:
    """Export or import the codebook (labels, attributes, document labels) as JSON."""


@codebook.command("export")
@click.argument("project", type=ExistingFile())
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@reads_project
def codebook_export(project: str, output: Path) -> None:
    """Write PROJECT's codebook to OUTPUT."""
    opened = Project.open(project, create=False, read_only=True)
    opened.export_codebook(output)
    opened.close()
    click.echo(f"wrote {output}", err=True)


@codebook.command("import")
@click.argument("project", type=click.Path(dir_okay=False))
@click.argument("file", type=ExistingFile(path_type=Path))
def codebook_import(project: str, file: Path) -> None:
    """Add or update labels and attributes from FILE; labels it does not name are kept."""
    opened = Project.open(project)
    result = opened.import_codebook(file)
    opened.close()
    click.echo(f"labels added: {len(result['added'])}, updated: {len(result['updated'])}")
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)


def _finish_report(report: ImportReport) -> None:
    """Notes and failures of an import or merge on stderr; exit status 1 if anything failed."""
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.labels_added:
        click.echo(f"note: labels added to the codebook: {', '.join(report.labels_added)}", err=True)
    for failure in report.failed:
        click.echo(f"failed: {failure}", err=True)
    for bad in report.bad_records:
        click.echo(f"skipped: {bad}", err=True)
    if not report.ok:
        sys.exit(1)


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback drawing a bar on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bar_holder: dict[str, Any] = {}
    last = 0

    def update(done: int, total: int) -> None:
        nonlocal last
        if "bar" not in bar_holder:
            bar_holder["bar"] = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar_holder["bar"].__enter__()
        bar_holder["bar"].update(done - last)
        last = done

    try:
        yield update
    finally:
        if "bar" in bar_holder:
            bar_holder["bar"].__exit__(None, None, None)


def main() -> None:
    """Command line without the window (the ``annotator`` script is ``annotator.__main__:main``)."""
    cli(prog_name="annotator")
