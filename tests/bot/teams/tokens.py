"""Bot Framework tokens a test can sign: botbuilder validates them with its own code, against a key the test trusts.

Teams signs each request's token with keys published at the Bot Framework's OpenID address. Here the test
makes an RSA key, puts its public half in botbuilder's key cache for that address (as a fetch would), and
signs tokens with the Bot Connector's issuer, the bot's app id as audience and the activity's serviceUrl:
everything else (signature, issuer, audience, expiry, service URL) is checked by botbuilder as in production.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import jwt
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "cme-test-key"


class Signer:
    """Signs Bot Connector tokens with the key botbuilder has been told to trust."""

    def __init__(self, key: rsa.RSAPrivateKey, app_id: str) -> None:
        self.key, self.app_id = key, app_id

    def token(self, service_url: str, **claims) -> str:
        """A token as the Bot Connector sends with an activity for this bot, from `service_url`."""
        now = int(time.time())
        body = {
            "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            "aud": self.app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 600,
            **claims,
        }
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def header(self, service_url: str) -> str:
        """The Authorization header's value."""
        return f"Bearer {self.token(service_url)}"


@contextmanager
def trusted_signer(app_id: str) -> Iterator[Signer]:
    """A signer whose key botbuilder trusts for the public Bot Framework channel, for the duration."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    metadata = JwtTokenExtractor.get_open_id_metadata(AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL)
    before = (metadata.keys, metadata.last_updated)
    metadata.keys = [{**public, "kid": KEY_ID, "use": "sig"}]
    metadata.last_updated = datetime.now()
    try:
        yield Signer(key, app_id)
    finally:
        metadata.keys, metadata.last_updated = before
