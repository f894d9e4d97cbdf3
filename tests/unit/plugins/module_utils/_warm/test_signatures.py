# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which requests a signature costs, by cache and Harbor release, on a cache in memory (fake_cache).

tests/e2e/test_signatures.py proves on the stand that what is warmed verifies offline; these pin the request
sequence, including Harbor releases the stand does not run by default.
"""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import validate
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import prepare
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.referrers import Referrer
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import rules_from_options
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import targets_for
from ansible_collections.prewarm.harbor.plugins.module_utils._warm import signatures
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import Settle
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.options import WarmOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.warmer import Warmer
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.fake_cache import FakeCache

RULES = rules_from_options([{'regex_url': r'^cache\.test/(.+):(.+)$', 'replacement_oci': 'http://cache.test/v2/$1/manifests/$2'}])
FAST = Settle(first=0.001, longest_poll=0.005, patience=0.1)
GUARDING = 'v2.14.0-abc'  # deletes its copy of a tag a request finds gone upstream (goharbor/harbor#22175)


UPSTREAM_RULES = rules_from_options([{'regex_url': r'^cache\.test/(.+):(.+)$', 'replacement_oci': 'http://cache.test/v2/$1/manifests/$2',
                                      'replacement_upstream': 'https://upstream.test/v2/$1/manifests/$2'}])


def warm(cache, tmp_path, check_mode=False, kinds=('sig',), rules=RULES):  # pylint: disable=too-many-arguments
    warmer = Warmer(cache, WarmOptions(1, signatures=kinds), check_mode=check_mode, settle=FAST, lock_dir=str(tmp_path))
    [result], _summary = warmer.run(targets_for(['cache.test/proxy/app:1'], rules))
    return result


def asked(cache, digest):
    """The requests about ``digest``'s signature tag: (method, kind)."""
    tag = digest.replace(':', '-') + '.sig'
    return [(method, kind) for method, kind, _repository, reference in cache.log if reference == tag]


@pytest.mark.parametrize('harbor,version,expected', [
    (False, '', [('HEAD', 'manifest')]),
    (True, '', [('HEAD', 'manifest')]),
    (True, GUARDING, [('GET', 'artifact'), ('HEAD', 'manifest')]),
])
def test_an_unsigned_image_costs_one_head_through_the_cache(tmp_path, harbor, version, expected):
    cache = FakeCache(harbor=harbor)
    cache.harbor_version = version
    image = cache.image('proxy/app', '1')
    result = warm(cache, tmp_path)
    assert result['status'] == 'warmed' and result['signatures'] == []
    assert asked(cache, image['digest']) == expected


@pytest.mark.parametrize('version', ['', GUARDING])
def test_a_committed_signature_of_a_committed_image_is_cached_and_no_blob_is_read(tmp_path, version):
    """On a release that deletes a held tag gone upstream, a held signature tag is never requested: the API alone."""
    cache = FakeCache(harbor=True)
    cache.harbor_version = version
    image = cache.image('proxy/app', '1')
    signature = cache.signature('proxy/app', image['digest'])
    cache.commit('proxy/app', '1', image)
    cache.commit('proxy/app', image['digest'].replace(':', '-') + '.sig', signature)
    result = warm(cache, tmp_path)
    assert (result['status'], result['changed']) == ('cached', False), result
    assert [(s['status'], s['committed'], s['digest']) for s in result['signatures']] == [('cached', True, signature['digest'])]
    assert cache.reads('blob') == [] and not [read for read in cache.reads('manifest') if read[3].endswith('.sig')]
    assert asked(cache, image['digest']) == ([('GET', 'artifact')] if version else [('HEAD', 'manifest'), ('GET', 'artifact')])


def test_a_committed_image_whose_signature_is_missing_is_warmed_for_the_signature_alone(tmp_path):
    cache = FakeCache(harbor=True)
    image = cache.image('proxy/app', '1')
    signature = cache.signature('proxy/app', image['digest'])
    cache.commit('proxy/app', '1', image)
    result = warm(cache, tmp_path)
    assert (result['status'], result['changed'], result['harbor']['committed']) == ('warmed', True, True), result
    [entry] = result['signatures']
    assert (entry['status'], entry['committed'], entry['digest']) == ('warmed', False, signature['digest'])
    stored = {digest for _method, _kind, _repository, digest in cache.reads('blob')}
    assert stored == {blob['digest'] for blob in (cache.manifest_document(signature)['layers'] + [cache.manifest_document(signature)['config']])}


