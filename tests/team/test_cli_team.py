"""The documented `annotator team …` and `annotator sync` forms, run as a script would."""

from __future__ import annotations

import json

from click.testing import CliRunner

from annotator.cli import cli
from annotator.model.commands import AddSpan
from annotator.project import Project
from tests.conftest import SAMPLE


def _database(url: str) -> str:
    return url.split("/")[3].split("?")[0]


def test_team_commands_end_to_end(tmp_path, pg_server, hub_url):
    runner = CliRunner()
    lead_file = tmp_path / "lead.annotator"
    assert runner.invoke(cli, ["import", str(lead_file), str(SAMPLE)]).exit_code == 0
    created = runner.invoke(cli, ["team", "create", hub_url, "--from", str(lead_file), "--json"])
    assert created.exit_code == 0, created.output
    upload = json.loads(created.stdout)
    assert upload["pushed"]["articles"] == 1 and upload["conflicts"] == []

    secret = tmp_path / "ana.secret"
    secret.write_text("ana-password\n")
    added = runner.invoke(cli, ["team", "add-member", hub_url, "ana", "--role", "annotator",
                                "--password-file", str(secret)])
    assert added.exit_code == 0, added.output
    generated = runner.invoke(cli, ["team", "add-member", hub_url, "budi", "--role", "reviewer"])
    assert generated.exit_code == 0 and "shown only now" in generated.output
    budi_password = generated.output.rsplit(": ", 1)[1].strip()

    assigned = runner.invoke(cli, ["team", "assign", hub_url, "--annotators", "ana,budi", "--per-article", "2",
                                   "--json"])
    assert assigned.exit_code == 0, assigned.output
    assert json.loads(assigned.stdout) == {"ana": 1, "budi": 1}

    database = _database(hub_url)
    ana_url = pg_server.url(database, "ana")
    ana_file = tmp_path / "ana.annotator"
    joined = runner.invoke(cli, ["team", "join", str(ana_file), ana_url, "--password-file", str(secret), "--json"])
    assert joined.exit_code == 0, joined.output
    assert json.loads(joined.stdout)["pulled"]["articles"] == 1

    project = Project.open(ana_file)
    article_id = next(iter(project.assigned_article_ids()))
    text = project.article_text(article_id)
    label = project.codebook().labels[0].name
    project.execute(AddSpan(article_id=article_id, annotator="ana", label=label, start=0, end=10))
    project.close()
    synced = runner.invoke(cli, ["sync", str(ana_file), "--password-file", str(secret), "--json"])
    assert synced.exit_code == 0, synced.output
    report = json.loads(synced.stdout)
    assert report["pushed"]["annotations"] == 1 and report["conflicts"] == []

    budi_file = tmp_path / "budi.annotator"
    budi_url = pg_server.url(database, "budi", budi_password)
    assert runner.invoke(cli, ["team", "join", str(budi_file), budi_url]).exit_code == 0
    budi = Project.open(budi_file)
    spans = budi.annotations(article_id=next(iter(budi.assigned_article_ids())), annotator="ana")
    assert [(s.start, s.end, s.text, s.label) for s in spans] == [(0, 10, text[:10], label)]
    budi.close()

    again = runner.invoke(cli, ["sync", str(ana_file), "--password-file", str(secret), "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["pushed"] == {}


def test_sync_of_an_unlinked_project_is_one_clear_line(tmp_path):
    project_file = tmp_path / "solo.annotator"
    Project.open(project_file).close()
    result = CliRunner().invoke(cli, ["sync", str(project_file)])
    assert result.exit_code == 1
    assert "not linked to a team hub" in result.output and "Traceback" not in result.output


def test_wrong_password_is_refused_in_one_line(tmp_path, pg_server, hub_url):
    runner = CliRunner()
    lead_file = tmp_path / "lead.annotator"
    Project.open(lead_file).close()
    assert runner.invoke(cli, ["team", "create", hub_url, "--from", str(lead_file)]).exit_code == 0
    secret = tmp_path / "s"
    secret.write_text("right\n")
    assert runner.invoke(cli, ["team", "add-member", hub_url, "cici", "--role", "annotator",
                               "--password-file", str(secret)]).exit_code == 0
    wrong = pg_server.url(_database(hub_url), "cici", "wrong")
    result = runner.invoke(cli, ["team", "join", str(tmp_path / "c.annotator"), wrong])
    assert result.exit_code == 1
    assert "refused" in result.output and ":wrong@" not in result.output
    assert not (tmp_path / "c.annotator").exists()


def test_a_lead_who_is_not_a_superuser_adds_a_member_who_then_joins(tmp_path, pg_server, hub_url):
    runner = CliRunner()
    lead_file = tmp_path / "lead.annotator"
    assert runner.invoke(cli, ["import", str(lead_file), str(SAMPLE)]).exit_code == 0
    assert runner.invoke(cli, ["team", "create", hub_url, "--from", str(lead_file)]).exit_code == 0
    secret = tmp_path / "dewi.secret"
    secret.write_text("dewi-password\n")
    assert runner.invoke(cli, ["team", "add-member", hub_url, "dewi", "--role", "lead",
                               "--password-file", str(secret)]).exit_code == 0
    database = _database(hub_url)
    dewi_url = pg_server.url(database, "dewi", "dewi-password")
    added = runner.invoke(cli, ["team", "add-member", dewi_url, "eko", "--role", "annotator",
                                "--password-file", str(secret)])
    assert added.exit_code == 0, added.output
    assigned = runner.invoke(cli, ["team", "assign", dewi_url, "--annotators", "eko", "--per-article", "1"])
    assert assigned.exit_code == 0, assigned.output
    joined = runner.invoke(cli, ["team", "join", str(tmp_path / "eko.annotator"),
                                 pg_server.url(database, "eko", "dewi-password"), "--json"])
    assert joined.exit_code == 0, joined.output
    eko = Project.open(tmp_path / "eko.annotator")
    assert len(eko.assigned_article_ids()) == 1
    eko.close()
