# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bearer tokens in the form CNCF distribution's ``auth: token`` accepts: RS256 JWTs carrying the signer in ``x5c``.

The plain proxy verifies signature, issuer, audience, time and access itself.
"""

import base64
import dataclasses
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

SERVICE = 'harbor-registry'
ISSUER = 'prewarm-stand-token-issuer'


@dataclasses.dataclass(frozen=True)
class Scope:
    """One ``type:name:actions`` scope as sent to the token endpoint."""

    type: str
    name: str
    actions: tuple

    @classmethod
    def parse(cls, text):
        """Parse ``repository:proj/repo:pull,push``; return None for anything malformed."""
        parts = text.split(':')
        if len(parts) < 3 or not parts[0] or not parts[-1]:
            return None
        return cls(parts[0], ':'.join(parts[1:-1]), tuple(a for a in parts[-1].split(',') if a))


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def sign(signing_key, access, lifetime):
    """Return a JWT granting ``access`` (list of registry access entries) for ``lifetime`` seconds."""
    now = int(time.time())
    header = {'typ': 'JWT', 'alg': 'RS256', 'x5c': [base64.b64encode(signing_key.cert_der).decode('ascii')]}
    claims = {'iss': ISSUER, 'sub': 'stand', 'aud': SERVICE, 'exp': now + lifetime, 'nbf': now - 1, 'iat': now,
              'jti': secrets.token_hex(12), 'access': access}
    signing_input = '.'.join(_b64(json.dumps(part, separators=(',', ':')).encode()) for part in (header, claims))
    signature = signing_key.key.sign(signing_input.encode('ascii'), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + '.' + _b64(signature)
