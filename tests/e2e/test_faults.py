# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults between the module and the cache, and between the cache and upstream: recovered, or reported clearly.

Each table row is one image with its own fault; a table runs as one module call (the module reports every image
on its own, so one call shows every row and keeps the suite fast). A recovered row must end ``warmed`` with its
retries counted; a fatal row ``failed`` with a message naming what happened, never a traceback, and never
``warmed`` when a digest did not match.

The tables of faults in blob bodies between the module and Harbor run with ``trigger_blobs: false``: they test the
read path (a plain proxy's, and Harbor's when asked). With triggers (Harbor's default) the module reads no blob
body, so TRIGGERED holds the same faults to a different verdict: warmed without a retry, Harbor having stored the
blobs with its own fetch, and pullable with upstream down.
"""

from __future__ import annotations

import collections

import pytest
import requests

from ansible_collections.prewarm.harbor.tests.e2e.playbook import run_module
from ansible_collections.prewarm.harbor.tests.faults import verdict
from ansible_collections.prewarm.harbor.tests.faults.actions import (
    SCHEMA1_TYPE, corrupt_byte, cut_short, delay, oversized_manifest, redirect, reset_after, rewrite_json, schema1_manifest,
    serve, shorter_body, signed, stall, status, too_many_requests,
)
from ansible_collections.prewarm.harbor.tests.faults.cache import FaultyUpstreamCache
from ansible_collections.prewarm.harbor.tests.faults.proxy import FaultProxy
from ansible_collections.prewarm.harbor.tests.stand import certs
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL

OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
MIB = 1024 * 1024


# Where a fault strikes, as a path regex built from the image (each image has its own repository).
def at_tag(image):
    return '/%s/manifests/%s$' % (image.repository, image.tag)


def at_child(image):
    return '/%s/manifests/sha256:' % image.repository


def at_layer(image):
    return '/%s/blobs/%s' % (image.repository, image.platforms[0].layers[0].digest)


def at_token(image):
    return r'/service/token\?.*%s%%3Apull' % image.repository.replace('/', '%2F')


# Defects found by these tests and not fixed yet in plugins/ (see the report); strict, so a fix shows up.

Case = collections.namedtuple('Case', 'name faults expect index times')
ONCE, ALWAYS = 1, None  # a fault fires on the first attempt only, or on every one


def case(name, faults, expect, index=False, times=ONCE):
    """A table row: ``faults`` are (action, where) pairs; ``expect`` the retries (recovered) or message phrases."""
    row = Case(name, faults, expect, index, times)
    return pytest.param(row, id=name)


RECOVERED = [
    case('retry-after-seconds', [(too_many_requests(1), at_tag)], 1),
    case('retry-after-http-date', [(too_many_requests(1, as_date=True), at_tag)], 1),
    case('5xx-burst', [(status(500), at_layer), (status(502), at_layer), (status(503), at_layer)], 3),
    case('reset-mid-blob', [(reset_after(2048), at_layer)], 1),
    case('body-cut-short', [(cut_short(1), at_layer)], 1),
    case('body-shorter-than-manifest', [(shorter_body(1), at_layer)], 1),
    case('corrupt-byte-in-blob', [(corrupt_byte(100), at_layer)], 1),
    case('stall-before-headers', [(stall(5), at_layer)], 1),
    case('stall-mid-body', [(stall(5, 1024), at_layer)], 1),
    case('corrupt-byte-in-child-manifest', [(corrupt_byte(3), at_child)], 1, index=True),
]

TRIGGERED = [
    case('trigger-reset-mid-blob', [(reset_after(2048), at_layer)], 0),
    case('trigger-corrupt-byte-in-blob', [(corrupt_byte(100), at_layer)], 0),
    case('trigger-stall-mid-body', [(stall(5, 1024), at_layer)], 0),
    case('trigger-stall-before-headers', [(stall(5), at_layer)], 1),  # no status line: the trigger times out and is sent again
    case('trigger-5xx-burst', [(status(500), at_layer), (status(502), at_layer), (status(503), at_layer)], 3),
]

MANIFEST_BODY = [
    case('reset-mid-manifest', [(reset_after(64), at_tag)], 1),
    case('manifest-cut-short', [(cut_short(1), at_tag)], 1),
    case('stall-mid-manifest', [(stall(5, 64), at_tag)], 1),
]


def fatal(name, faults, phrases, **options):
    """A row whose fault fires on every attempt: the image must fail with ``phrases`` in its message."""
    return case(name, faults, phrases, times=ALWAYS, **options)


FATAL = [
    fatal('5xx-persistent', [(status(503), at_layer)], ['503', 'retr']),
    fatal('429-persistent', [(too_many_requests(1), at_layer)], ['rate limited (429)', 'lower max_parallel_jobs or retry later']),
    fatal('reset-persistent', [(reset_after(2048), at_layer)], ['the connection broke after', '2 times']),
    fatal('corrupt-byte-persistent', [(corrupt_byte(100), at_layer)], ['(corrupted)', '2 times', 'serves broken content']),
    fatal('corrupt-child-manifest-persistent', [(corrupt_byte(3), at_child)], ['not the sha256:', 'corrupted bytes'], index=True),
    fatal('stall-persistent', [(stall(5), at_layer)], ['Read timed out', 'check the cache is reachable']),
    fatal('malformed-manifest-json', [(serve(b'{"schemaVersion": 2, "config": ', OCI_MANIFEST), at_tag)], ['malformed manifest JSON']),
    fatal('schema1-manifest', [(serve(schema1_manifest('faults/schema1', '1.0'), SCHEMA1_TYPE), at_tag)],
          ['schema1 is deprecated and unsupported', 're-push the image']),
    fatal('manifest-over-4-mib', [(serve(oversized_manifest(4 * MIB + 1), OCI_MANIFEST), at_tag)], ['larger than 4194304 bytes']),
    fatal('token-service-down', [(status(500), at_token)], ['the token service', 'answered 500']),
    fatal('tls-wrong-ca', [], ['TLS verification failed', 'ca_path']),
]

# docker-registry fetches a missing blob from upstream twice at once: one stream for the client, one to store.
# A fault on the storing fetch alone is invisible to any client (the cache logs "Error committing to storage" and
# the client reads fine), so each fault here breaks both fetches of an attempt and the module must see it.
BOTH_FETCHES = 2
UPSTREAM = [
    case('upstream-5xx-burst', [(status(503), at_layer)], True, times=2 * BOTH_FETCHES),
    case('upstream-reset-mid-blob', [(reset_after(2048), at_layer)], True, times=BOTH_FETCHES),
    case('upstream-body-cut-short', [(cut_short(1), at_layer)], True, times=BOTH_FETCHES),
    case('upstream-corrupt-byte', [(corrupt_byte(100), at_layer)], True, times=BOTH_FETCHES),
    fatal('upstream-corrupt-byte-persistent', [(corrupt_byte(100), at_layer)], False),
]

Batch = collections.namedtuple('Batch', 'run proxy images faults')


def rows(table):
    return [param.values[0] for param in table]


def repository(row, prefix='faults'):
    return '%s/%s' % (prefix, row.name)


def warm_batch(stand, proxy, table, prefix='faults', project='proxy_hub', rules=(), base=None, **options):
    """Push one image per row, arm its faults at ``proxy`` and warm them all in one module call through ``base``.

    Faults at Harbor skip the anonymous first request (``authorized``): it only learns the challenge.
    """
    images, faults = {}, {}
    for row in rows(table):
        platforms = ('linux/amd64', 'linux/arm64') if row.index else ('linux/amd64',)
        image = images[row.name] = stand.push_image(repository(row, prefix), '1.0', platforms=platforms, layer_bytes=8192)
        faults[row.name] = [proxy.inject(action, 'GET', where(image), times=row.times, name=row.name, authorized=True if project else None)
                            for action, where in row.faults]
    args = dict(images=[verdict.reference(repository(row, prefix)) for row in rows(table)], max_parallel_jobs=len(images),
                proxy_caches=list(rules) + [verdict.rule(base or proxy.url, project=project)])
    args.update(options)
    return Batch(run_module(args), proxy, images, faults)


@pytest.fixture(scope='module')
def front(stand):
    """The fault proxy between the module and the emulated Harbor."""
    with FaultProxy(stand.harbor_url) as proxy:
        yield proxy


@pytest.fixture(scope='module')
def elsewhere(stand):
    """Another host (127.0.0.2) that serves a redirected blob GET like an object store behind a presigned URL:
    with a right of its own (an anonymous token for the public project), so the cache still stores the blob."""
    with FaultProxy(stand.harbor_url, host='127.0.0.2') as other:
        def own_token(exchange):
            scope = 'repository:%s:pull' % exchange.path.split('/v2/', 1)[1].split('/blobs/', 1)[0]
            answer = requests.get(stand.harbor_url + '/service/token', params={'service': 'harbor-registry', 'scope': scope}, timeout=10)
            return {'Authorization': 'Bearer ' + answer.json()['token']}
        other.inject(signed(own_token), 'GET', '/blobs/', times=ALWAYS)
        yield other


@pytest.fixture(scope='module')
def recovered(stand, front, elsewhere):
    moved = Case('redirect-to-other-host', [], 0, False, ONCE)
    front.inject(redirect(lambda exchange: elsewhere.url + exchange.path), 'GET', '/faults/%s/blobs/' % moved.name, times=ALWAYS,
                 name=moved.name, authorized=True)
    return warm_batch(stand, front, RECOVERED + [pytest.param(moved)], timeout=2, retries=3,
                      username=stand.robot_user, password=stand.robot_password, trigger_blobs=False)


@pytest.mark.parametrize('row', RECOVERED)
def test_recovered(recovered, row):
    verdict.warmed(recovered.run, repository(row), retries=row.expect)
    assert [fault.hits for fault in recovered.faults[row.name]] == [1] * len(row.faults)


@pytest.mark.parametrize('name', ['retry-after-seconds', 'retry-after-http-date'])
def test_retry_after_is_honoured(recovered, name):
    asked = recovered.proxy.requests('GET', at_tag(recovered.images[name]))
    refused = [seen for seen in asked if seen.status == 429]
    assert len(refused) == 1, asked
    retried = asked[asked.index(refused[0]) + 1]
    assert retried.time - refused[0].time >= 0.95, (refused, retried)  # Retry-After: 1 s, or a date 1-2 s ahead


def test_redirect_to_another_host_carries_no_authorization(recovered, elsewhere):
    verdict.warmed(recovered.run, 'faults/redirect-to-other-host', retries=0)
    image = recovered.images['redirect-to-other-host']
    there = elsewhere.requests('GET', '/faults/redirect-to-other-host/blobs/')
    assert len(there) == len(image.platforms[0].blobs)
    assert [seen.auth_scheme for seen in there] == [None] * len(there)
    here = recovered.proxy.requests('GET', '/faults/redirect-to-other-host/blobs/')
    assert {seen.auth_scheme for seen in here} == {'bearer'}  # the cache itself did get the token


@pytest.fixture(scope='module')
def triggered(stand, front, elsewhere):
    moved = Case('trigger-redirect-to-other-host', [], 0, False, ONCE)
    front.inject(redirect(lambda exchange: elsewhere.url + exchange.path), 'GET', '/faults/%s/blobs/' % moved.name, times=ALWAYS,
                 name=moved.name, authorized=True)
    return warm_batch(stand, front, TRIGGERED + [pytest.param(moved)], timeout=2, retries=3, wait_for_commit=60,
                      harbor_check_interval=HARBOR_INTERVAL, username=stand.robot_user, password=stand.robot_password)


@pytest.mark.parametrize('row', TRIGGERED)
def test_a_fault_in_a_blob_body_does_not_reach_a_trigger_and_harbor_still_stores_the_blob(stand, triggered, row):
    item = verdict.warmed(triggered.run, repository(row), retries=row.expect)
    assert item['harbor']['committed'] and sum(platform['bytes_pulled'] for platform in item['platforms']) < 2048, item
    assert [fault.hits for fault in triggered.faults[row.name]] == [1] * len(row.faults)
    pulled = stand.oracle_pull(stand.harbor_url, '%s/%s:1.0' % (stand.public_project, repository(row)), 'linux/amd64')
    assert pulled.ok, pulled.stderr


def test_a_trigger_redirected_to_another_host_carries_no_authorization(triggered, elsewhere):
    verdict.warmed(triggered.run, 'faults/trigger-redirect-to-other-host', retries=0)
    there = elsewhere.requests('GET', '/faults/trigger-redirect-to-other-host/blobs/')
    assert there and [seen.auth_scheme for seen in there] == [None] * len(there)


@pytest.fixture(scope='module')
def manifest_body(stand, front):
    return warm_batch(stand, front, MANIFEST_BODY, timeout=2, trigger_blobs=False)


@pytest.mark.parametrize('row', MANIFEST_BODY)
def test_broken_manifest_body_is_retried(manifest_body, row):
    verdict.warmed(manifest_body.run, repository(row), retries=row.expect)


@pytest.fixture(scope='module')
def fatal(stand, front, tmp_path_factory):
    other_ca = certs.make_tls(str(tmp_path_factory.mktemp('other-ca'))).ca_path
    tls_rule = dict(regex_url=r'^faults\.example/(faults/tls-.+):(.+)$', replacement_oci=stand.harbor_https_url + '/v2/proxy_hub/$1/manifests/$2')
    mark = stand.harbor_log_mark()
    batch = warm_batch(stand, front, FATAL, rules=[tls_rule], timeout=1, retries=1, ca_path=other_ca,
                       username=stand.robot_user, password=stand.robot_password, trigger_blobs=False)
    return batch, [entry for entry in stand.harbor_log(since=mark) if entry.scheme == 'https']


@pytest.mark.parametrize('row', FATAL)
def test_fatal(fatal, row):
    batch, _https = fatal
    item = verdict.failed(batch.run, repository(row), *row.expect)
    assert item['platforms'] == []


def test_fatal_faults_fail_the_task_with_a_summary(fatal):
    batch, https = fatal
    assert batch.run.result['failed'] is True
    assert '%d of %d images failed' % (len(FATAL), len(FATAL)) in batch.run.result['msg']
    assert https == []  # with the wrong CA not one request got through (so no credential either)


def test_wrong_credentials_fail_after_one_token_request(stand):
    """Harbor issues wrong credentials an anonymous token (docs/harbor.md 7.5), so the refusal comes as a 401 on the
    private project itself, which cannot tell wrong credentials from missing rights: the message names both."""
    image = stand.push_image('faults/wrong-credentials', '1.0')
    with FaultProxy(stand.harbor_url) as proxy:
        run = run_module(dict(image=verdict.reference(image.repository), username=stand.robot_user, password='not-the-secret',
                              proxy_caches=[verdict.rule(proxy.url, project=stand.private_project)]))
    verdict.failed(run, image.repository, '401 unauthorized', 'check username/password', 'may pull from this project')
    assert len(proxy.requests('GET', '/service/token')) == 1  # no hammering of the account
    assert not [seen for seen in proxy.requests(path='^/v2/') if seen.auth_scheme == 'basic']


@pytest.fixture(scope='module')
def expired_token(stand):
    """Tokens live 1 s at Harbor but claim an hour (a skewed clock): the run meets a 401 half way. On the private
    project: Harbor treats an expired token as anonymous (docs/harbor.md 7.3, 7.5), which still pulls a public one. The
    delay stays under Harbor's ten store checks (2.5 s here), after which Harbor would fetch the blobs itself."""
    image = stand.push_image('faults/token-expires', '1.0')
    stand.set_token_lifetime(1)
    try:
        with FaultProxy(stand.harbor_url) as proxy:
            proxy.inject(rewrite_json(lambda document: document.update(expires_in=3600)), 'GET', '/service/token', times=ALWAYS)
            proxy.inject(delay(1.2), 'HEAD', '/faults/token-expires/blobs/', times=1)
            run = run_module(dict(image=verdict.reference(image.repository), username=stand.robot_user, password=stand.robot_password,
                                  proxy_caches=[verdict.rule(proxy.url, project=stand.private_project)]))
        return run, image, proxy.requests()
    finally:
        stand.set_token_lifetime(stand.token_lifetime)


def test_token_expiring_mid_run_is_renewed(expired_token):
    run, image, seen = expired_token
    verdict.warmed(run, image.repository)
    refused = [s for s in seen if s.status == 401 and s.auth_scheme == 'bearer']
    assert refused, seen
    # Harbor challenges a request that carried a header with Basic (docs/harbor.md 7.1): answered with a new token, never
    # with the password on /v2. Accepted, not necessarily 200: a blob HEAD answers 404 until Harbor holds the blob.
    after = seen[seen.index(refused[0]):]
    renewed = [s for s in after if s.path.startswith('/service/token')]
    assert renewed and all(s.status == 200 for s in renewed), seen
    assert [s for s in after if s.auth_scheme == 'basic' and s.path.startswith('/v2/')] == [], seen


def test_token_renewal_is_counted_as_a_retry(expired_token):
    run, image, _seen = expired_token
    assert verdict.warmed(run, image.repository)['retries'] >= 1


@pytest.fixture(scope='module')
def upstream(stand, tmp_path_factory):
    """A second cache whose upstream is behind a fault proxy; warmed once with every UPSTREAM row."""
    with FaultyUpstreamCache(stand, tmp_path_factory.mktemp('faulty-cache')) as cache:
        batch = warm_batch(stand, cache.upstream, UPSTREAM, prefix='ufaults', project=None, base=cache.url)
        cache.go_offline()
        yield cache, batch


@pytest.mark.parametrize('row', UPSTREAM)
def test_upstream_fault(upstream, row):
    """Recovered (the module saw the fault and retried), proven by pulling from the cache with upstream down; a
    persistent corruption is failed and never cached."""
    cache, batch = upstream
    name = repository(row, 'ufaults')
    assert batch.faults[row.name][0].hits >= (row.times or 1)
    pulled = cache.pull(name + ':1.0')
    if row.expect:
        verdict.warmed(batch.run, name, retries=(1, None))
        assert pulled.ok, (pulled.stderr, batch.proxy.requests(path=row.name), cache.log_tail())
    else:
        item = verdict.failed(batch.run, name, '(corrupted)', 'serves broken content')
        assert item['platforms'] == []
        assert not pulled.ok


def test_unusable_lock_directory_is_reported_not_a_crash(stand, tmp_path):
    """The digest locks live in one directory under the temporary directory, shared by every user of the machine:
    when another user made it first, this user cannot create locks there (stood in for by a file where the directory
    goes). Warmed (the locks moved elsewhere) or failed saying so are both fine; losing every image's result is not."""
    (tmp_path / 'prewarm-harbor-locks').write_text('not a directory')
    image = stand.push_image('faults/lock-directory', '1.0')
    run = run_module(dict(image=verdict.reference(image.repository), proxy_caches=[verdict.rule(stand.harbor_url)]),
                     env={'TMPDIR': str(tmp_path)})
    item = verdict.entry(run, image.repository)
    assert item['status'] == 'warmed' or 'lock directory' in item['msg'], item
