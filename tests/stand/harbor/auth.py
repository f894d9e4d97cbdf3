# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's token service and security contexts (docs/harbor.md 6.3, 7).

Failed credentials never fail a request: it goes on as anonymous (7.5). A valid token is its own security context
whose permissions are keyed by project name (7.3), so a token for ``p/a`` also pulls ``p/b`` but nothing in ``q``.
"""

import base64
import binascii
import dataclasses
import datetime
import hashlib
import hmac
import json
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SERVICE = 'harbor-registry'
ISSUER = 'harbor-token-issuer'


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who a request is: ``name`` '' is anonymous; ``access`` is set for a registry token ({project: actions});
    ``permissions`` are system-level ``resource:action`` pairs (a system-level robot's, 11.4)."""

    name: str = ''
    kind: str = 'anonymous'
    access: dict = None
    permissions: frozenset = frozenset()

    @property
    def authenticated(self):
        """A non-empty subject (an anonymous token is not authenticated)."""
        return bool(self.name)

    def actions(self, project):
        """What this identity may do in ``project`` (a Project or None): the robot and anonymous only pull."""
        if project is None:
            return set()
        if self.access is not None:
            return set(self.access.get(project.name, ()))
        return {'pull'} if self.kind == 'robot' or project.public else set()

    def can(self, resource, action):
        """A system-scope permission (``RequireSystemAccess``): the project robot holds none."""
        return f'{resource}:{action}' in self.permissions


ANONYMOUS = Identity()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _unb64(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


class TokenService:
    """Signs and checks Harbor's RS256 registry tokens, and resolves credentials to an Identity."""

    def __init__(self, settings, lifetime):
        self._settings = settings
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = self._key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self._kid = hashlib.sha256(der).hexdigest()[:32]
        self.lifetime = lifetime
        self.created = int(time.time()) - 1  # every project's creation time (7.3: older tokens are refused); iat is whole seconds

    # -- credentials ---------------------------------------------------------------------------------------------

    def _robot(self, authorization):
        scheme, _sep, value = (authorization or '').partition(' ')
        if scheme.lower() != 'basic':
            return None
        try:
            user, _sep, password = base64.b64decode(value.strip(), validate=True).decode('utf-8').partition(':')
        except (binascii.Error, UnicodeDecodeError):
            return None
        if user == self._settings.robot_user and hmac.compare_digest(password.encode(), self._settings.robot_password.encode()):
            return Identity(user, 'robot')
        replicator = self._settings.replicator_password
        if replicator and user == self._settings.replicator_user and hmac.compare_digest(password.encode(), replicator.encode()):
            return Identity(user, 'system-robot', permissions=frozenset(self._settings.replicator_permissions))
        return None

    def identify(self, authorization, registry_path):
        """The security context of a request: a registry token (only on /v2), a robot by Basic, else anonymous."""
        scheme, _sep, value = (authorization or '').partition(' ')
        if scheme.lower() == 'bearer' and registry_path:
            return self.verify(value.strip()) or ANONYMOUS
        return self._robot(authorization) or ANONYMOUS

    # -- tokens --------------------------------------------------------------------------------------------------

    def issue(self, authorization, scopes):
        """``GET /service/token``: (status, JSON body or None)."""
        caller = self._robot(authorization) or ANONYMOUS
        if not caller.authenticated and not scopes:
            return 401, None
        access = []
        for scope in scopes:
            kind, _sep, rest = scope.partition(':')
            name, _sep, wanted = rest.rpartition(':')
            if kind != 'repository' or not name:
                continue
            project, _sep, repo = name.partition('/')
            held = caller.actions(self._settings.project(project)) if repo else set()
            access.append({'type': kind, 'name': name, 'actions': sorted(held & set(wanted.split(',')))})
        now = int(time.time())
        claims = {'iss': ISSUER, 'sub': caller.name, 'aud': SERVICE, 'exp': now + self.lifetime, 'nbf': now, 'iat': now,
                  'jti': secrets.token_hex(16), 'access': access}
        header = {'alg': 'RS256', 'typ': 'JWT', 'kid': self._kid}
        signing_input = '.'.join(_b64(json.dumps(part, separators=(',', ':')).encode()) for part in (header, claims))
        signature = self._key.sign(signing_input.encode('ascii'), padding.PKCS1v15(), hashes.SHA256())
        issued = datetime.datetime.fromtimestamp(now, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')
        return 200, {'token': signing_input + '.' + _b64(signature), 'access_token': '', 'expires_in': self.lifetime,
                     'issued_at': issued}

    def verify(self, token):
        """The Identity of a valid token; None when it is forged, expired (past the leeway) or not Harbor's."""
        try:
            head, payload, signature = token.split('.')
            self._key.public_key().verify(_unb64(signature), f'{head}.{payload}'.encode('ascii'), padding.PKCS1v15(), hashes.SHA256())
            claims = json.loads(_unb64(payload))
        except (ValueError, InvalidSignature, binascii.Error):
            return None
        leeway, now = self._settings.timing.token_leeway, time.time()
        if claims.get('aud') != SERVICE or not isinstance(claims.get('exp'), (int, float)) or claims['exp'] + leeway < now:
            return None
        if claims.get('nbf', 0) - leeway > now or claims.get('iat', 0) + leeway < self.created:
            return None
        access = {}
        for entry in claims.get('access') or ():
            if entry.get('type') == 'repository':
                access[entry.get('name', '').split('/')[0]] = set(entry.get('actions') or ())  # a later entry overwrites
        return Identity(claims.get('sub') or '', 'token', access)


def bearer_challenge(scheme, host, scope=None):
    """The challenge of a /v2 request that carried no Authorization header (7.1)."""
    challenge = f'Bearer realm="{scheme}://{host}/service/token",service="{SERVICE}"'
    return f'{challenge},scope="{scope}"' if scope else challenge


BASIC_CHALLENGE = 'Basic realm="harbor"'
