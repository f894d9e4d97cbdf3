# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Registry authentication: Basic, and bearer tokens fetched from the challenge's realm.

Tokens are cached per (realm, service, scope) until shortly before they expire, so a run warms
hundreds of repositories with one token request each. What a host wants is learnt from its
first 401 and then asked up front, saving a round trip on every later repository.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.challenge import Challenge, InvalidChallenge, parse_challenges

if TYPE_CHECKING:  # credentials imports AuthError from here
    from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials

DEFAULT_EXPIRES_IN = 60  # seconds, as the distribution token specification says
EXPIRY_MARGIN = 5  # renew a little before the registry would refuse the token
CLOCK_TOLERANCE = 1  # seconds: JWT expiry is in whole seconds


class AuthError(ImageError):
    """The registry refused us; the message says what to check (never the secret)."""


def origin(url: str) -> str:
    """scheme://host[:port] of a URL: what a challenge and a token belong to."""
    parts = urlsplit(url)
    return '%s://%s' % (parts.scheme, parts.netloc)


def lapsed(header: str | None) -> bool:
    """True when ``header`` carries a bearer JWT whose own ``exp`` claim has passed: a token that expired on its way
    (whole-second expiry, a short lifetime), not one the registry refused for want of rights. Opaque tokens: False."""
    token = (header or '').partition('Bearer ')[2]
    try:
        payload = token.split('.')[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
        return float(claims['exp']) <= time.time() + CLOCK_TOLERANCE
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return False


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ''
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Authenticator:
    """Builds Authorization headers for registry requests; thread-safe."""

    def __init__(self, credentials_for: Callable[[str], Credentials | None],
                 fetch_token: Callable[[str, list[tuple[str, str]], dict[str, str]], Any],
                 allow_plain_http_credentials: bool = False) -> None:
        """``credentials_for(origin)`` gives the Credentials for a registry (or None);
        ``fetch_token(url, params, headers)`` returns the token endpoint's JSON document."""
        self.credentials_for = credentials_for
        self._fetch_token = fetch_token
        self._allow_plain_http = allow_plain_http_credentials
        self._challenges: dict[str, Challenge] = {}  # origin -> Challenge
        self._tokens: dict[tuple[str, str, str | None], tuple[str, float]] = {}  # (realm, service, scope) -> (header, expires_at)
        self._lock = threading.Lock()
        self._scope_locks: dict[tuple[str, str, str | None], threading.Lock] = {}

    def header(self, url: str, scope: str | None) -> str | None:
        """The Authorization header to send up front, or None when the host has not asked for one."""
        challenge = self._challenges.get(origin(url))
        if challenge is None:
            return None
        return self._answer(url, challenge, scope)

    def challenged(self, url: str, www_authenticate: str | None, scope: str | None, refused: str | None = None) -> str | None:
        """Handle a 401: remember the challenge and return a header to retry with (or None).

        ``refused`` is the header the registry just turned down (None when none was sent): a valid
        token other than that one, fetched by another thread meanwhile, is reused.
        """
        try:
            challenges = parse_challenges(www_authenticate or '')
        except InvalidChallenge as exc:
            raise AuthError('%s answered 401 with a malformed WWW-Authenticate header (%s)' % (origin(url), exc)) from exc
        preferred = [c for c in challenges if c.scheme == 'bearer' and c.params.get('realm')] or \
                    [c for c in challenges if c.scheme == 'basic']
        if not preferred:
            return None
        remembered = self._challenges.get(origin(url))
        if (refused or '').startswith('Bearer ') and remembered is not None and remembered.scheme == 'bearer' \
                and preferred[0].scheme == 'basic':
            # Harbor challenges any request that carried a header with Basic (docs/harbor.md 7.1): an expired token
            # is renewed, never replaced by the password on every later request.
            return self._answer(url, remembered, scope, refused=refused)
        challenge = preferred[0]
        self._challenges[origin(url)] = challenge
        return self._answer(url, challenge, challenge.params.get('scope') or scope, refused=refused)

    def basic(self, url: str, credentials: Credentials | None = None) -> str | None:
        """The Basic header for ``url``'s host (with ``credentials``, else the host's own), or None without
        credentials: what Harbor's REST API takes."""
        credentials = credentials or self.credentials_for(origin(url))
        if not credentials:
            return None
        self._check_transport(url)
        return credentials.basic()

    def _answer(self, url: str, challenge: Challenge, scope: str | None, refused: str | None = None) -> str:
        """The header for ``scope``: the cached token unless it is the one just refused."""
        if challenge.scheme == 'basic':
            header = self.basic(url)
            if header is None:
                raise AuthError('%s asks for a username and password: set username/password or an auth file' % origin(url))
            return header
        credentials = self.credentials_for(origin(url))
        realm = challenge.params['realm']
        key = (realm, challenge.params.get('service', ''), scope)
        with self._lock:
            scope_lock = self._scope_locks.setdefault(key, threading.Lock())
        with scope_lock:  # one token request per scope, however many threads need it
            cached = self._tokens.get(key)
            if cached and cached[1] > time.time() and cached[0] != refused:
                return cached[0]
            header, expires_at = self._request_token(realm, challenge.params.get('service'), scope, credentials)
            self._tokens[key] = (header, expires_at)
            return header

    def _request_token(self, realm: str, service: str | None, scope: str | None,
                       credentials: Credentials | None) -> tuple[str, float]:
        params: list[tuple[str, str]] = [('service', service)] if service else []
        params += [('scope', s) for s in (scope or '').split(' ') if s]
        headers: dict[str, str] = {}
        if credentials:
            self._check_transport(realm)
            headers['Authorization'] = credentials.basic()
        document = self._fetch_token(realm, params, headers)
        token = document.get('token') or document.get('access_token') if isinstance(document, dict) else None
        if not token:
            raise AuthError('the token endpoint %s answered without a token' % realm)
        try:
            expires_in = int(document.get('expires_in') or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        return 'Bearer ' + token, time.time() + expires_in - min(EXPIRY_MARGIN, expires_in / 2.0)

    def _check_transport(self, url: str) -> None:
        """Credentials cross the network in clear text over http: only to loopback unless opted in."""
        if urlsplit(url).scheme == 'http' and not is_loopback(url) and not self._allow_plain_http:
            raise AuthError('refusing to send credentials over plain http to %s: use https, or set '
                            'allow_plain_http_credentials: true if this network is trusted' % origin(url))
