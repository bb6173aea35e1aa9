"""Entry point of the ``annotator`` command and ``python -m annotator``.

It sits above both the CLI and the GUI: it gives the CLI's ``open`` command a way to start the
window, so that ``annotator.cli`` itself never imports Qt.
"""

from __future__ import annotations

from annotator import cli, platform_check


def launch_window(project: str | None, annotator_name: str | None, remember: bool = False,
                  quit_after_start: bool = False) -> int:
    # The display check's child process (about 0.15 s) runs while the window's modules import
    # (about half a second), so the start does not wait for it.
    probe = platform_check.start()
    try:
        from annotator.ui.app import run
    except ImportError as error:  # e.g. Qt's system libraries missing on a server
        problem = probe.problem() if probe is not None else None
        raise SystemExit(problem or f"Error: the window cannot start: {error}") from None
    if probe is not None and (problem := probe.problem()):
        raise SystemExit(problem)
    return run(project, annotator_name, remember=remember, quit_after_start=quit_after_start)


def main() -> None:
    cli.launch_window = launch_window
    cli.main()


if __name__ == "__main__":
    main()
