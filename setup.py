"""Only what pyproject.toml cannot say: the packages list.

Every package under annotator/ is found automatically, plus ``annotator.resources``, which lives
in the top-level resources/ folder (mapped by ``package-dir`` in pyproject.toml). pyproject's
``[tool.setuptools.packages.find]`` discovers packages by their folder names only, so it can
find annotator.* but not add the renamed resources/ package beside them.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["annotator", "annotator.*"]), "annotator.resources"])
