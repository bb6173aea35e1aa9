"""What the bundled executable runs: PyInstaller's entry script (see stance-annotator.spec)."""

import multiprocessing
import os

from annotator import platform_check

if __name__ == "__main__":
    # Agreement over many articles runs in spawned worker processes; in a frozen app they start
    # this executable again, and this routes them to their work.
    multiprocessing.freeze_support()
    if os.environ.get(platform_check.PROBE_ENV) == "1":
        # The display check's child (annotator/platform_check.py): `-c` is no option here.
        exec(platform_check.PROBE_CODE)
    else:
        from annotator.__main__ import main

        main()
