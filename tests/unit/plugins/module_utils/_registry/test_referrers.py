# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing referrers where no stand registry behaves so: Harbor v2.8-v2.9's JSON answer, and a broken index.
The real registries' answers (distribution 2.8's 404, Harbor's index) are tests/e2e/test_referrers.py's."""

from __future__ import annotations

import json

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import OCI_INDEX, ManifestError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.referrers import Referrer, list_referrers, signature_tag
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.fake_http import FakeHTTP, whole

SUBJECT = 'sha256:' + 'a' * 64
REFERRER = {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': 'sha256:' + 'b' * 64, 'size': 321,
            'artifactType': 'application/vnd.dev.sigstore.bundle.v0.3+json'}


def index(*entries):
    return json.dumps({'schemaVersion': 2, 'mediaType': OCI_INDEX, 'manifests': list(entries)}).encode()


def listed(answer):
    with FakeHTTP(answer) as server:
        found = list_referrers(Registry(lambda origin: None, Connection(timeout=5, retries=0)), Repository(server.url, 'p/app'), SUBJECT)
    return found, [request.path for request in server.requests]


def test_the_tags_are_cosigns_and_oci_1_1s():
    assert signature_tag(SUBJECT, 'sig') == 'sha256-' + 'a' * 64 + '.sig'
    assert signature_tag(SUBJECT) == 'sha256-' + 'a' * 64


def test_an_api_answering_json_not_an_index_is_passed_over_for_the_fallback_tag_as_verifiers_do():
    """Harbor v2.8 and v2.9 answer the referrers API with application/json (docs/harbor.md 12)."""
    def answer(request):
        if '/referrers/' in request.path:
            return whole(200, index(), **{'Content-Type': 'application/json'})
        return whole(200, index(REFERRER), **{'Content-Type': OCI_INDEX})
    found, paths = listed(answer)
    assert found == [Referrer(REFERRER['digest'], REFERRER['mediaType'], 321, REFERRER['artifactType'])]
    assert paths == ['/v2/p/app/referrers/' + SUBJECT, '/v2/p/app/manifests/' + signature_tag(SUBJECT)]


def test_no_api_and_no_fallback_tag_is_no_referrer():
    assert listed(lambda request: whole(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'))[0] == []


def test_a_broken_index_is_refused_naming_where():
    with pytest.raises(ManifestError, match='referrers of %s in p/app is not an OCI index' % SUBJECT):
        listed(lambda request: whole(200, b'{"manifests": [{"digest": "x"}]}', **{'Content-Type': OCI_INDEX}))
