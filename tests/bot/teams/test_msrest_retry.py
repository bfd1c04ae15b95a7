"""msrest's retry policy, made cheap to build by the Teams channel, retries exactly the same status codes."""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy

from bot.teams.msrest_retry import speed_up_retry_policy
from tests.bot.teams.harness import run, running

# msrest 0.7's own definition, copied: every code below 500 but 408, and 501 and 505, is not retried.
MSREST_SAFE_CODES = [i for i in range(500) if i != 408] + [501, 505]
MSREST_RETRIED = [i for i in range(999) if i not in MSREST_SAFE_CODES]


def test_the_same_codes_are_retried(monkeypatch):
    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", list(MSREST_SAFE_CODES))
    speed_up_retry_policy()
    speed_up_retry_policy()  # a second app in one process: still the same codes
    assert ClientRetryPolicy.safe_codes == frozenset(MSREST_SAFE_CODES)
    policy = ClientRetryPolicy().policy
    assert policy.status_forcelist == MSREST_RETRIED
    assert (policy.total, policy.connect, policy.read, policy.backoff_factor) == (3, 3, 3, 0.8)


def test_mounting_teams_applies_it(monkeypatch, sqlite_url, teams_profile):
    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", list(MSREST_SAFE_CODES))

    async def scenario():
        async with running(sqlite_url, teams_profile) as h:
            return await h.say("help")

    assert run(scenario())
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
