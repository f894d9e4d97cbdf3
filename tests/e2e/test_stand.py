# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the registry stand itself: if these pass, the integration tests can trust what the stand shows."""

import concurrent.futures
import gzip
import hashlib
import io
import json
import tarfile
import time

import pytest
import requests

from ansible_collections.prewarm.harbor.tests.stand import model

ACCEPT = ', '.join(model.ALL_MANIFEST_TYPES)
MULTI = 'library/multi'


def sha256(data):
    """Digest string of bytes."""
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def token(base, scope, auth=None, verify=True):
    """Ask the front's token endpoint; return the response."""
    return requests.get(f'{base}/service/token', params={'service': 'harbor-registry', 'scope': scope}, auth=auth,
                        verify=verify, timeout=10)


def bearer(base, repository, auth=None, verify=True):
    """Headers with a pull token for ``<project>/<repo>``."""
    answer = token(base, f'repository:{repository}:pull', auth, verify)
    assert answer.status_code == 200, answer.text
    return {'Authorization': 'Bearer ' + answer.json()['token'], 'Accept': ACCEPT}


def challenge(base, repository):
    """Harbor's exact challenge for a repository."""
    return f'Bearer realm="{base}/service/token",service="harbor-registry",scope="repository:{repository}:pull"'


def get(url, headers=None, method='GET'):
    """One request with a timeout."""
    return requests.request(method, url, headers=headers, timeout=30)


def pull_platform_by_hand(stand, base, repository, image, platform):
    """GET the index, the platform's manifest and every blob through ``base``, checking each digest."""
    headers = bearer(base, repository)
    child = image.platform(platform)
    for reference, expected in ((image.tag, image.digest), (child.digest, child.digest)):
        answer = get(f'{base}/v2/{repository}/manifests/{reference}', headers)
        assert answer.status_code == 200 and sha256(answer.content) == expected
    for blob in child.blobs:
        answer = get(f'{base}/v2/{repository}/blobs/{blob.digest}', headers)
        assert answer.status_code == 200 and sha256(answer.content) == blob.digest
        assert stand.wait_blob_cached(repository, blob.digest)


def test_startup_is_fast(stand):
    """The session's stand came up quickly (target < 10 s; loose bound for slow CI)."""
    print(f'stand startup: {stand.startup_seconds:.2f} s')
    assert stand.startup_seconds < 20


def _check_image_manifest(upstream, repository, item):
    answer = get(f'{upstream}/v2/{repository}/manifests/{item.digest}', {'Accept': ACCEPT})
    assert answer.status_code == 200
    assert sha256(answer.content) == item.digest and len(answer.content) == item.size
    assert answer.headers['Content-Type'] == item.media_type
    doc = answer.json()
    assert doc['config']['digest'] == item.config.digest and doc['config']['size'] == item.config.size
    assert [(d['digest'], d['size'], d['mediaType']) for d in doc['layers']] == [(b.digest, b.size, b.media_type) for b in item.layers]
    blobs = {}
    for blob in item.blobs:
        data = get(f'{upstream}/v2/{repository}/blobs/{blob.digest}').content
        assert sha256(data) == blob.digest and len(data) == blob.size
        blobs[blob.digest] = data
    config = json.loads(blobs[item.config.digest])
    if item.platform != 'unknown/unknown':
        assert str(model.Platform(config['os'], config['architecture'], config.get('variant', ''))) == item.platform
        diff_ids = []
        for layer in item.layers:
            raw = gzip.decompress(blobs[layer.digest])
            assert tarfile.open(fileobj=io.BytesIO(raw)).getnames()
            diff_ids.append(sha256(raw))
        assert config['rootfs']['diff_ids'] == diff_ids
    return doc


@pytest.mark.parametrize('key', ['oci_index', 'manifest_list', 'schema2', 'oci', 'shared_one', 'shared_two'])
def test_seeded_images_are_real(stand, key):
    """Top manifest, children, configs and layers are what the dataclass says, with real diff_ids."""
    image = stand.images[key]
    answer = get(f'{stand.upstream_url}/v2/{image.repository}/manifests/{image.tag}', {'Accept': ACCEPT})
    assert answer.status_code == 200
    assert sha256(answer.content) == image.digest and len(answer.content) == image.size
    assert answer.headers['Content-Type'] == image.media_type
    top = answer.json()
    if image.is_index:
        entries = top['manifests']
        real = [e for e in entries if e['platform']['os'] != 'unknown']
        assert [(e['digest'], e['size']) for e in real] == [(p.digest, p.size) for p in image.platforms]
        assert [str(model.Platform(**{k: e['platform'].get(k, '') for k in ('os', 'architecture', 'variant')})) for e in real] == \
            [p.platform for p in image.platforms]
        for entry, proof in zip([e for e in entries if e['platform']['os'] == 'unknown'], image.attestations):
            assert entry['digest'] == proof.digest
            assert entry['annotations']['vnd.docker.reference.type'] == 'attestation-manifest'
            assert entry['annotations']['vnd.docker.reference.digest'] in [p.digest for p in image.platforms]
    for item in image.platforms + image.attestations:
        _check_image_manifest(stand.upstream_url, image.repository, item)


