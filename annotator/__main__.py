"""Entry point of the ``annotator`` command and ``python -m annotator``.

It sits above both the CLI and the GUI: it gives the CLI's ``open`` command a way to start the
window, so that ``annotator.cli`` itself never imports Qt.
"""

from __future__ import annotations

from annotator import cli


def launch_window(project: str | None, annotator_name: str | None, remember: bool = False) -> int:
    try:
        from annotator.ui.app import run
    except ImportError as error:  # e.g. Qt's system libraries missing on a server
        raise SystemExit(f"Error: the window cannot start: {error}") from None
    return run(project, annotator_name, remember=remember)


def main() -> None:
    cli.launch_window = launch_window
    cli.main()


if __name__ == "__main__":
    main()
