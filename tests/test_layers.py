"""Only annotator/ui imports Qt; lower layers never import higher ones.

lint-imports checks the same contracts from pyproject.toml in `make test`; this test keeps
the rule even where import-linter is not installed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "annotator"
ORDER = {"model": 0, "store": 1, "io": 1, "review": 1, "project": 2, "cli": 3, "ui": 3, "__main__": 4}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def layer_of(module_path: Path) -> str | None:
    parts = module_path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0] if parts and parts[0] in ORDER else None


SOURCES = [p for p in PACKAGE.rglob("*.py")]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers(path):
    layer = layer_of(path)
    for name in imports_of(path):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            assert layer == "ui", f"{path} imports Qt"
        if name.startswith("sqlite_utils"):
            assert layer == "store", f"{path} imports sqlite_utils"
        if name.startswith("annotator.") and layer is not None:
            target = name.split(".")[1]
            if target in ORDER and target != layer:
                assert ORDER[target] < ORDER[layer], f"{path} ({layer}) imports {name}"
