"""Hub passwords: never in the project file. They come from the caller (a prompt, a file), the
platform keyring (``keyring``), or libpq's own places (``PGPASSWORD``, the password file
``~/.pgpass``), in that order. A keyring that is missing or locked is not an error: the next
place is tried."""

from __future__ import annotations

import logging

from annotator.team.address import url_without_password

SERVICE = "stance-annotator-hub"
_log = logging.getLogger(__name__)


def saved_password(url: str) -> str | None:
    """The password the keyring holds for this hub address, if any."""
    try:
        import keyring

        return keyring.get_password(SERVICE, url_without_password(url))
    except Exception as error:  # no backend, locked, D-Bus missing: all mean "not there"
        _log.debug("keyring not usable: %s", error)
        return None


def save_password(url: str, password: str) -> bool:
    """Keep the password in the keyring; False when there is no usable keyring."""
    try:
        import keyring

        keyring.set_password(SERVICE, url_without_password(url), password)
        return True
    except Exception as error:
        _log.debug("keyring not usable: %s", error)
        return False
