# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judging an image's own reference in its application registry (a registry in memory: fake_cache), and which
registry that is. The stand proves the same against a real registry that Harbor's emulated replication fills."""

from __future__ import annotations

import json

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import prepare
from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import validate
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import RegistryError
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import rules_from_options
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import targets_for
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.app_registry import (
    AppImage, AppRegistryOptions, Expected, app_image_of, judge,
)
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.fake_cache import FakeCache

ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
RULE = {'regex_url': r'^(?:.*amazonaws\.com|harbor\.example)/(proxy_[^/]+)/(.+):(.+)$',
        'replacement_oci': 'https://harbor.example/v2/$1/$2/manifests/$3'}
REPO = Repository('https://' + ECR, 'proxy_hub/library/nginx')
IMAGE = AppImage(REPO, '1.25', '1.25', ECR)
VERIFY = AppRegistryOptions(verify=True)


def children(cache, descriptor):
    raw, _media_type = cache.manifests[(REPO.name, descriptor['digest'])]
    return json.loads(raw)['manifests']


def platforms(cache, arches=('amd64', 'arm64')):
    """Push each platform's manifest by digest only, as event-based replication leaves them; their Expected."""
    return [Expected('linux/' + arch, cache.image(REPO.name, None, arch, (arch.encode(),))['digest']) for arch in arches]


def test_an_index_under_the_tag_with_every_platform_is_present():
    cache = FakeCache()
    descriptor = cache.index(REPO.name, '1.25', layers=())
    expected = [Expected('linux/' + arch, child['digest']) for arch, child in zip(('amd64', 'arm64'), children(cache, descriptor))]
    block = judge(cache, IMAGE, expected)
    assert (block['status'], block['present'], block['digest']) == ('present', True, descriptor['digest'])
    assert [entry['present'] for entry in block['platforms']] == [True, True] and block['msg'] is None


def test_platforms_there_by_digest_without_the_tag_are_harbor_16058():
    cache = FakeCache()
    expected = platforms(cache)
    block = judge(cache, IMAGE, expected)
    assert (block['status'], block['present'], block['digest']) == ('untagged', False, None)
    assert 'goharbor/harbor#16058' in block['msg'] and 'linux/amd64 (%s)' % expected[0].digest in block['msg']
    assert block['msg'].startswith('%s/proxy_hub/library/nginx:1.25 does not resolve' % ECR)


def test_a_tag_that_resolves_to_an_index_without_a_warmed_platform_is_stale():
    cache = FakeCache()
    cache.index(REPO.name, '1.25', arches=('amd64',), layers=())
    expected = [Expected('linux/amd64', children(cache, cache.index(REPO.name, None, arches=('amd64',), layers=()))[0]['digest']),
                Expected('linux/arm64', 'sha256:' + 'a' * 64)]
    block = judge(cache, IMAGE, expected)
    assert (block['status'], block['present']) == ('stale', False)
    assert [entry['present'] for entry in block['platforms']] == [True, False]
    assert 'lacks linux/arm64 (sha256:%s)' % ('a' * 64) in block['msg'] and 'override: false' in block['msg']


def test_nothing_there_is_absent_and_a_registry_that_fails_is_unreachable():
    block = judge(FakeCache(), IMAGE, [Expected('linux/amd64', 'sha256:' + 'b' * 64)])
    assert (block['status'], block['present']) == ('absent', False) and 'has not replicated it' in block['msg']

    class Down(FakeCache):
        def manifest_head(self, repo, reference, tally=None):
            raise RegistryError('HEAD https://%s/v2/...: ConnectionError after 3 retries: check the cache is reachable' % ECR)

    block = judge(Down(), IMAGE, [])
    assert block['status'] == 'unreachable' and 'could not be checked' in block['msg']


@pytest.mark.parametrize('image, registry', [
    (ECR + '/proxy_hub/library/nginx:1.25', REPO),
    ('harbor.example/proxy_hub/library/nginx:1.25', None),  # names the cache itself: nothing else to judge
    ('docker.io/proxy_hub/nginx:1.25', None),  # Docker Hub is nobody's application registry
    ('quay.io/x/y:1', None),  # unmatched: not warmed
])
def test_the_application_registry_is_the_reference_s_own_unless_docker_hub_or_the_cache(image, registry):
    rules = rules_from_options([RULE, {'regex_url': r'^docker\.io/(.+):(.+)$', 'replacement_oci': 'https://harbor.example/v2/$1/manifests/$2'}])
    assert app_image_of(targets_for([image], rules)[0], VERIFY) == (AppImage(registry, '1.25', '1.25', ECR) if registry else None)


def params(**options):
    base = dict(images=[ECR + '/proxy_hub/library/nginx:1.25'], proxy_caches=[RULE], username='robot$pull', password='harbor-secret')
    return validate(dict(base, **options))[0]


def test_the_cache_s_credentials_never_go_to_the_application_registry(tmp_path):
    auth_file = tmp_path / 'auth.json'
    auth_file.write_text(json.dumps({'auths': {}}))
    prepared = prepare(params(application_registry=dict(verify=True), auth_file=str(auth_file)))
    assert prepared.credentials('https://harbor.example').password == 'harbor-secret'
    assert prepared.credentials('https://' + ECR) is None  # no credentials of its own, none in the auth file
    prepared = prepare(params(application_registry=dict(verify=True, username='AWS', password='ecr-token')))
    assert prepared.credentials('https://' + ECR).password == 'ecr-token'
    assert prepared.connection.app_hosts == (ECR,)


