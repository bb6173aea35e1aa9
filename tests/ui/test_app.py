"""Starting the application from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from annotator.ui import app


def test_open_refuses_a_damaged_project_with_a_message(tmp_path):
    project = tmp_path / "broken.annotator"
    project.write_text("not a database")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "annotator", str(project), "--annotator", "ana"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1
    assert "not a project file" in result.stderr
    assert "Traceback" not in result.stderr
    assert project.read_text() == "not a database"


def test_demo_project_is_seeded_with_the_sample_articles(tmp_path, monkeypatch):
    monkeypatch.setattr(app, "user_data_dir", lambda *args, **kwargs: str(tmp_path / "data"))
    path = app.demo_project_path()
    from annotator.project import Project

    project = Project.open(path, create=False)
    articles = sorted(project._store.iter_articles(), key=lambda a: a.published or "")
    assert [(a.title, a.published, a.language) for a in articles] == [
        ("Моторолу убили в Донецке", "2016-10-16", "ru"),
        ("Choe dan Lavrov memuji kerja sama Rusia–Korea Utara", "2024-01-17", "id")]
    assert all(a.source for a in articles)
    from tests.conftest import SAMPLE

    assert articles[1].text == SAMPLE.read_text(encoding="utf-8")  # the text as shipped
    assert project.codebook().labels[0].hotkey == "1"
    project.close()
    assert app.demo_project_path() == path  # created once


def test_gold_is_not_a_name_for_a_person(tmp_path, qtbot, settings):
    import pytest

    from annotator.model.errors import AnnotatorError
    from annotator.ui import MainWindow

    with pytest.raises(AnnotatorError, match="gold layer"):
        MainWindow(str(tmp_path / "p.annotator"), "gold", settings=settings)


def test_annotator_for_one_run_is_not_remembered_unless_asked(tmp_path, monkeypatch, settings):
    import signal

    from PySide6.QtWidgets import QApplication

    from annotator.project import Project

    project_path = tmp_path / "p.annotator"
    Project.open(project_path).close()
    monkeypatch.setattr(app, "app_settings", lambda: settings)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)  # return at once instead of running
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert app.run(str(project_path), "budi") == 0
        assert settings.value("annotator") is None
        assert app.run(str(project_path), "budi", remember=True) == 0
        assert settings.value("annotator") == "budi"
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for widget in QApplication.topLevelWidgets():
            widget.close()
    project = Project.open(project_path)
    assert project.annotators() == []  # opening the window wrote nobody into the project
    project.close()
