"""``python -m annotator`` runs the command line (which opens the window without a subcommand)."""

from annotator.cli import main

if __name__ == "__main__":
    main()
