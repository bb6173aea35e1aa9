"""Before the window starts: can Qt's display plugin load on this machine?

Without the X11 (xcb) or Wayland system libraries that Qt needs, creating the ``QApplication``
aborts the whole process with Qt's long message, which names the wrong library as often as the
right one. So on Linux the start first creates a ``QGuiApplication`` in a short child process
with the same environment; if that fails, the missing libraries (``ldd`` on the platform plugin)
and the install command for this distribution are printed and the start stops with status 1.

To cost next to nothing, the child runs while the parent imports the window's modules
(``start`` now, ``Probe.problem`` just before the ``QApplication``). The check is skipped where
it cannot fail that way: other systems, and platforms drawing to no screen (offscreen, minimal).

This module never imports Qt (only ``annotator.ui`` does); the child does.

To use it::

    probe = platform_check.start()          # None when no check is needed
    ...                                     # import the window's modules meanwhile
    if probe is not None and (problem := probe.problem()):
        raise SystemExit(problem)
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROBE_CODE = "import sys\nfrom PySide6.QtGui import QGuiApplication\nQGuiApplication(sys.argv[:1])\n"
"""What the child runs: connecting to the display happens in the constructor."""

PROBE_ENV = "ANNOTATOR_PLATFORM_PROBE"
"""Set for the child of a frozen app (PyInstaller), whose executable cannot run ``-c``: its entry
script runs ``PROBE_CODE`` instead of the app when it sees this variable."""

PROBE_TIMEOUT = 20.0
"""Seconds to wait for the child; past that the start goes on and Qt speaks for itself."""

# Shared library -> (Debian/Ubuntu package, Fedora package), for the libraries Qt's xcb and
# Wayland plugins load (Debian names checked with dpkg -S on Debian 12).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}

OFF_SCREEN = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
"""Platforms that need no display server: nothing to check."""


def needs_check(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt would start on a display server (xcb or Wayland): Linux, and
    ``QT_QPA_PLATFORM`` unset or naming xcb or wayland first."""
    if not platform.startswith("linux"):
        return False
    first = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    return not first or first.startswith(("xcb", "wayland"))


@dataclass
class Probe:
    """The running child; ``problem()`` waits for it."""

    process: subprocess.Popen[str]
    environ: Mapping[str, str]

    def problem(self, timeout: float = PROBE_TIMEOUT) -> str | None:
        """None if Qt can start here (or the child took too long to tell), else the message to
        print before exiting with status 1."""
        try:
            _, output = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return None
        if self.process.returncode == 0:
            return None
        return describe_failure(output, missing_libraries(ldd_report(platform_plugins(self.environ))),
                                distribution(), self.environ)


def start(environ: Mapping[str, str] | None = None) -> Probe | None:
    """Start the child that creates a ``QGuiApplication``, or return None when no check is
    needed (see ``needs_check``) or the child cannot be started."""
    environ = os.environ if environ is None else environ
    if not needs_check(environ) or not sys.executable:
        return None
    env = dict(environ)
    if getattr(sys, "frozen", False):
        command = [sys.executable]
        env[PROBE_ENV] = "1"
    else:
        command = [sys.executable, "-c", PROBE_CODE]
    try:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, errors="replace")
    except OSError:
        return None
    return Probe(process, environ)


def platform_plugins(environ: Mapping[str, str]) -> list[Path]:
    """The Qt platform plugins the start may use: xcb, and Wayland's when asked for or in a
    Wayland session."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    wanted = environ.get("QT_QPA_PLATFORM", "")
    names = ["libqxcb.so"] if not wanted or "xcb" in wanted else []
    if "wayland" in wanted or (not wanted and environ.get("WAYLAND_DISPLAY")):
        names += sorted(path.name for path in folder.glob("libqwayland*.so"))
    return [folder / name for name in names if (folder / name).exists()]


def ldd_report(plugins: list[Path]) -> str:
    """``ldd``'s output for the plugins (it follows their dependencies, e.g. libQt6XcbQpa's),
    or "" where ldd is missing."""
    output = []
    for plugin in plugins:
        try:
            result = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        output.append(result.stdout)
    return "".join(output)


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ldd reports as ``not found``, each once, in order."""
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", ldd_output, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


def distribution(os_release: Path = Path("/etc/os-release")) -> str | None:
    """``"debian"`` (Debian, Ubuntu, Mint ...) or ``"fedora"`` (Fedora, RHEL ...), or None."""
    try:
        text = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return distribution_of(text)


def distribution_of(os_release: str) -> str | None:
    """The family named by an os-release file's ``ID`` and ``ID_LIKE``."""
    fields = dict(re.findall(r'^(ID|ID_LIKE)="?([^"\n]*)"?$', os_release, flags=re.MULTILINE))
    ids = f"{fields.get('ID', '')} {fields.get('ID_LIKE', '')}".split()
    if any(name in ("debian", "ubuntu") for name in ids):
        return "debian"
    if any(name in ("fedora", "rhel", "centos") for name in ids):
        return "fedora"
    return None


def install_commands(missing: list[str], family: str | None) -> list[str]:
    """The install line(s) for the known libraries: this distribution's, or both when unknown."""
    lines = []
    for name, column, tool in (("debian", 0, "sudo apt install"), ("fedora", 1, "sudo dnf install")):
        packages = list(dict.fromkeys(PACKAGES[lib][column] for lib in missing if lib in PACKAGES))
        if packages and family in (name, None):
            label = "" if family else ("Debian/Ubuntu: " if name == "debian" else "Fedora: ")
            lines.append(f"{label}{tool} {' '.join(packages)}")
    return lines


def describe_failure(qt_output: str, missing: list[str], family: str | None, environ: Mapping[str, str]) -> str:
    """The message for a failed probe: what is missing and how to install it, or, with nothing
    missing, the likely cause (no display) and what Qt said."""
    lines = ["Error: the window cannot start: Qt cannot open a display here."]
    if missing:
        lines.append("These system libraries are missing: " + ", ".join(missing))
        commands = install_commands(missing, family)
        if commands:
            lines.append("Install them with:")
            lines += [f"    {command}" for command in commands]
        unknown = [lib for lib in missing if lib not in PACKAGES]
        if any(lib.startswith(("libQt6", "libpyside6", "libshiboken6")) for lib in unknown):
            lines.append("Qt's own libraries are missing: reinstall the app "
                         "(or `pip install --force-reinstall PySide6`).")
        elif unknown:
            lines.append(f"Find the package of {', '.join(unknown)} with `apt-file search NAME` "
                         "or `dnf provides '*/NAME'`.")
    elif not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        lines.append("No display is set (DISPLAY and WAYLAND_DISPLAY are empty): start it in a desktop session, "
                     "or over `ssh -X`.")
    else:
        if "could not connect to display" in qt_output:
            lines.append(f"The display {environ.get('DISPLAY', '')!r} cannot be reached: is its X server running, "
                         "and may you use it (XAUTHORITY)?")
        said = [line for line in qt_output.strip().splitlines() if line.strip()][:8]
        lines.append("Qt said:")
        lines += [f"    {line}" for line in said] or ["    (nothing)"]
    lines.append("The command line works without a display (`annotator --help`); "
                 "QT_QPA_PLATFORM=offscreen starts the window without showing it.")
    return "\n".join(lines)
