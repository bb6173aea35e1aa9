"""Every command is documented in the README and has help text."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from annotator.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize(("name", "command"), list(all_commands(cli)))
def test_command_is_documented_and_has_help(name, command):
    assert command.help, name
    assert f"annotator {name}" in README or f"`{name}`" in README, name
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help or param.name in ("fmt",), (name, param.name)
            assert any(opt in README for opt in param.opts), (name, param.opts)


def test_every_test_docs_reliability_names_exists():
    """docs/reliability.md names the test behind each guarantee; a renamed or deleted test must
    not leave a promise without its proof."""
    import re

    root = Path(__file__).parent.parent
    page = (root / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = re.findall(r"`((?:[\w]+/)*test_\w+\.py)(?:::(test_\w+))?`|`::(test_\w+)`", page)
    assert len(named) > 30
    current = None
    for path, test, continued in named:
        if path:
            current = root / "tests" / path
            assert current.is_file(), path
        name = test or continued
        if name:
            assert current is not None
            assert re.search(rf"^def {name}\(", current.read_text(encoding="utf-8"), re.M), (current.name, name)
    assert "reliability.md" in README
