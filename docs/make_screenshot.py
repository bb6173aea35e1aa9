"""Render the window offscreen on the sample article with a few spans -> docs/screenshot.png,
the same window at 1024×700 -> docs/window-1024x700.png, review mode comparing two annotators ->
docs/review.png, and the agreement dashboard -> docs/dashboard.png.

    .venv/bin/python docs/make_screenshot.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QTabWidget

from annotator.model.commands import AddSpan, SetDocLabel, SetStatus, UpdateSpan
from annotator.project import Project
from annotator.ui import MainWindow
from annotator.ui.app import import_samples
from annotator.ui.dialogs.dashboard import AgreementDashboard

OUTPUT = Path(__file__).parent / "screenshot.png"
SMALL = Path(__file__).parent / "window-1024x700.png"
REVIEW = Path(__file__).parent / "review.png"
DASHBOARD = Path(__file__).parent / "dashboard.png"
BUDI = [
    ("menentang kekuatan \"imperialis\" pimpinan Amerika Serikat (AS)", "Anti-imperialist framing"),
    ("memuji upaya memperkuat kerja sama bilateral", "Cooperation praise"),
    ("menciptakan ancaman keamanan bagi DPRK", "Bloc / NATO criticism"),
    ("operasi militer khusus", "Euphemism / loaded term"),
    ("Lavrov mengkritik AS", "Blame / threat attribution"),
]
SPANS = [
    ("\"Kami akan terus menyerukan penolakan terhadap langkah apa pun yang mengarah pada eskalasi "
     "dan meningkatkan ketegangan,\"", "Quotation", {"speaker": "Lavrov", "voice": "direct quote"}),
    ("menyerukan penolakan terhadap langkah apa pun yang mengarah pada eskalasi",
     "Call for de-escalation / negotiation", {}),
    ("menentang kekuatan \"imperialis\" pimpinan Amerika Serikat (AS)", "Anti-imperialist framing", {"target": "AS"}),
    ("memuji upaya memperkuat kerja sama bilateral", "Cooperation praise", {}),
    ("menciptakan ancaman keamanan bagi DPRK", "Blame / threat attribution", {"target": "AS"}),
    ("memperluas infrastruktur NATO", "Bloc / NATO criticism", {}),
    ("operasi militer khusus", "Euphemism / loaded term", {}),
]


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    folder = Path(tempfile.mkdtemp(prefix="screenshot-"))
    path = folder / "demo.annotator"
    project = Project.open(path)
    import_samples(project)  # with their titles, as the demo project has them
    article_id = next(a.id for a in project._store.iter_articles() if a.text.startswith("Mengutip"))
    text = project._store.article_text(article_id)
    first_uuid = None
    for phrase, label, attributes in SPANS:
        start = text.index(phrase)
        command = AddSpan(article_id, "ana", start, start + len(phrase), label, attributes=attributes)
        project.execute(command)
        first_uuid = first_uuid or command.uuid
    project.execute(UpdateSpan(first_uuid, note="Lavrov, opening remarks (MFA recording)"))
    project.execute(SetDocLabel(article_id, "ana", "Overall: aligned with the quoted officials", True))
    for phrase, label in BUDI:  # a colleague who agrees on some spans and not on others
        start = text.index(phrase)
        project.execute(AddSpan(article_id, "budi", start, start + len(phrase), label))
    for name in ("ana", "budi"):
        project.execute(SetStatus(article_id, name, "done"))
    agreement, distribution = project.agreement(annotators=["ana", "budi"]), project.label_distribution()
    project.close()
    window = MainWindow(str(path), "ana", settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1400, 820)
    window.show()
    window.open_article(article_id)
    window.document_view.select_span(first_uuid)
    window._show_span_details()
    app.processEvents()
    window.grab().save(str(OUTPUT))
    window.resize(1024, 700)
    app.processEvents()
    window.grab().save(str(SMALL))
    window.resize(1400, 820)
    window.set_review(["ana", "budi"])
    window.review_table.selectRow(0)
    app.processEvents()
    window.grab().save(str(REVIEW))
    dashboard = AgreementDashboard(agreement, distribution, window.dialogs, window)
    dashboard.resize(900, 640)
    dashboard.show()
    dashboard.findChild(QTabWidget).setCurrentIndex(1)
    app.processEvents()
    dashboard.grab().save(str(DASHBOARD))
    dashboard.close()
    window.close()
    for output in (OUTPUT, SMALL, REVIEW, DASHBOARD):
        print(f"wrote {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