def test_check_mode_on_harbor_says_which_signature_it_would_fetch_and_fetches_none(tmp_path):
    cache = FakeCache(harbor=True)
    image = cache.image('proxy/app', '1')
    signature = cache.signature('proxy/app', image['digest'])
    cache.commit('proxy/app', '1', image)
    result = warm(cache, tmp_path, check_mode=True)
    assert (result['status'], result['changed']) == ('would_warm', True), result
    assert [(s['status'], s['digest']) for s in result['signatures']] == [('would_warm', signature['digest'])]
    assert cache.reads('manifest') == [] and cache.reads('blob') == []


def test_check_mode_on_a_plain_proxy_asks_nothing_about_signatures(tmp_path):
    cache = FakeCache()
    image = cache.image('proxy/app', '1')
    cache.signature('proxy/app', image['digest'])
    result = warm(cache, tmp_path, check_mode=True)
    assert 'signatures' not in result and asked(cache, image['digest']) == []


def test_a_signature_of_an_index_digest_on_harbor_says_it_will_not_verify_offline(tmp_path):
    cache = FakeCache(harbor=True)
    index = cache.index('proxy/app', '1')
    cache.signature('proxy/app', index['digest'])
    result = warm(cache, tmp_path)
    [entry] = result['signatures']
    assert entry['subject'] == index['digest'] and entry['verifies_offline'] is False
    assert 'cosign sign --recursive' in entry['note']


def test_a_signature_that_cannot_be_asked_is_failed_alone_and_the_image_keeps_its_status(tmp_path):
    """Upstream rate-limited: Harbor answers the committed image from its copy, but the signature's HEAD gets 429."""
    cache = FakeCache(harbor=True)
    image = cache.image('proxy/app', '1')
    cache.commit('proxy/app', '1', image)
    cache.refused[image['digest'].replace(':', '-') + '.sig'] = 'too many requests (429): upstream rate limit'
    result = warm(cache, tmp_path)
    assert (result['status'], result['changed']) == ('cached', False), result
    [entry] = result['signatures']
    assert entry['status'] == 'failed' and '429' in entry['note'] and 'digest' not in entry, entry


def test_the_cache_s_credentials_never_go_to_the_upstream_referrers_are_listed_at(tmp_path):
    auth_file = tmp_path / 'auth.json'
    auth_file.write_text(json.dumps({'auths': {'quay.io': {'auth': base64.b64encode(b'quay-user:quay-token').decode()}}}))
    rule = {'regex_url': r'^cache\.test/(.+):(.+)$', 'replacement_oci': 'https://harbor.example/v2/proxy_quay/$1/manifests/$2',
            'replacement_upstream': 'https://quay.io/v2/$1/manifests/$2'}
    base = dict(images=['cache.test/team/app:1'], proxy_caches=[rule], username='robot$pull', password='harbor-secret',
                signatures=['referrers'])
    prepared = prepare(validate(dict(base, auth_file=str(auth_file)))[0])
    assert prepared.credentials('https://harbor.example').password == 'harbor-secret'
    assert prepared.credentials('https://quay.io').password == 'quay-token'  # the auth file's, never the cache's
    assert prepared.targets[0].match.upstream == Repository('https://quay.io', 'team/app')
    prepared = prepare(validate(dict(base, upstream_username='u', upstream_password='p'))[0])
    assert (prepared.credentials('https://quay.io').username, prepared.connection.upstream_hosts) == ('u', ('quay.io',))
    assert prepare(validate(dict(base, signatures=['sig']))[0]).connection.upstream_hosts == ()  # no referrers: never asked


