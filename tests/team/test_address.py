"""Hub addresses are stored without their password, whichever way the password was written."""

from __future__ import annotations

from annotator.team.address import url_password, url_user, url_without_password


def test_a_password_in_a_url_is_dropped_and_the_rest_kept():
    url = "postgresql://ana:s3cr%40t@db.example.org:5433/stance?sslmode=require"
    assert url_without_password(url) == "postgresql://ana@db.example.org:5433/stance?sslmode=require"
    assert url_password(url) == "s3cr@t" and url_user(url) == "ana"


def test_a_password_in_the_query_or_in_key_value_form_is_dropped():
    for url in ("postgresql://ana@db.example.org/stance?password=s3cret&sslmode=require",
                "host=db.example.org dbname=stance user=ana password=s3cret"):
        stored = url_without_password(url)
        assert "s3cret" not in stored and "ana" in stored and "stance" in stored
        assert url_password(url) == "s3cret"


def test_an_address_without_a_password_is_kept_as_written():
    url = "postgresql://ana@/stance?host=/tmp/pg"
    assert url_without_password(url) == url and url_password(url) is None
