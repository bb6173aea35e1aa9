"""The display check before the window starts (annotator/platform_check.py).

The reporting is tested on made-up ldd output and made-up child failures; the machine's own
libraries are never touched. One test starts the real command against a display that does not
exist, to see the message (and no abort) end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from annotator import platform_check
from annotator.platform_check import (
    Probe,
    describe_failure,
    distribution_of,
    install_commands,
    missing_libraries,
    needs_check,
)

LDD_XCB = """\
\tlinux-vdso.so.1 (0x00007ffd5b9e2000)
\tlibQt6XcbQpa.so.6 => /opt/venv/lib/python3.11/site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibGL.so.1 => /lib/x86_64-linux-gnu/libGL.so.1 (0x00007f2)
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-shape.so.0 => not found
\tlibxcb-xkb.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)
"""
QT_SAYS = """\
qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.
qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.
This application failed to start because no Qt platform plugin could be initialized.
"""


@pytest.mark.parametrize(("platform", "qpa", "expected"), [
    ("linux", None, True),
    ("linux", "xcb", True),
    ("linux", "wayland;xcb", True),
    ("linux", "wayland-egl", True),
    ("linux", "offscreen", False),
    ("linux", "minimal", False),
    ("linux", "offscreen;xcb", False),
    ("linux", "vnc:size=800x600", False),
    ("darwin", None, False),
    ("win32", "xcb", False),
])
def test_the_check_runs_only_where_a_display_server_is_needed(platform, qpa, expected):
    environ = {} if qpa is None else {"QT_QPA_PLATFORM": qpa}
    assert needs_check(environ, platform) is expected


def test_no_child_is_started_offscreen():
    assert platform_check.start({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_missing_libraries_are_read_from_ldd_once_each_in_order():
    assert missing_libraries(LDD_XCB) == ["libxkbcommon-x11.so.0", "libxcb-cursor.so.0", "libxcb-icccm.so.4",
                                          "libxcb-shape.so.0", "libxcb-xkb.so.1"]
    assert missing_libraries("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n") == []


@pytest.mark.parametrize(("os_release", "family"), [
    ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', "debian"),
    ('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', "debian"),
    ('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"),
    ('NAME="Fedora Linux"\nID=fedora\n', "fedora"),
    ('NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"),
    ('NAME="Arch Linux"\nID=arch\n', None),
    ("", None),
])
def test_distribution_family_from_os_release(os_release, family):
    assert distribution_of(os_release) == family


def test_install_line_for_this_distribution():
    missing = missing_libraries(LDD_XCB)
    assert install_commands(missing, "debian") == [
        "sudo apt install libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-shape0 libxcb-xkb1"]
    # Fedora packs the core xcb extensions into one package: named once.
    assert install_commands(missing, "fedora") == [
        "sudo dnf install libxkbcommon-x11 xcb-util-cursor xcb-util-wm libxcb"]
    both = install_commands(missing, None)
    assert [line.split(":")[0] for line in both] == ["Debian/Ubuntu", "Fedora"]


def test_message_names_what_is_missing_and_the_install_line():
    message = describe_failure(QT_SAYS, missing_libraries(LDD_XCB), "debian", {"DISPLAY": ":0"})
    lines = message.splitlines()
    assert lines[0].startswith("Error: the window cannot start")
    assert "libxcb-cursor.so.0" in lines[1] and "libxkbcommon-x11.so.0" in lines[1]
    assert "    sudo apt install libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-shape0 libxcb-xkb1" in lines
    assert "dnf" not in message
    assert "annotator --help" in lines[-1]


def test_message_for_a_library_without_a_known_package_says_how_to_find_it():
    message = describe_failure(QT_SAYS, ["libxcb-cursor.so.0", "libfoo.so.3"], "fedora", {"DISPLAY": ":0"})
    assert "sudo dnf install xcb-util-cursor" in message
    assert "Find the package of libfoo.so.3" in message


def test_message_when_qt_itself_is_broken():
    message = describe_failure(QT_SAYS, ["libQt6XcbQpa.so.6"], "debian", {"DISPLAY": ":0"})
    assert "reinstall" in message
    assert "apt install" not in message


def test_message_without_a_display():
    message = describe_failure("qt.qpa.xcb: could not connect to display\n" + QT_SAYS, [], "debian", {})
    assert "No display is set" in message
    assert "xcb-cursor0" not in message  # Qt's guess is not repeated when nothing is missing


def test_message_with_nothing_missing_quotes_qt():
    message = describe_failure("qt.qpa.xcb: could not connect to display :7\n" + QT_SAYS, [], None, {"DISPLAY": ":7"})
    assert "The display ':7' cannot be reached" in message
    assert "Qt said:" in message
    assert "    qt.qpa.xcb: could not connect to display :7" in message
    assert "    This application failed to start because no Qt platform plugin could be initialized." in message


def child(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def test_a_failed_child_is_reported_with_ldd_findings(monkeypatch):
    monkeypatch.setattr(platform_check, "platform_plugins", lambda environ: [])
    monkeypatch.setattr(platform_check, "ldd_report", lambda plugins: LDD_XCB)
    monkeypatch.setattr(platform_check, "distribution", lambda: "debian")
    probe = Probe(child(f"import sys; sys.stderr.write({QT_SAYS!r}); sys.exit(134)"), {"DISPLAY": ":0"})
    message = probe.problem()
    assert message is not None
    assert "sudo apt install libxkbcommon-x11-0 libxcb-cursor0" in message


def test_a_child_that_starts_means_no_problem(monkeypatch):
    monkeypatch.setattr(platform_check, "ldd_report", lambda plugins: pytest.fail("ldd runs only after a failure"))
    assert Probe(child("pass"), {"DISPLAY": ":0"}).problem() is None


def test_the_window_is_not_started_when_the_check_fails(monkeypatch):
    from annotator import __main__ as entry

    class FailedProbe:
        def problem(self):
            return "Error: the window cannot start: Qt cannot open a display here."

    monkeypatch.setattr(platform_check, "start", lambda: FailedProbe())
    with pytest.raises(SystemExit, match="cannot open a display") as raised:
        entry.launch_window(None, "ana")
    assert raised.value.code != 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check runs on Linux only")
def test_a_display_that_does_not_exist_gives_the_message_not_an_abort(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "WAYLAND_DISPLAY"}
    env.update(QT_QPA_PLATFORM="xcb", DISPLAY=":4242", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "annotator", str(tmp_path / "p.annotator"), "--annotator", "ana"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the window cannot start: Qt cannot open a display here.")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p.annotator").exists()  # nothing was started
