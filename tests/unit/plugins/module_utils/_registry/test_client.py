# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry client over real HTTP, against scripted servers on loopback (fake_http).

Each case is one a real registry cannot be made to produce on demand: a body cut short, wrong bytes, a storage
redirect whose target answers 401, a token the registry turns down before it expires.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.auth import AuthError
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.credentials import Credentials
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Blob, digest_of
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, RegistryError, Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.fake_http import FakeHTTP, whole

CONTENT = b'layer bytes ' * 1000
BLOB = Blob(digest_of(CONTENT), len(CONTENT), 'application/vnd.oci.image.layer.v1.tar+gzip')
PATH = '/v2/proxy/app/blobs/' + BLOB.digest
SECRET = 'robot-secret'


def client(credentials=None):
    registry = Registry(lambda origin: credentials, Connection(timeout=5, retries=2))
    return registry


def test_a_body_cut_short_is_read_again_and_counted_as_a_retry():
    answers = iter([(200, {}, CONTENT, len(CONTENT) // 2)])
    with FakeHTTP(lambda request: next(answers, whole(200, CONTENT))) as server:
        tally = Tally()
        pulled, content = client().read_blob(Repository(server.url, 'proxy/app'), BLOB, tally, keep=True)
    assert content == CONTENT
    assert tally.retries == 1 and len(server.requests) == 2
    assert pulled == len(CONTENT) // 2 + len(CONTENT)  # what the network carried, the broken copy too


def test_wrong_bytes_are_read_retries_plus_one_times_then_reported_with_their_digest():
    wrong = CONTENT[:-1] + b'!'
    with FakeHTTP(lambda request: whole(200, wrong)) as server:
        tally = Tally()
        with pytest.raises(RegistryError) as info:
            client().read_blob(Repository(server.url, 'proxy/app'), BLOB, tally)
    assert str(info.value) == 'blob %s in proxy/app: the content has digest %s (corrupted), 3 times: the cache or its ' \
        'upstream serves broken content' % (BLOB.digest, digest_of(wrong))
    assert tally.retries == 3 and len(server.requests) == 3


def test_a_401_from_where_the_cache_redirects_gets_no_credentials_and_says_so():
    with FakeHTTP(lambda request: whole(401, **{'WWW-Authenticate': 'Basic realm="storage"'})) as storage:
        def registry(request):
            if 'Authorization' not in request.headers:
                return whole(401, **{'WWW-Authenticate': 'Basic realm="registry"'})
            return whole(307, Location=storage.url + '/bucket/blob?signature=abc')

        with FakeHTTP(registry) as cache:
            with pytest.raises(AuthError) as info:
                client(Credentials('robot$pull', SECRET)).read_blob(Repository(cache.url, 'proxy/app'), BLOB, Tally())
    assert str(info.value) == ('GET %s%s was redirected to %s, which answered 401: credentials are never sent there; '
                               'check the cache\'s storage redirect settings' % (cache.url, PATH, storage.url))
    assert cache.requests[-1].headers['Authorization'].startswith('Basic ')
    assert [request.headers.get('Authorization') for request in storage.requests] == [None]


def jwt(number, expires_at):
    """A token shaped like a JWT (unsigned: the client reads only its ``exp``), numbered for the assertions."""
    claims = base64.urlsafe_b64encode(json.dumps({'exp': expires_at, 'n': number}).encode()).rstrip(b'=').decode()
    return 'e30.%s.t%d' % (claims, number)


class TokenRegistry:
    """A registry with a token service that turns a token down once it has served one request with it."""

    def __init__(self, stillborn=0, opaque=True):
        """``stillborn``: how many of the first tokens are refused at once, expired when issued (whole-second expiry)
        unless ``opaque`` (a token that does not say when it expires, refused as for want of rights)."""
        self.issued = []
        self.valid = set()
        self.url = None
        self.stillborn = stillborn
        self.opaque = opaque

    def __call__(self, request):
        if request.path.startswith('/token'):
            number = len(self.issued) + 1
            self.issued.append(request.path)
            token = 't%d' % number if self.opaque or number > self.stillborn else jwt(number, int(time.time()) - 1)
            if number > self.stillborn:
                self.valid.add('Bearer ' + token)
            return whole(200, json.dumps({'token': token, 'expires_in': 300}).encode(), **{'Content-Type': 'application/json'})
        header = request.headers.get('Authorization')
        if header not in self.valid:
            challenge = 'Bearer realm="%s/token",service="cache",scope="repository:proxy/app:pull"' % self.url
            return whole(401, **{'WWW-Authenticate': challenge})
        self.valid.discard(header)  # expired early, as a registry restarted with a new key would have it
        return whole(200, CONTENT)


def test_a_token_turned_down_before_its_expiry_is_renewed_once_and_counted_as_a_retry():
    registry = TokenRegistry()
    with FakeHTTP(registry) as server:
        registry.url = server.url
        cache = client()
        assert cache.blob_exists(Repository(server.url, 'proxy/app'), BLOB.digest) is True  # learns the challenge, token t1
        tally = Tally()
        assert cache.read_blob(Repository(server.url, 'proxy/app'), BLOB, tally, keep=True)[1] == CONTENT
    assert tally.retries == 1 and len(registry.issued) == 2
    assert [request.headers.get('Authorization') for request in server.requests if not request.path.startswith('/token')] == \
        [None, 'Bearer t1', 'Bearer t1', 'Bearer t2']


def sent_authorizations(server):
    return [request.headers.get('Authorization', '')[:9] or None for request in server.requests if not request.path.startswith('/token')]


def test_a_token_expired_before_its_first_use_is_renewed_once_more():
    registry = TokenRegistry(stillborn=1, opaque=False)
    with FakeHTTP(registry) as server:
        registry.url = server.url
        tally = Tally()
        assert client().read_blob(Repository(server.url, 'proxy/app'), BLOB, tally, keep=True)[1] == CONTENT
    assert tally.retries == 1 and len(registry.issued) == 2
    assert sent_authorizations(server) == [None, 'Bearer e3', 'Bearer t2']


@pytest.mark.parametrize('opaque, tokens', [(True, 1), (False, 2)], ids=['refused-for-rights', 'always-expired'])
def test_tokens_that_never_work_are_not_asked_for_again_and_again(opaque, tokens):
    """A token refused while valid means wrong credentials or missing rights (Harbor hands wrong credentials an
    anonymous token): asking again would only count failed logins against the account."""
    registry = TokenRegistry(stillborn=99, opaque=opaque)
    with FakeHTTP(registry) as server:
        registry.url = server.url
        with pytest.raises(AuthError, match='401 unauthorized without credentials: check username/password'):
            client().read_blob(Repository(server.url, 'proxy/app'), BLOB, Tally())
    assert len(registry.issued) == tokens and len(sent_authorizations(server)) == tokens + 1
