"""Render the application icon's SVG into the PNG sizes desktops and the window use.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py

Writes resources/icons/hicolor/NxN/apps/<app id>.png (the hicolor theme layout, so the folder
can be copied into ~/.local/share/icons as it is). The PNGs are committed; run this again after
changing the SVG.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

APP_ID = "org.stanceannotator.StanceAnnotator"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons" / "hicolor"


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # QSvgRenderer needs one for fonts and painting
    renderer = QSvgRenderer(str(ICONS / "scalable" / "apps" / f"{APP_ID}.svg"))
    if not renderer.isValid():
        print("the SVG does not parse", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            print(f"could not write {target}", file=sys.stderr)
            return 1
        print(target.relative_to(ICONS.parent.parent.parent))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