def test_seeded_set_shape(stand):
    """The variety the module must handle is really there."""
    images = stand.images
    assert images['oci_index'].media_type == model.OCI_INDEX and len(images['oci_index'].attestations) == 3
    assert [p.platform for p in images['oci_index'].platforms] == ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7']
    layer_sets = [set(b.digest for b in p.layers) for p in images['oci_index'].platforms]
    assert not layer_sets[0] & layer_sets[1] and not layer_sets[1] & layer_sets[2] and not layer_sets[0] & layer_sets[2]
    assert images['manifest_list'].media_type == model.DOCKER_LIST
    assert images['schema2'].media_type == model.DOCKER_MANIFEST
    assert images['oci'].media_type == model.OCI_MANIFEST
    oci_doc = get(f'{stand.upstream_url}/v2/library/oci/manifests/1.0', {'Accept': ACCEPT}).json()
    assert 'mediaType' not in oci_doc
    one, two = images['shared_one'].platforms[0], images['shared_two'].platforms[0]
    assert images['shared_one'].repository != images['shared_two'].repository
    assert one.layers[0].digest == two.layers[0].digest and one.layers[1].digest != two.layers[1].digest


def test_blob_head_is_local_only(stand):
    """HEAD blob: 404 before the blob went through the front, 200 after; per repository, like the cache's links."""
    stand.reset_cache()
    base = stand.front_url
    repository = f'{stand.public_project}/team/app-one'
    headers = bearer(base, repository)
    blob = stand.images['shared_one'].platforms[0].layers[0]
    url = f'{base}/v2/{repository}/blobs/{blob.digest}'
    assert get(url, headers, 'HEAD').status_code == 404
    assert not stand.blob_cached(repository, blob.digest)
    answer = get(url, headers)
    assert answer.status_code == 200 and sha256(answer.content) == blob.digest
    assert stand.wait_blob_cached(repository, blob.digest)  # committed a few ms after the last byte was sent
    head = get(url, headers, 'HEAD')
    assert head.status_code == 200 and int(head.headers['Content-Length']) == blob.size
    other = f'{stand.public_project}/team/app-two'
    assert get(f'{base}/v2/{other}/blobs/{blob.digest}', bearer(base, other), 'HEAD').status_code == 404


@pytest.mark.parametrize('path', ['manifests/1.0', 'blobs/sha256:' + '0' * 64])
@pytest.mark.parametrize('method', ['GET', 'HEAD'])
def test_no_token_gets_harbor_challenge(stand, path, method):
    """Without Authorization: 401 and Harbor's exact challenge (project in the scope, realm on the front)."""
    repository = f'{stand.public_project}/{MULTI}'
    answer = get(f'{stand.front_url}/v2/{repository}/{path}', method=method)
    assert answer.status_code == 401
    assert answer.headers['WWW-Authenticate'] == challenge(stand.front_url, repository)


def test_v2_root_challenge(stand):
    """/v2/ answers 401 with realm and service only; any valid token opens it."""
    answer = get(f'{stand.front_url}/v2/')
    assert answer.status_code == 401
    assert answer.headers['WWW-Authenticate'] == f'Bearer realm="{stand.front_url}/service/token",service="harbor-registry"'
    assert get(f'{stand.front_url}/v2/', bearer(stand.front_url, f'{stand.public_project}/{MULTI}')).status_code == 200


def test_token_rules(stand):
    """Robot pulls from both projects, anonymous only from the public one; tokens are per repository."""
    base, public, private = stand.front_url, stand.public_project, stand.private_project

    def status(repository, headers):
        return get(f'{base}/v2/{repository}/manifests/1.0', headers).status_code

    assert status(f'{public}/{MULTI}', bearer(base, f'{public}/{MULTI}')) == 200
    assert status(f'{public}/{MULTI}', bearer(base, f'{public}/library/oci')) == 401
    assert status(f'{private}/{MULTI}', bearer(base, f'{public}/{MULTI}')) == 401
    denied = get(f'{base}/v2/{private}/{MULTI}/manifests/1.0', bearer(base, f'{private}/{MULTI}'))
    assert denied.status_code == 401 and denied.headers['WWW-Authenticate'] == challenge(base, f'{private}/{MULTI}')
    for project in (public, private):
        assert status(f'{project}/{MULTI}', bearer(base, f'{project}/{MULTI}', auth=stand.robot_creds)) == 200
    assert token(base, f'repository:{private}/{MULTI}:pull', auth=(stand.robot_user, 'wrong')).status_code == 401
    assert token(base, f'repository:{private}/{MULTI}:pull', auth=('someone', stand.robot_password)).status_code == 401
    body = token(base, f'repository:{public}/{MULTI}:pull').json()
    assert set(body) == {'token', 'access_token', 'expires_in', 'issued_at'} and body['expires_in'] == 1800
    forged = body['token'][:-4] + ('AAAA' if not body['token'].endswith('AAAA') else 'BBBB')
    assert status(f'{public}/{MULTI}', {'Authorization': 'Bearer ' + forged, 'Accept': ACCEPT}) == 401


