"""What users install: the wheel, the desktop file, the AppStream metadata and the icons.

The wheel test builds the wheel from a copy of the sources, installs it (not editable) into a
fresh venv and runs packaging/smoke_check.py on its ``annotator`` command. The fresh venv borrows
the third-party packages of the venv running the tests through a plain path line in a .pth file:
installing PySide6 again would take minutes, and a plain path line does not run that folder's
own .pth files, so the editable install of this checkout stays out of sight.
"""

from __future__ import annotations

import configparser
import importlib.metadata
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from annotator import __version__

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "org.stanceannotator.StanceAnnotator"
DESKTOP = ROOT / "resources" / "desktop" / f"{APP_ID}.desktop"
METAINFO = ROOT / "resources" / "desktop" / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons" / "hicolor"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.packaging
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    setuptools = importlib.metadata.version("setuptools")
    assert int(setuptools.split(".")[0]) >= 77, f"setuptools {setuptools}: `make test` installs the test extras"
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info into the tree
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("annotator", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", tmp_path / "wheels", source], tmp_path)
    (wheel,) = (tmp_path / "wheels").glob("stance_annotator-*.whl")
    assert wheel.name.startswith(f"stance_annotator-{__version__}-py3-none-any")

    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(str(p.parent.relative_to(ROOT)) for p in (ROOT / "annotator").rglob("__init__.py"))
    assert [p for p in packages if f"{p}/__init__.py" not in names] == []  # every package, found by itself
    shipped = [f"annotator/resources/{p.relative_to(ROOT / 'resources')}" for p in (ROOT / "resources").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts]
    assert [p for p in shipped if p not in names] == []  # codebooks, samples, icons, desktop files
    assert not [n for n in names if n.startswith(("tests/", "resources/", "bench/", "packaging/"))]

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(run([python, "-c", purelib], tmp_path).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
        tmp_path)

    files = "import annotator, annotator.resources as r; print(annotator.__file__); print(r.__file__)"
    where = run([python, "-c", files], tmp_path).stdout.split()
    assert all(Path(path).is_relative_to(site) for path in where), where  # the wheel's copy, not the checkout

    smoke = run([sys.executable, ROOT / "packaging" / "smoke_check.py", venv / "bin" / "annotator"], tmp_path)
    assert smoke.stdout.count("\nok  ") == 4 and "smoke check passed" in smoke.stdout, smoke.stdout


def test_setuptools_can_read_the_licence_string():
    # setuptools reads `license = "MIT"` (an SPDX expression) from 77 on.
    requires = PYPROJECT["build-system"]["requires"]
    assert requires == ["setuptools>=77"]
    assert PYPROJECT["project"]["license"] == "MIT"


def test_icons_exist_in_every_size_they_claim():
    svg = ET.parse(ICONS / "scalable" / "apps" / f"{APP_ID}.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    for size in ICON_SIZES:
        png = (ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
        assert struct.unpack(">II", png[16:24]) == (size, size)
    folders = {p.name for p in ICONS.iterdir()}
    assert folders == {"scalable", *(f"{s}x{s}" for s in ICON_SIZES)}


def test_desktop_file():
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "error" not in result.stdout, result.stdout
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    fields = entry["Desktop Entry"]
    assert fields["Type"] == "Application"
    assert fields["Name"] == "Stance Annotator"
    assert fields["Icon"] == APP_ID
    assert fields["Terminal"] == "false"
    assert fields["Categories"].endswith(";")
    assert fields["Exec"].split()[0] in PYPROJECT["project"]["scripts"]  # the command pip installs


def test_appstream_metainfo():
    if shutil.which("appstreamcli"):
        result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    text = {tag: (root.findtext(tag) or "").strip() for tag in
            ("id", "metadata_license", "project_license", "name", "summary")}
    assert text["id"] == APP_ID
    assert text["metadata_license"] == "CC0-1.0"
    assert text["project_license"] == PYPROJECT["project"]["license"]
    assert text["name"] == "Stance Annotator"
    assert text["summary"] and not text["summary"].endswith(".")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    rating = root.find("content_rating")
    assert rating is not None and rating.get("type", "").startswith("oars-")
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == __version__  # newest first
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r.get("date", "")) for r in releases)


def test_the_window_uses_the_icon(qapp):
    from annotator.ui.app import APP_ID as WINDOW_APP_ID
    from annotator.ui.app import application_icon

    assert WINDOW_APP_ID == APP_ID
    sizes = sorted(size.width() for size in application_icon().availableSizes())
    assert sizes == list(ICON_SIZES)
