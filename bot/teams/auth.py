"""Bot Framework token validation off the event loop, with a timeout and cached signing keys.

botbuilder validates a token inside the event loop and, when its signing keys are a day old or a
token names an unknown key, fetches the OpenID metadata with a synchronous `requests.get` without a
timeout (botframework.connector.auth.jwt_token_extractor._OpenIdMetadata). Where the network hangs,
that froze the whole server. Here validation runs in its own small thread pool, each fetch has a
timeout, a failed fetch is not retried for a while, and the caller waits at most AUTH_TIMEOUT.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import requests
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication, jwt_token_extractor

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 5.0  # seconds for each of the two metadata requests
AUTH_TIMEOUT = 10.0  # seconds a request waits for its token to be checked before a 503
FAILED_FETCH_BACKOFF = 30.0  # seconds before a failed key fetch is tried again (forged tokens meanwhile: 401)
WORKERS = 2


class AuthUnavailable(Exception):
    """The signing keys could not be fetched in time: the request gets 503, and Teams retries it."""


class _KeyCache:
    """The replacement for _OpenIdMetadata._refresh: a timeout, one fetch at a time, and a back-off after failure."""

    lock = threading.Lock()
    failed_at: dict[str, float] = {}

    @classmethod
    async def refresh(cls, metadata) -> None:
        with cls.lock:  # a second thread waiting here finds the keys fresh (or the failure recent)
            if metadata.keys and (datetime.now() - metadata.last_updated).total_seconds() < 3600:
                return
            failed = cls.failed_at.get(metadata.url)
            if failed is not None and time.monotonic() - failed < FAILED_FETCH_BACKOFF:
                raise AuthUnavailable("signing keys unavailable (recent failure)")
            try:
                response = requests.get(metadata.url, timeout=FETCH_TIMEOUT)
                response.raise_for_status()
                keys = requests.get(response.json()["jwks_uri"], timeout=FETCH_TIMEOUT)
                keys.raise_for_status()
                metadata.keys = keys.json()["keys"]
            except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
                cls.failed_at[metadata.url] = time.monotonic()
                log.error("Teams signing keys could not be fetched (%s)", type(exc).__name__)
                raise AuthUnavailable("signing keys unavailable") from None
            cls.failed_at.pop(metadata.url, None)
            metadata.last_updated = datetime.now()


def install_key_cache() -> None:
    """Give botbuilder's OpenID metadata cache a timeout and a back-off (idempotent)."""

    async def refresh(self) -> None:
        await _KeyCache.refresh(self)

    jwt_token_extractor._OpenIdMetadata._refresh = refresh


class TokenChecker:
    """Runs botbuilder's authenticate_request in worker threads, each with its own event loop."""

    def __init__(self, authentication: BotFrameworkAuthentication, *, timeout: float = AUTH_TIMEOUT) -> None:
        install_key_cache()
        self.authentication = authentication
        self.timeout = timeout
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="teams-auth")

    def _check(self, channel_id: str, service_url: str, header: str) -> AuthenticateRequestResult:
        # Only what validation reads: the full activity is deserialised after the token is accepted.
        activity = Activity(channel_id=channel_id, service_url=service_url)
        return asyncio.run(self.authentication.authenticate_request(activity, header))

    async def check(self, *, channel_id: str, service_url: str, header: str) -> AuthenticateRequestResult:
        """The authenticated result; PermissionError when the token is refused, AuthUnavailable on timeout."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.pool, self._check, channel_id, service_url, header)
        try:
            return await asyncio.wait_for(future, timeout=self.timeout)
        except TimeoutError:
            raise AuthUnavailable("token check timed out") from None
        except AuthUnavailable:
            raise
        except Exception as exc:  # botbuilder raises bare Exception, jwt errors, IndexError for an unknown key
            raise PermissionError(type(exc).__name__) from None

    def close(self) -> None:
        """Stop the worker threads (a hung fetch is abandoned, not waited for)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