def test_basic_auth_on_v2(stand):
    """Harbor also takes Basic credentials on /v2 requests; wrong ones get the challenge."""
    url = f'{stand.front_url}/v2/{stand.private_project}/{MULTI}/manifests/1.0'
    assert requests.get(url, auth=stand.robot_creds, headers={'Accept': ACCEPT}, timeout=10).status_code == 200
    assert requests.get(url, auth=(stand.robot_user, 'wrong'), headers={'Accept': ACCEPT}, timeout=10).status_code == 401


def test_token_expiry(stand):
    """``expires_in`` is configurable and the front enforces it exactly."""
    # exp is whole seconds (iat truncated), so a 2 s token lives between 1 and 2 s.
    stand.set_token_lifetime(2)
    try:
        answer = token(stand.front_url, f'repository:{stand.public_project}/{MULTI}:pull').json()
    finally:
        stand.set_token_lifetime(1800)
    assert answer['expires_in'] == 2
    headers = {'Authorization': 'Bearer ' + answer['token'], 'Accept': ACCEPT}
    url = f'{stand.front_url}/v2/{stand.public_project}/{MULTI}/manifests/1.0'
    assert get(url, headers).status_code == 200
    time.sleep(2.2)
    assert get(url, headers).status_code == 401


def test_head_manifest_leaves_cache_alone(stand):
    """HEAD manifest at the front answers from upstream and writes nothing; a GET does write (the check is sensitive)."""
    stand.reset_cache()
    repository = f'{stand.public_project}/{MULTI}'
    headers = bearer(stand.front_url, repository)
    before = stand.snapshot_proxy_storage()
    answer = get(f'{stand.front_url}/v2/{repository}/manifests/1.0', headers, 'HEAD')
    assert answer.status_code == 200 and answer.headers['Docker-Content-Digest'] == stand.images['oci_index'].digest
    assert stand.snapshot_proxy_storage() == before
    assert get(f'{stand.front_url}/v2/{repository}/manifests/1.0', headers).status_code == 200
    assert stand.snapshot_proxy_storage() != before


def test_api_ping_and_systeminfo(stand):
    """Harbor's unauthenticated API on the front; the plain proxy is no Harbor."""
    ping = get(f'{stand.front_url}/api/v2.0/ping')
    assert ping.status_code == 200 and ping.text == 'Pong'
    info = get(f'{stand.front_url}/api/v2.0/systeminfo')
    assert info.status_code == 200 and info.json()['harbor_version'].startswith('v2.')
    assert get(f'{stand.proxy_url}/api/v2.0/ping').status_code == 404


def test_rate_limit_switch(stand):
    """The next K /v2 requests get 429 with Retry-After, then service resumes; count=None limits until switched off."""
    url = f'{stand.front_url}/v2/{stand.public_project}/{MULTI}/manifests/1.0'
    headers = bearer(stand.front_url, f'{stand.public_project}/{MULTI}')
    stand.set_rate_limit(count=2, retry_after=3)
    answers = [get(url, headers) for attempt in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers['Retry-After'] == '3'
    stand.set_rate_limit(count=None, retry_after=1)
    try:
        assert [get(url, headers).status_code for attempt in range(3)] == [429] * 3
        assert get(f'{stand.front_url}/v2/').status_code == 429
    finally:
        stand.set_rate_limit(count=0)
    assert get(url, headers).status_code == 200


def test_manifest_delay_switch(stand):
    """Manifest GETs wait S seconds each, concurrently (not one after another); blobs and HEADs do not wait."""
    repository = f'{stand.public_project}/{MULTI}'
    headers = bearer(stand.front_url, repository)
    url = f'{stand.front_url}/v2/{repository}/manifests/1.0'
    stand.set_manifest_delay(1.0)
    try:
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda attempt: get(url, headers).status_code, range(4)))
        elapsed = time.monotonic() - started
        head_started = time.monotonic()
        assert get(url, headers, 'HEAD').status_code == 200
        head_elapsed = time.monotonic() - head_started
    finally:
        stand.set_manifest_delay(0)
    assert statuses == [200] * 4
    assert 1.0 <= elapsed < 2.0 and head_elapsed < 0.5
    started = time.monotonic()
    assert get(url, headers).status_code == 200 and time.monotonic() - started < 0.5


