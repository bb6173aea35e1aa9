"""Start the application: pick the project and the annotator, show the window."""

from __future__ import annotations

import getpass
import json
import signal
import sys
import tempfile
from importlib import resources
from pathlib import Path

from platformdirs import user_data_dir
from PySide6.QtCore import QSize, QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QInputDialog

from annotator import __version__
from annotator.model.errors import AnnotatorError
from annotator.project import Project, sample_article_paths
from annotator.ui.main_window import MainWindow, app_settings

APP_ID = "org.stanceannotator.StanceAnnotator"
"""The desktop file's and AppStream's id (resources/desktop); Wayland matches windows to it."""


def demo_project_path() -> Path:
    """The demo project in the user data directory, created with the sample articles."""
    folder = Path(user_data_dir("StanceAnnotator", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.annotator"
    if not path.exists():
        project = Project.open(path)
        import_samples(project)
        project.close()
    return path


def import_samples(project: Project) -> None:
    """The sample articles into ``project``, as the demo project has them: their titles,
    sources and dates (metadata.json) go in with their texts, which stay byte for byte as
    shipped."""
    with tempfile.TemporaryDirectory() as scratch:
        records = Path(scratch) / "samples.jsonl"
        metadata = json.loads(sample_article_paths()[0].with_name("metadata.json").read_text(encoding="utf-8"))
        records.write_text("".join(
            json.dumps({"text": sample.read_text(encoding="utf-8"), **metadata.get(sample.name, {})},
                       ensure_ascii=False) + "\n"
            for sample in sample_article_paths()), encoding="utf-8")
        project.import_paths([records])


def application_icon() -> QIcon:
    """The app's icon in every size shipped in resources/icons (PNGs: no SVG plugin needed)."""
    icon = QIcon()
    for folder in resources.files("annotator.resources").joinpath("icons/hicolor").iterdir():
        size = folder.name.partition("x")[0]
        if size.isdigit():
            icon.addFile(str(folder.joinpath(f"apps/{APP_ID}.png")), QSize(int(size), int(size)))
    return icon


def run(project_path: str | None = None, annotator: str | None = None, *, remember: bool = False,
        quit_after_start: bool = False) -> int:
    """Open the window; returns the application's exit status.

    ``annotator`` is who labels in this run; it becomes the remembered default only with
    ``remember`` (or when the start-up question is answered). Nobody is written into the
    project until their first edit. ``quit_after_start`` closes the window (as Ctrl+Q does) once
    it is shown and its start-up work in the background is done: a check that the app starts.
    """
    existing = QApplication.instance()  # typed as QCoreApplication; widgets need a QApplication
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Stance Annotator")
    app.setOrganizationName("StanceAnnotator")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(application_icon())
    settings = app_settings()
    if project_path is None:
        last = settings.value("last_project")
        project_path = str(last) if last and Path(str(last)).exists() else str(demo_project_path())
    asked = annotator is None and not settings.value("annotator")
    name = annotator or str(settings.value("annotator") or "") or getpass.getuser() or "annotator"
    try:
        window = MainWindow(project_path, name, settings=settings)
    except AnnotatorError as error:
        sys.stderr.write(f"Error: {error}\n")
        return 1
    if annotator and remember:
        settings.setValue("annotator", annotator)
    window.show()
    if asked:
        # Asked once, then remembered; window-modal and non-blocking, so the window is usable
        # (and scriptable) while the question is open.
        dialog = QInputDialog(window)
        dialog.setWindowTitle("Who is annotating?")
        dialog.setLabelText("Your name as annotator (shown with every span you make):")
        dialog.setTextValue(name)

        def accepted() -> None:
            chosen = dialog.textValue().strip()
            if chosen:
                settings.setValue("annotator", chosen)
                if chosen != window.annotator and window.project and window.project.path:
                    window.load_project(window.project.path, chosen)

        dialog.accepted.connect(accepted)
        dialog.open()
    _quit_on_signals(app)
    if quit_after_start:
        QTimer.singleShot(0, lambda: _quit_when_idle(app))
    return app.exec()


def _quit_when_idle(app: QApplication) -> None:
    pool = QThreadPool.globalInstance()
    if pool.activeThreadCount():
        pool.waitForDone()
        # Their results are queued ahead of this call and may start more work: look again then.
        QTimer.singleShot(0, lambda: _quit_when_idle(app))
        return
    _close_and_quit(app)


def _close_and_quit(app: QApplication) -> None:
    app.closeAllWindows()  # the windows close properly: the project is closed, settings saved
    app.quit()


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C in the terminal or a TERM from the session closes the window properly (the
    project is closed, settings are saved) instead of killing it mid-flight."""
    def quit_app(*_: object) -> None:
        _close_and_quit(app)

    signal.signal(signal.SIGINT, quit_app)
    signal.signal(signal.SIGTERM, quit_app)
    # Python runs signal handlers only between bytecodes; a timer gives it a chance to.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
