"""Hub addresses and the errors of talking to a hub; light to import (``psycopg`` is loaded
only when an address in ``key=value`` form is parsed), so that starting the program does not
load the database driver."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from annotator.model.errors import AnnotatorError


class HubError(AnnotatorError):
    """A hub could not be used: unreachable, not a hub, or another project's."""


class HubOffline(HubError):
    """The hub's server cannot be reached (network, server down, wrong address)."""


class HubRefused(HubError):
    """The hub refused: wrong password, not a member, or not allowed to do this."""


class HubLoginRefused(HubRefused):
    """The login itself failed (no password, a wrong one, an unknown user): asking for the
    password may help, unlike other refusals."""


def url_without_password(url: str) -> str:
    """The URL (or ``key=value`` string) as it may be stored: without its password."""
    if "://" in url and "password=" not in url:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    from psycopg import conninfo

    params = conninfo.conninfo_to_dict(url)
    params.pop("password", None)
    return conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def url_user(url: str) -> str | None:
    """The user a URL logs in as, if it names one."""
    import psycopg

    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("user")  # type: ignore[return-value]
    except psycopg.ProgrammingError as error:
        raise HubError(f"not a PostgreSQL address: {url_without_password(url)} ({error})") from error




def url_password(url: str) -> str | None:
    """The password written into a URL, if any (it is used, then kept only in the keyring)."""
    import psycopg

    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password")  # type: ignore[return-value]
    except psycopg.ProgrammingError:
        return None
