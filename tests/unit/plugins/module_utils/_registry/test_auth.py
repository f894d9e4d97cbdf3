# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._registry import auth as _auth
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.auth import AuthError, Authenticator, is_loopback
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials

HARBOR = 'Bearer realm="https://h.example/service/token",service="harbor-registry",scope="repository:p/a:pull"'
URL = 'https://h.example/v2/p/a/manifests/1'


class TokenEndpoint:
    """Records what the authenticator asked the token endpoint."""

    def __init__(self, documents=None):
        self.calls = []
        self.documents = documents or [{'token': 't%d' % n, 'expires_in': 300} for n in range(1, 10)]

    def __call__(self, url, params, headers):
        self.calls.append((url, params, headers))
        return self.documents[len(self.calls) - 1]


def authenticator(endpoint, credentials=None, **kwargs):
    return Authenticator(lambda origin: credentials, endpoint, **kwargs)


def test_nothing_is_sent_before_the_host_asks():
    assert authenticator(TokenEndpoint()).header(URL, 'repository:p/a:pull') is None


def test_challenge_then_cached_token_per_scope():
    endpoint = TokenEndpoint()
    auth = authenticator(endpoint, Credentials('robot$pull', 'pw'))
    assert auth.challenged(URL, HARBOR, 'repository:p/a:pull') == 'Bearer t1'
    assert auth.header(URL, 'repository:p/a:pull') == 'Bearer t1'
    assert auth.header('https://h.example/v2/p/b/manifests/1', 'repository:p/b:pull') == 'Bearer t2'
    assert len(endpoint.calls) == 2
    realm, params, headers = endpoint.calls[0]
    assert realm == 'https://h.example/service/token'
    assert params == [('service', 'harbor-registry'), ('scope', 'repository:p/a:pull')]
    assert headers['Authorization'].startswith('Basic ')


def test_a_refused_token_is_renewed_once():
    endpoint = TokenEndpoint()
    auth = authenticator(endpoint)
    assert auth.challenged(URL, HARBOR, None) == 'Bearer t1'
    assert auth.challenged(URL, HARBOR, None) == 'Bearer t1'  # another thread's first 401: no second request
    assert auth.challenged(URL, HARBOR, None, refused='Bearer t1') == 'Bearer t2'
    assert auth.challenged(URL, HARBOR, None, refused='Bearer t1') == 'Bearer t2'
    assert len(endpoint.calls) == 2
    assert endpoint.calls[0][2] == {}  # anonymous: no Authorization to the token endpoint


def test_an_expired_token_that_harbor_answers_with_a_basic_challenge_is_renewed_not_replaced_by_the_password():
    """Harbor challenges a request that carried a header with Basic (docs/harbor.md 7.1)."""
    endpoint = TokenEndpoint()
    auth = authenticator(endpoint, Credentials('robot$pull', 'pw'))
    assert auth.challenged(URL, HARBOR, 'repository:p/a:pull') == 'Bearer t1'
    assert auth.challenged(URL, 'Basic realm="harbor"', 'repository:p/a:pull', refused='Bearer t1') == 'Bearer t2'
    assert auth.header(URL, 'repository:p/a:pull') == 'Bearer t2'  # and later requests still carry tokens
    assert auth.challenged(URL, 'Basic realm="harbor"', 'repository:p/a:pull').startswith('Basic ')  # no token refused


def test_access_token_and_expiry(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(_auth.time, 'time', lambda: now[0])
    endpoint = TokenEndpoint([{'access_token': 'a1', 'expires_in': 30}, {'access_token': 'a2'}])
    auth = authenticator(endpoint)
    assert auth.challenged(URL, HARBOR, 'repository:p/a:pull') == 'Bearer a1'
    now[0] += 24
    assert auth.header(URL, 'repository:p/a:pull') == 'Bearer a1'
    now[0] += 2  # within the renewal margin before expiry
    assert auth.header(URL, 'repository:p/a:pull') == 'Bearer a2'


def test_several_scopes_go_as_repeated_parameters():
    endpoint = TokenEndpoint()
    header = 'Bearer realm="https://h.example/t",service="s",scope="repository:a:pull repository:b:pull,push"'
    authenticator(endpoint).challenged(URL, header, None)
    assert endpoint.calls[0][1] == [('service', 's'), ('scope', 'repository:a:pull'), ('scope', 'repository:b:pull,push')]


def test_basic_challenge():
    auth = authenticator(TokenEndpoint(), Credentials('u', 'p'))
    assert auth.challenged(URL, 'Basic realm="registry"', None) == 'Basic dTpw'
    with pytest.raises(AuthError, match='asks for a username and password'):
        authenticator(TokenEndpoint()).challenged(URL, 'Basic realm="registry"', None)


def test_token_without_token_field():
    with pytest.raises(AuthError, match='answered without a token'):
        authenticator(TokenEndpoint([{'expires_in': 60}])).challenged(URL, HARBOR, None)


@pytest.mark.parametrize('url, allowed', [
    ('http://127.0.0.1:5000/v2/', True),
    ('http://localhost:5000/v2/', True),
    ('http://[::1]:5000/v2/', True),
    ('http://registry.example:5000/v2/', False),
    ('http://10.0.0.1/v2/', False),
])
def test_credentials_over_plain_http_only_to_loopback(url, allowed):
    auth = authenticator(TokenEndpoint(), Credentials('u', 'secret'))
    challenge = 'Basic realm="r"'
    if allowed:
        assert auth.challenged(url, challenge, None)
    else:
        with pytest.raises(AuthError, match='refusing to send credentials over plain http') as info:
            auth.challenged(url, challenge, None)
        assert 'secret' not in str(info.value)
    assert authenticator(TokenEndpoint(), Credentials('u', 'p'), allow_plain_http_credentials=True).challenged(url, challenge, None)


def test_is_loopback():
    assert is_loopback('http://127.0.0.2:1/')
    assert not is_loopback('http://example.com/')


def _jwt(claims):
    return 'Bearer e30.%s.sig' % base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b'=').decode()


@pytest.mark.parametrize('header, expected', [
    (_jwt({'exp': 1}), True),
    (_jwt({'exp': 4102444800}), False),  # 2100
    (_jwt({'sub': 'no exp'}), False),
    (_jwt({'exp': 'soon'}), False),
    ('Bearer opaque-token', False),
    ('Bearer a.!!!.c', False),
    ('Basic dXNlcjpwYXNz', False),
    (None, False),
], ids=['expired', 'valid', 'no-exp', 'exp-not-a-number', 'opaque', 'not-base64', 'basic', 'none'])
def test_a_token_that_lapsed_on_its_way_is_told_from_one_refused(header, expected):
    assert _auth.lapsed(header) is expected
