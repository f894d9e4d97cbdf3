# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Basic credentials cross plain http only to loopback or when opted in, on the token path too.

test_auth.py covers a registry's own Basic challenge; here the registry asks for a bearer token and the realm
(where the Basic credentials would go) is plain http on another host. No network: the token endpoint is a stub.
"""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.auth import AuthError, Authenticator
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials

SECRET = 'S3cret-of-the-robot'
SCOPE = 'repository:proxy_hub/team/app:pull'


class Endpoint:
    """A token endpoint stub that records the headers it was sent."""

    def __init__(self):
        self.calls = []

    def __call__(self, url, params, headers):
        self.calls.append((url, dict(headers)))
        return {'token': 'token-%d' % len(self.calls), 'expires_in': 300}


def challenge(realm):
    return 'Bearer realm="%s",service="harbor-registry",scope="%s"' % (realm, SCOPE)


@pytest.mark.parametrize('registry, realm', [
    ('https://harbor.example/v2/proxy_hub/team/app/manifests/1.0', 'http://harbor.example/service/token'),
    ('http://harbor.example/v2/proxy_hub/team/app/manifests/1.0', 'http://harbor.example/service/token'),
    ('http://127.0.0.1:5000/v2/proxy_hub/team/app/manifests/1.0', 'http://10.1.2.3/service/token'),
])
def test_no_basic_credentials_to_a_plain_http_realm_off_loopback(registry, realm):
    endpoint = Endpoint()
    auth = Authenticator(lambda origin: Credentials('robot$pull', SECRET), endpoint)
    with pytest.raises(AuthError) as info:
        auth.challenged(registry, challenge(realm), SCOPE)
    assert str(info.value) == ('refusing to send credentials over plain http to %s: use https, or set '
                               'allow_plain_http_credentials: true if this network is trusted' % realm.rsplit('/', 2)[0])
    assert endpoint.calls == [] and SECRET not in str(info.value)


@pytest.mark.parametrize('realm, opted_in', [
    ('https://harbor.example/service/token', False),
    ('http://127.0.0.1:5000/service/token', False),
    ('http://[::1]:5000/service/token', False),
    ('http://harbor.example/service/token', True),
])
def test_basic_credentials_to_https_loopback_or_when_opted_in(realm, opted_in):
    endpoint = Endpoint()
    auth = Authenticator(lambda origin: Credentials('robot$pull', SECRET), endpoint, allow_plain_http_credentials=opted_in)
    assert auth.challenged('https://harbor.example/v2/x/manifests/1', challenge(realm), SCOPE) == 'Bearer token-1'
    assert endpoint.calls[0][1]['Authorization'].startswith('Basic ')


def test_anonymous_token_over_plain_http_sends_nothing_secret():
    endpoint = Endpoint()
    auth = Authenticator(lambda origin: None, endpoint)
    assert auth.challenged('http://harbor.example/v2/x/manifests/1', challenge('http://harbor.example/service/token'), SCOPE)
    assert endpoint.calls == [('http://harbor.example/service/token', {})]


def test_credentials_never_show_in_their_repr():
    assert SECRET not in repr(Credentials('robot$pull', SECRET))
