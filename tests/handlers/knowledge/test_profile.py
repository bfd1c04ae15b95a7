"""The local authority profile is validated at start and a bad key is named."""

from __future__ import annotations

import pytest
import yaml

from handlers.knowledge.profile import DEFAULT_PROFILE, ProfileError, load_profile


def _write(tmp_path, mutate) -> str:
    data = yaml.safe_load(DEFAULT_PROFILE.read_text())
    mutate(data)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda d: d["contacts"].pop("mash"), "missing contact(s): mash"),
        (lambda d: d["office_hours"].update(opens="half past eight"), "office_hours.opens"),
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (lambda d: d["drafts"].update(idle_limit_hours=-1), "drafts.idle_limit_hours"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone"),
        (lambda d: d["enquiry_plan"][0]["due"].update(days=3), "enquiry_plan.0.due"),
    ],
)
def test_bad_profile_names_the_key(tmp_path, mutate, named):
    with pytest.raises(ProfileError) as error:
        load_profile(_write(tmp_path, mutate))
    assert named in str(error.value)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ProfileError, match="no such file"):
        load_profile(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("contacts: [unclosed")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(tmp_path / "bad.yaml")


def test_bundled_bury_profile_has_the_briefing_contacts():
    profile = load_profile()
    assert profile.contact("cme_officer").email == "cme@bury.gov.uk"
    assert profile.contact("mash").phone == "0161 253 5678"
    assert profile.autumn_term_start(2026).isoformat() == "2026-09-02"


def test_chat_refuses_to_start_with_a_bad_profile(tmp_path, monkeypatch, capsys):
    from bot.cli.main import main

    monkeypatch.setenv("CME_PROFILE", _write(tmp_path, lambda d: d.update(colour="blue")))
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["chat", "--as", "x"]) == 2
    assert "colour: unknown key" in capsys.readouterr().err
