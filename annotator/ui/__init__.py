"""The PySide6 GUI: the only package that imports Qt.

``from annotator.ui import MainWindow, ExportOptions`` is part of the testing contract (README).
"""

from annotator.ui.dialogs.export_dialog import ExportOptions
from annotator.ui.main_window import MainWindow

__all__ = ["ExportOptions", "MainWindow"]