def test_tls(stand):
    """HTTPS with the stand's CA works (realm is HTTPS too); without the CA verification fails."""
    base = stand.front_https_url
    answer = requests.get(f'{base}/v2/', verify=stand.ca_path, timeout=10)
    assert answer.status_code == 401 and f'realm="{base}/service/token"' in answer.headers['WWW-Authenticate']
    repository = f'{stand.public_project}/{MULTI}'
    headers = bearer(base, repository, verify=stand.ca_path)
    assert requests.get(f'{base}/v2/{repository}/manifests/1.0', headers=headers, verify=stand.ca_path, timeout=10).status_code == 200
    localhost = base.replace('127.0.0.1', 'localhost')
    assert requests.get(f'{localhost}/api/v2.0/ping', verify=stand.ca_path, timeout=10).text == 'Pong'
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f'{base}/api/v2.0/ping', timeout=10)


def test_access_log(stand):
    """Entries carry method, path, status, bytes and the kind of credentials, never their value."""
    mark = stand.front_log_mark()
    repository = f'{stand.public_project}/{MULTI}'
    answer = token(stand.front_url, f'repository:{repository}:pull', auth=stand.robot_creds)
    secret = answer.json()['token']
    get(f'{stand.front_url}/v2/{repository}/manifests/1.0', {'Authorization': 'Bearer ' + secret, 'Accept': ACCEPT})
    entries = stand.front_log(since=mark)
    for _poll in range(50):  # nginx writes the line just after the client has the response
        if len(entries) >= 2:
            break
        time.sleep(0.05)
        entries = stand.front_log(since=mark)
    assert [(e.method, e.path, e.status, e.auth) for e in entries] == [
        ('GET', '/service/token', 200, 'basic'), ('GET', f'/v2/{repository}/manifests/1.0', 200, 'bearer')]
    manifest = entries[1]
    assert manifest.kind == 'manifests' and manifest.name == repository and manifest.reference == '1.0'
    assert manifest.body_bytes_sent == stand.images['oci_index'].size and manifest.backend == 'proxy'
    with open(stand.access_log_path, encoding='utf-8') as handle:
        text = handle.read()
    assert secret not in text and stand.robot_password not in text


def test_oracle_proves_cache_content(stand):
    """With upstream stopped, skopeo pulls the platform read through the front and fails on another one."""
    stand.reset_cache()
    image = stand.images['oci_index']
    repository = f'{stand.public_project}/{MULTI}'
    pull_platform_by_hand(stand, stand.front_url, repository, image, 'linux/arm/v7')
    try:
        warm = stand.oracle_pull(stand.front_url, f'{repository}:1.0', 'linux/arm/v7')
        assert not stand.upstream_running
        assert warm.ok, warm.stderr
        by_digest = stand.oracle_pull(stand.front_https_url, f'{repository}@{image.digest}', 'linux/arm/v7', creds='robot')
        assert by_digest.ok, by_digest.stderr
        cold = stand.oracle_pull(stand.front_url, f'{repository}:1.0', 'linux/amd64')
        assert not cold.ok
    finally:
        stand.start_upstream()
    assert stand.oracle_pull(stand.front_url, f'{repository}:1.0', 'linux/amd64', stop_upstream=False).ok


def test_streamed_large_layer(stand):
    """The large-image path streams a multi-chunk layer and reports the right digest, size and diff_id."""
    image = stand.push_image('library/streamed', '1.0', layer_bytes=5 * 1024 * 1024 + 7)
    layer = image.platforms[0].layers[0]
    data = get(f'{stand.upstream_url}/v2/library/streamed/blobs/{layer.digest}').content
    assert sha256(data) == layer.digest and len(data) == layer.size > 5 * 1024 * 1024
    config = get(f'{stand.upstream_url}/v2/library/streamed/blobs/{image.platforms[0].config.digest}').json()
    assert config['rootfs']['diff_ids'] == [sha256(gzip.decompress(data))]


def test_single_segment_name_redirects(stand):
    """Like Harbor for Docker Hub: <project>/<name> is redirected to <project>/library/<name>."""
    answer = requests.get(f'{stand.front_url}/v2/{stand.public_project}/multi/manifests/1.0', allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers['Location'].endswith(f'/v2/{stand.public_project}/library/multi/manifests/1.0')
