"""Bench projects kept in the temp folder between runs: built once, then reused."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def cached_project(name: str, build: Callable[[Path], str], fresh: bool) -> Path:
    """``stance-annotator-bench/NAME`` in the temp folder, built by ``build(path)`` when missing
    or ``fresh`` (into a partial file renamed when done, so a killed build is never reused);
    ``build`` returns what it built, for the message."""
    folder = Path(tempfile.gettempdir()) / "stance-annotator-bench"
    folder.mkdir(exist_ok=True)
    path = folder / name
    if fresh or not path.exists():
        partial = folder / ("building-" + path.name)
        for stale in [*folder.glob(path.name + "*"), *folder.glob(partial.name + "*")]:
            stale.unlink()
        started = time.perf_counter()
        built = build(partial)
        partial.replace(path)  # closed, checkpointed: the WAL is gone, the file is whole
        print(f"built {built} in {time.perf_counter() - started:.1f} s: {path}", flush=True)
    else:
        print(f"reusing {path} (--fresh rebuilds it)", flush=True)
    return path