def test_a_signature_fetched_but_not_stored_fails_alone_and_the_image_counts_as_changed(tmp_path):
    """Harbor was made to fetch the signature (a change) but never stored its layer (#23600): the entry fails, the
    image is warmed, not cached."""
    cache = FakeCache(harbor=True)
    image = cache.image('proxy/app', '1')
    signature = cache.signature('proxy/app', image['digest'])
    cache.commit('proxy/app', '1', image)
    cache.lose.add(('proxy/app', cache.manifest_document(signature)['layers'][0]['digest']))
    result = warm(cache, tmp_path)
    assert (result['status'], result['changed']) == ('warmed', True), result
    [entry] = result['signatures']
    assert entry['status'] == 'failed' and '23600' in entry['note'] and entry['digest'] == signature['digest'], entry


@pytest.mark.parametrize('fallback_tag', ['listing', None, 'stale'], ids=['upstream-keeps-the-tag', 'upstream-lists-by-api', 'stale-tag'])
def test_referrers_through_a_plain_proxy_need_the_fallback_tag_verifiers_read_there(tmp_path, monkeypatch, fallback_tag):
    """A plain proxy has no referrers API: the fallback tag is fetched through it; where upstream keeps none (it lists
    referrers by its API), nothing leads a verifier to them through this cache, and the entry says so."""
    cache = FakeCache()
    image = cache.image('proxy/app', '1')
    referrer = cache.signature('proxy/app', image['digest'], kind='bundle')
    tag = image['digest'].replace(':', '-')
    if fallback_tag:  # a stale tag lists an older referrer only
        older = cache.image('proxy/app', None, layers=(b'an older referrer',))
        cache.referrers_tag('proxy/app', image['digest'], [referrer] if fallback_tag == 'listing' else [older])
    listed = [Referrer(referrer['digest'], referrer['mediaType'], referrer['size'], 'application/vnd.dev.sigstore.bundle.v0.3+json')]
    monkeypatch.setattr(signatures, 'list_referrers', lambda registry, repo, digest, tally: listed if digest == image['digest'] else [])
    result = warm(cache, tmp_path, kinds=('referrers',), rules=UPSTREAM_RULES)
    [entry] = result['signatures']
    assert ('GET', 'manifest', 'proxy/app', tag) in cache.log and ('GET', 'manifest', 'proxy/app', referrer['digest']) in cache.log
    if fallback_tag == 'listing':
        assert entry['status'] == 'warmed' and entry.get('verifies_offline') is not False, entry
    elif fallback_tag == 'stale':
        assert entry['status'] == 'failed' and 'fallback tag %s the cache serves does not list it' % tag in entry['note'], entry
    else:
        assert entry['status'] == 'failed' and 'no fallback tag %s' % tag in entry['note'] and 'Harbor' in entry['note'], entry
    assert result['status'] == 'warmed'


@pytest.mark.parametrize('version, found', [('v2.9.5-1a2b3c', False), ('v2.10.0-4d5e6f', True), ('', True)])
def test_referrers_on_a_harbor_before_v2_10_are_warmed_but_said_not_to_verify_offline(tmp_path, monkeypatch, version, found):
    """Before v2.10.0 Harbor answers the referrers API with JSON, so verifiers read the fallback tag, which is not
    warmed through Harbor: the referrer is warmed by digest and its entry says it will not be found offline."""
    cache = FakeCache(harbor=True)
    cache.harbor_version = version
    image = cache.image('proxy/app', '1')
    referrer = cache.signature('proxy/app', image['digest'], kind='bundle')
    listed = [Referrer(referrer['digest'], referrer['mediaType'], referrer['size'], 'application/vnd.dev.sigstore.bundle.v0.3+json')]
    monkeypatch.setattr(signatures, 'list_referrers', lambda registry, repo, digest, tally: listed if digest == image['digest'] else [])
    result = warm(cache, tmp_path, kinds=('referrers',), rules=UPSTREAM_RULES)
    [entry] = result['signatures']
    assert entry['status'] == 'warmed' and ('GET', 'manifest', 'proxy/app', referrer['digest']) in cache.log, entry
    assert not [read for read in cache.log if read[3] == image['digest'].replace(':', '-')]  # no fallback tag asked
    if found:
        assert entry.get('verifies_offline') is not False, entry
    else:
        assert entry['verifies_offline'] is False and 'v2.10' in entry['note'] and version in entry['note'], entry
