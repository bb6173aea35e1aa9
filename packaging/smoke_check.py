"""Run an installed ``annotator`` executable as a user would, and say whether it works.

    python packaging/smoke_check.py dist/stance-annotator/annotator   # the bundle (make dist-check)
    python packaging/smoke_check.py /some/venv/bin/annotator          # a wheel (tests/test_packaging.py)

Four steps: ``--version`` names this checkout's version; a text file and an HTML page go in
with ``annotator import`` and come back out of ``annotator export`` (text byte for byte,
language detected, the page's title found); ``annotator team join`` of a hub nobody runs says
in one line that it cannot reach it (so the PostgreSQL driver and its libpq load); the window
starts offscreen and quits (``--quit-after-start``). Everything happens in a temporary folder
with its own HOME, settings and data folders. One line per step; exit status 1 at the first
failure. Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTE = ("Menteri Luar Negeri Rusia Sergei Lavrov memuji «kerja sama strategis» dengan Korea Utara "
        "— kata Choe Son Hui 🇷🇺🇰🇵 di Moskwa.\n")
TITLE = "Lavrov dan Choe bertemu di Moskwa"
PAGE = f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{TITLE}</title></head>
<body><article><h1>{TITLE}</h1>
<p>Menteri Luar Negeri Rusia Sergei Lavrov menerima Menteri Luar Negeri Korea Utara Choe Son Hui
di Moskwa pada hari Selasa. Keduanya memuji kerja sama kedua negara yang disebut semakin erat.</p>
<p>Lavrov mengatakan bahwa Rusia akan terus mengembangkan hubungan dengan Pyongyang di semua
bidang, termasuk bidang-bidang yang sensitif, dan menolak tekanan dari negara-negara Barat.</p>
</article></body></html>
"""


class Failed(Exception):
    """A step did not give what a user would expect."""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run one command; its stdout, or Failed with what it printed."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0 or "Traceback" in result.stderr:
        raise Failed(f"`{' '.join(command[1:])}` exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def expected_version() -> str:
    found = re.search(r'__version__ = "([^"]+)"', (ROOT / "annotator" / "__init__.py").read_text(encoding="utf-8"))
    if not found:
        raise Failed("no __version__ in annotator/__init__.py")
    return found.group(1)


def check(executable: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="annotator-smoke-") as scratch:
        work = Path(scratch)
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(HOME=scratch, XDG_CONFIG_HOME=f"{scratch}/config", XDG_DATA_HOME=f"{scratch}/data",
                   XDG_CACHE_HOME=f"{scratch}/cache")
        exe = str(executable)

        started = time.perf_counter()
        said = run([exe, "--version"], work, env).strip()
        if expected_version() not in said.split():
            raise Failed(f"--version said {said!r}, expected {expected_version()}")
        step("version", said, started)

        started = time.perf_counter()
        (work / "note.txt").write_text(NOTE, encoding="utf-8")
        (work / "page.html").write_text(PAGE, encoding="utf-8")
        run([exe, "import", "p.annotator", "note.txt", "page.html"], work, env)
        run([exe, "export", "p.annotator", "-o", "out.jsonl"], work, env)
        records = [json.loads(line) for line in (work / "out.jsonl").read_text(encoding="utf-8").splitlines()]
        note = [r for r in records if r["text"] == NOTE]
        page = [r for r in records if r.get("title") == TITLE]
        if len(records) != 2 or not note or not page:
            raise Failed(f"import -> export gave {records!r}")
        if note[0].get("language") != "id":
            raise Failed(f"language of the note: {note[0].get('language')!r}, expected 'id'")
        # The JSONL reader (msgspec, loaded only when a JSONL file is read) reads it back the same.
        run([exe, "import", "q.annotator", "out.jsonl"], work, env)
        run([exe, "export", "q.annotator", "-o", "again.jsonl"], work, env)
        again = [json.loads(line) for line in (work / "again.jsonl").read_text(encoding="utf-8").splitlines()]
        if again != records:
            raise Failed(f"the export imported and exported again gave {again!r}, not {records!r}")
        step("import -> export", "a .txt (text byte for byte, language id) and an .html (title, text), "
             "and that JSONL back", started)

        started = time.perf_counter()
        # Port 1 on this machine: nothing listens, so the driver fails at once, after loading.
        result = subprocess.run([exe, "team", "join", "j.annotator", "postgresql://smoke@127.0.0.1:1/hub"],
                                cwd=work, env=env, capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 1 or "cannot reach the hub" not in result.stderr or "Traceback" in result.stderr:
            raise Failed(f"`team join` of an unreachable hub exited with {result.returncode}:\n"
                         f"{result.stdout}{result.stderr}")
        if (work / "j.annotator").exists():
            raise Failed("`team join` of an unreachable hub left a project file behind")
        step("team hub driver", "an unreachable hub is one line, no file made", started)

        started = time.perf_counter()
        run([exe, "open", "p.annotator", "--annotator", "smoke", "--quit-after-start"], work,
            {**env, "QT_QPA_PLATFORM": "offscreen"})
        step("window", "started offscreen and quit", started)


def step(name: str, detail: str, started: float) -> None:
    print(f"ok  {name:<17} {detail} ({time.perf_counter() - started:.1f} s)", flush=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    executable = Path(argv[1]).absolute()
    if not os.access(executable, os.X_OK):
        print(f"FAILED: {executable} is not an executable", file=sys.stderr)
        return 1
    print(f"smoke check of {executable}", flush=True)
    try:
        check(executable)
    except (Failed, subprocess.TimeoutExpired) as problem:
        print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    print("smoke check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