@pytest.mark.parametrize('app, message', [
    (dict(verify=True, username='AWS'), 'application_registry.username was given without application_registry.password'),
    (dict(verify=True, password='x'), 'application_registry.password was given without application_registry.username'),
    (dict(verify=True, wait=-1), 'application_registry.wait must be 0'),
    (dict(deliver=True), 'application_registry.deliver needs application_registry.replication_username and replication_password'),
    (dict(deliver=True, replication_username='robot$replicator', replication_password='r'), 'deliver needs wait_for_commit'),
])
def test_application_registry_options_that_cannot_work_are_refused_before_any_request(app, message, monkeypatch):
    for name in ('APP_REGISTRY', 'REPLICATION'):
        monkeypatch.delenv('PREWARM_%s_USERNAME' % name, raising=False)
        monkeypatch.delenv('PREWARM_%s_PASSWORD' % name, raising=False)
    with pytest.raises(OptionError, match=message):
        prepare(params(application_registry=app))


def test_delivery_for_references_that_name_the_cache_itself_is_refused():
    app = dict(deliver=True, replication_username='robot$replicator', replication_password='r')
    with pytest.raises(OptionError, match=r'harbor.example/proxy_hub/library/nginx:1.25 names the cache itself \(harbor.example\)'):
        prepare(params(images=['harbor.example/proxy_hub/library/nginx:1.25'], application_registry=app, wait_for_commit=60))
    assert prepare(params(application_registry=app, wait_for_commit=60)).options.app_registry.verify  # deliver implies verify


def test_delivery_for_a_reference_pinned_by_digest_alone_is_refused_and_with_its_tag_goes_on():
    app = dict(deliver=True, replication_username='robot$replicator', replication_password='r')
    pinned = '%s/proxy_hub/library/nginx@sha256:%s' % (ECR, 'c' * 64)
    by_digest = {'regex_url': r'^.*amazonaws\.com/(proxy_[^/]+)/([^@:]+)@(.+)$',
                 'replacement_oci': 'https://harbor.example/v2/$1/$2/manifests/$3'}
    with pytest.raises(OptionError, match='pinned by digest alone, and Harbor replicates by tag'):
        prepare(params(images=[pinned], application_registry=app, wait_for_commit=60, proxy_caches=[by_digest]))
    tagged = '%s/proxy_hub/library/nginx:1.25@sha256:%s' % (ECR, 'c' * 64)
    assert prepare(params(images=[tagged], application_registry=app, wait_for_commit=60)).targets[0].image == tagged


def test_an_endpoint_reaches_the_application_registry_elsewhere_and_results_still_name_the_pod_s_reference():
    rules = rules_from_options([RULE])
    image = app_image_of(targets_for([ECR + '/proxy_hub/library/nginx:1.25'], rules)[0],
                         AppRegistryOptions(verify=True, endpoints={ECR: 'https://127.0.0.1:5443'}))
    assert image == AppImage(Repository('https://127.0.0.1:5443', 'proxy_hub/library/nginx'), '1.25', '1.25', ECR)
    block = judge(FakeCache(), image, [Expected('linux/amd64', 'sha256:' + 'b' * 64)])
    assert block['reference'] == ECR + '/proxy_hub/library/nginx:1.25' and block['msg'].startswith(block['reference'])
    prepared = prepare(params(application_registry=dict(verify=True, username='AWS', password='ecr-token',
                                                        endpoints={ECR: 'https://127.0.0.1:5443/'})))
    assert prepared.connection.app_hosts == ('127.0.0.1:5443',)  # credentials go where the requests go
    assert prepared.credentials('https://127.0.0.1:5443').password == 'ecr-token'


@pytest.mark.parametrize('endpoints', [{ECR: '127.0.0.1:5443'}, {ECR: 'https://127.0.0.1:5443/v2'},
                                       {'https://' + ECR: 'https://127.0.0.1:5443'}, {ECR: 'ftp://x'}])
def test_an_endpoint_that_is_not_a_host_to_a_base_url_is_refused(endpoints):
    with pytest.raises(OptionError, match='application_registry.endpoints: .* should map a registry host'):
        prepare(params(application_registry=dict(verify=True, endpoints=endpoints)))


@pytest.mark.parametrize('said, verify, looked_for', [
    (None, True, True), (None, False, False),  # unset: as the call says
    (False, True, False),  # never: no request, no credential goes to that registry
    (True, False, True),  # always, whatever the call
])
def test_a_rule_says_whether_its_images_are_looked_for_where_the_pods_pull_them(said, verify, looked_for):
    rule = dict(RULE, application_registry=said) if said is not None else RULE
    target = targets_for([ECR + '/proxy_hub/library/nginx:1.25'], rules_from_options([rule]))[0]
    assert (app_image_of(target, AppRegistryOptions(verify=verify)) is not None) is looked_for
    prepared = prepare(params(proxy_caches=[rule], application_registry=dict(verify=verify, username='AWS', password='ecr-token')))
    assert prepared.connection.app_hosts == ((ECR,) if looked_for else ())


def test_a_rule_that_says_false_is_never_delivered_to_even_when_its_references_name_the_cache():
    app = dict(deliver=True, replication_username='robot$replicator', replication_password='r')
    rule = dict(RULE, application_registry=False)
    prepared = prepare(params(images=['harbor.example/proxy_hub/library/nginx:1.25'], proxy_caches=[rule], application_registry=app,
                              wait_for_commit=60))
    assert prepared.connection.app_hosts == ()


def test_a_rule_s_application_registry_must_be_a_boolean():
    with pytest.raises(OptionError, match=r'proxy_caches\[0\]\.application_registry: must be true'):
        rules_from_options([dict(RULE, application_registry='yes')], option='proxy_caches')
