"""`cme-bot check` through the real command: the shared eval cases, the summary, and bad input."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
import yaml

from bot.cli.main import main
from handlers.knowledge.profile import DEFAULT_PROFILE, bundled_profile

REPO_ROOT = Path(__file__).resolve().parents[3]
EVAL_FILE = REPO_ROOT.parent / "shared/eval/triage-dev.yaml"


def _eval_cases() -> list:
    if not EVAL_FILE.exists():
        skip = pytest.mark.skip(reason=f"eval cases not found at {EVAL_FILE}")
        return [pytest.param(None, None, marks=skip)]
    # BaseLoader keeps every scalar a string, as a shell would pass it (no YAML dates or booleans).
    cases = yaml.load(EVAL_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    return [pytest.param(case["args"], case["expect"], id=" ".join(case["args"])) for case in cases]


@pytest.fixture(autouse=True)
def bundled_profile_env(monkeypatch):
    monkeypatch.delenv("CME_PROFILE", raising=False)


def run_check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_subset(expected, actual, where="answer"):
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, f"{where} lacks {key!r}"
            assert_subset(value, actual[key], f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


@pytest.mark.parametrize(("args", "expect"), _eval_cases())
def test_eval_cases(capsys, args, expect):
    code, out, err = run_check(capsys, *args, "--json")
    assert code == 0, err
    assert_subset(expect, json.loads(out))


def test_json_answer_has_the_documented_shape(capsys):
    code, out, _ = run_check(capsys, "--dob", "2014-05-02", "--on", "2026-11-28", "--on-roll", "no", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["compulsory_school_age"] == {"from": "2019-08-31", "until": "2030-06-28"}
    assert data["reasons"] and data["next_step"].startswith("Report the child now")
    assert all(source["url"].startswith("https://") for source in data["sources"])


def test_real_entry_point_in_a_subprocess():
    command = [sys.executable, "-m", "bot.cli", "check", "--dob", "02/05/2014", "--on", "28/11/2026"]
    command.append("--json")
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "possible_cme"


def test_uk_day_first_dates_mean_the_same_as_iso(capsys):
    _, iso, _ = run_check(capsys, "--dob", "2014-05-02", "--on", "2026-11-28", "--json")
    _, uk, _ = run_check(capsys, "--dob", "02/05/2014", "--on", "28/11/2026", "--json")
    assert json.loads(uk) == json.loads(iso)


def test_human_summary(capsys):
    code, out, _ = run_check(
        capsys, "--dob", "2014-05-02", "--on", "2026-11-28", "--on-roll", "no", "--out-since", "2026-11-20"
    )
    profile = bundled_profile()
    assert code == 0
    assert out.startswith("This sounds like a child missing education")
    assert "Next step: Report the child now" in out
    assert "Compulsory school age: 31 August 2019 to 28 June 2030" in out
    assert "do not wait" in out
    assert profile.contact("mash").phone in out and profile.contact("cme_officer").email in out
    assert "legislation.gov.uk" in out
    assert not out.lstrip().startswith("{")


@time_machine.travel(dt.datetime(2026, 6, 26, 23, 30, tzinfo=dt.UTC), tick=False)
def test_on_defaults_to_today_in_the_councils_time_zone(capsys):
    # 23:30 UTC on 26 June is already 27 June in London (BST): the day after the leaving date.
    _, out, _ = run_check(capsys, "--dob", "2010-05-20", "--on-roll", "no", "--json")
    assert json.loads(out)["outcome"] == "above_school_age"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--dob", "31/02/2014"), ("--dob", "05/2014"), ("--on", "tomorrowish"), ("--out-since", "2026-13-01")],
)
def test_bad_dates_name_the_option_and_format(capsys, option, value):
    args = {"--dob": "2014-05-02", "--on": "2026-11-28", option: value}
    code, out, err = run_check(capsys, *[part for pair in args.items() for part in pair])
    assert code == 2
    assert out == ""
    assert option in err and "YYYY-MM-DD" in err and "DD/MM/YYYY" in err
    assert "Traceback" not in err


def test_date_of_birth_after_the_check_date_is_refused(capsys):
    code, _, err = run_check(capsys, "--dob", "2026-12-01", "--on", "2026-11-28")
    assert code == 2
    assert "date of birth is after" in err and "2026-12-01" not in err


def test_bad_choice_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--dob", "2014-05-02", "--on-roll", "maybe"])
    assert exit_info.value.code == 2
    assert "--on-roll" in capsys.readouterr().err


def test_profile_error_exits_2_with_its_message(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CME_PROFILE", str(tmp_path / "missing.yaml"))
    code, out, err = run_check(capsys, "--dob", "2014-05-02")
    assert code == 2 and out == ""
    assert "CME_PROFILE" in err and "missing.yaml" in err


def test_numbers_come_from_the_chosen_profile(capsys, monkeypatch, tmp_path):
    text = DEFAULT_PROFILE.read_text(encoding="utf-8").replace("0161 253 7670", "01234 567890")
    custom = tmp_path / "custom.yaml"
    custom.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CME_PROFILE", str(custom))
    _, out, _ = run_check(capsys, "--dob", "2014-05-02", "--on", "2026-11-28", "--on-roll", "no", "--json")
    assert "01234 567890" in json.loads(out)["next_step"]


def test_not_known_situation_flags_are_possible_cme_never_read_as_no(capsys):
    code, out, _ = run_check(
        capsys,
        "--dob",
        "02/05/2014",
        "--on",
        "28/11/2026",
        "--missing-from-home",
        "unknown",
        "--other-provision",
        "unknown",
        "--json",
    )
    result = json.loads(out)
    assert code == 0 and result["outcome"] == "possible_cme"
    assert any("not known whether the child is missing from home" in reason for reason in result["reasons"])
