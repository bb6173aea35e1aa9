"""Making or migrating a project loads sqlite-utils without the pandas and numpy it would import
when they are installed (0.4 s of every ``annotator import`` into a new project); other threads,
and this one afterwards, import them as usual."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from annotator.store import store as store_module


def test_a_new_project_is_made_without_loading_pandas_or_numpy(tmp_path):
    pytest.importorskip("numpy")
    script = textwrap.dedent(f"""
        import sys
        from annotator.store.store import Store
        Store.open({str(tmp_path / "new.annotator")!r}).close()
        assert "sqlite_utils" in sys.modules
        assert "pandas" not in sys.modules and "numpy" not in sys.modules, "loaded"
        import numpy  # and later on, as usual
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_only_the_migrating_thread_is_refused():
    name = "tabnanny"  # any installed module nothing has loaded yet
    if name in sys.modules:
        pytest.skip(f"{name} is loaded already")
    found: list[object] = []
    refuse = store_module._Refuse([name])
    sys.meta_path.insert(0, refuse)
    try:
        with pytest.raises(ModuleNotFoundError, match=name):
            __import__(name)
        thread = threading.Thread(target=lambda: found.append(__import__(name)))
        thread.start()
        thread.join()
    finally:
        sys.meta_path.remove(refuse)
        sys.modules.pop(name, None)
    assert [module.__name__ for module in found] == [name]  # type: ignore[attr-defined]


def test_msgspec_loads_when_a_jsonl_file_is_read_not_with_the_window_or_a_project(tmp_path):
    # msgspec (JSONL import) takes ~40 ms to load, which a window's start should not spend.
    script = textwrap.dedent(f"""
        import sys
        from annotator.ui import MainWindow
        from annotator.project import Project
        Project.open({str(tmp_path / "p.annotator")!r}).close()
        assert "msgspec" not in sys.modules, "loaded at start"
        from annotator.io import jsonio
        path = {str(tmp_path / "a.jsonl")!r}
        open(path, "w").write('{{"text": "a"}}\\n')
        assert [value for _, value, _ in jsonio.json_lines(path, None)] == [{{"text": "a"}}]
        assert "msgspec" in sys.modules
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
