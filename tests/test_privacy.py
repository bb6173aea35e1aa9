"""Privacy: the app fetches nothing and writes nothing outside the project, its backups, its
settings and the files the user chose. Checked on the real entry point in a child process with
a home of its own, every network connection refused and recorded, and every file listed after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLE

# Loaded by the child's interpreter before anything else (PYTHONPATH): any attempt to reach the
# network is written down and refused.
SITECUSTOMIZE = '''
import os, socket
_log = os.environ["NETWORK_LOG"]
def _refuse(self, address, *args, **kwargs):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        with open(_log, "a") as out:
            out.write(repr(address) + "\\n")
        raise OSError("network refused by the privacy test")
    return _connect(self, address, *args, **kwargs)
_connect = socket.socket.connect
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
'''


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_working_session_fetches_nothing_and_writes_only_where_it_should(tmp_path):
    home, work, hooks = tmp_path / "home", tmp_path / "work", tmp_path / "hooks"
    for folder in (home, work, hooks):
        folder.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    network_log = tmp_path / "network.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "STANCE_ANNOTATOR"))}
    env.update(HOME=str(home), PYTHONPATH=str(hooks), NETWORK_LOG=str(network_log), QT_QPA_PLATFORM="offscreen",
               TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    article = work / "artikel.txt"
    article.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    project = work / "news.annotator"

    def annotator(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "annotator", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    annotator("import", str(project), str(article))
    annotator("export", str(project), "--format", "csv", "-o", str(work / "out.csv"))
    assert json.loads(annotator("stats", str(project), "--json"))["articles"] == 1
    annotator("backup", str(project))
    annotator("open", str(project), "--annotator", "ana", "--quit-after-start")

    assert not network_log.exists(), network_log.read_text()
    # In the working folder: the article chosen, the project (SQLite may leave its journal
    # files while open, none after), and the export chosen.
    assert files_under(work) == {"artikel.txt", "news.annotator", "out.csv"}
    # In the home folder: settings and backups only, in the app's own folders.
    for name in files_under(home):
        assert name.startswith((".config/StanceAnnotator/", ".local/share/StanceAnnotator/backups/")), name
    assert any("backups" in name for name in files_under(home))
    assert files_under(tmp_path / "tmp") == set()
