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
    """Ask Harbor's token endpoint; return the response."""
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
    """The session's stand came up in under 3 s (0.9 s here)."""
    print(f'stand startup: {stand.startup_seconds:.2f} s')
    assert stand.startup_seconds < 3


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


@pytest.mark.parametrize('path', ['manifests/1.0', 'blobs/sha256:' + '0' * 64])
@pytest.mark.parametrize('method', ['GET', 'HEAD'])
def test_no_token_gets_harbor_challenge(stand, path, method):
    """Without Authorization: 401 and Harbor's exact challenge (project in the scope, realm on Harbor)."""
    repository = f'{stand.public_project}/{MULTI}'
    answer = get(f'{stand.harbor_url}/v2/{repository}/{path}', method=method)
    assert answer.status_code == 401
    assert answer.headers['WWW-Authenticate'] == challenge(stand.harbor_url, repository)


def test_v2_root_challenge(stand):
    """/v2/ answers 401 with realm and service only; it needs an authenticated identity (Harbor 7.1): the robot's
    token or Basic credentials open it, an anonymous token does not (and then the challenge is Basic)."""
    answer = get(f'{stand.harbor_url}/v2/')
    assert answer.status_code == 401
    assert answer.headers['WWW-Authenticate'] == f'Bearer realm="{stand.harbor_url}/service/token",service="harbor-registry"'
    anonymous = get(f'{stand.harbor_url}/v2/', bearer(stand.harbor_url, f'{stand.public_project}/{MULTI}'))
    assert anonymous.status_code == 401 and anonymous.headers['WWW-Authenticate'] == 'Basic realm="harbor"'
    robot = bearer(stand.harbor_url, f'{stand.public_project}/{MULTI}', auth=stand.robot_creds)
    assert get(f'{stand.harbor_url}/v2/', robot).status_code == 200
    assert requests.get(f'{stand.harbor_url}/v2/', auth=stand.robot_creds, timeout=10).status_code == 200


def test_token_rules(stand):
    """Robot pulls from both projects, anonymous only from the public one; a token's rights are per project (7.3)."""
    base, public, private = stand.harbor_url, stand.public_project, stand.private_project

    def status(repository, headers):
        return get(f'{base}/v2/{repository}/manifests/1.0', headers).status_code

    assert status(f'{public}/{MULTI}', bearer(base, f'{public}/{MULTI}')) == 200
    assert status(f'{public}/{MULTI}', bearer(base, f'{public}/library/oci')) == 200  # same project
    assert status(f'{private}/{MULTI}', bearer(base, f'{public}/{MULTI}', auth=stand.robot_creds)) == 401
    denied = get(f'{base}/v2/{private}/{MULTI}/manifests/1.0', bearer(base, f'{private}/{MULTI}'))
    assert denied.status_code == 401 and denied.headers['WWW-Authenticate'] == 'Basic realm="harbor"'  # a header was sent
    for project in (public, private):
        assert status(f'{project}/{MULTI}', bearer(base, f'{project}/{MULTI}', auth=stand.robot_creds)) == 200
    # Wrong credentials are anonymous (7.5): a token, but without rights on the private project.
    for wrong in ((stand.robot_user, 'wrong'), ('someone', stand.robot_password)):
        assert status(f'{private}/{MULTI}', bearer(base, f'{private}/{MULTI}', auth=wrong)) == 401
    body = token(base, f'repository:{public}/{MULTI}:pull').json()
    assert set(body) == {'token', 'access_token', 'expires_in', 'issued_at'} and body['expires_in'] == 1800
    forged = body['token'][:-4] + ('AAAA' if not body['token'].endswith('AAAA') else 'BBBB')
    forged_headers = {'Authorization': 'Bearer ' + forged, 'Accept': ACCEPT}
    assert status(f'{public}/{MULTI}', forged_headers) == 200  # a forged token is anonymous, and anonymous pulls public
    assert status(f'{private}/{MULTI}', forged_headers) == 401


def test_token_service_edges(stand):
    """7.2: POST is 405, another service 400, no scope and no credentials 401."""
    base = stand.harbor_url
    assert requests.post(f'{base}/service/token', params={'service': 'harbor-registry'}, timeout=10).status_code == 405
    assert requests.get(f'{base}/service/token', params={'service': 'other', 'scope': 'repository:a/b:pull'}, timeout=10).status_code == 400
    assert requests.get(f'{base}/service/token', params={'service': 'harbor-registry'}, timeout=10).status_code == 401
    robot = requests.get(f'{base}/service/token', params={'service': 'harbor-registry'}, auth=stand.robot_creds, timeout=10)
    assert robot.status_code == 200 and robot.json()['token']


def test_basic_auth_on_v2(stand):
    """Harbor also takes Basic credentials on /v2 requests; wrong ones get the challenge."""
    url = f'{stand.harbor_url}/v2/{stand.private_project}/{MULTI}/manifests/1.0'
    assert requests.get(url, auth=stand.robot_creds, headers={'Accept': ACCEPT}, timeout=10).status_code == 200
    assert requests.get(url, auth=(stand.robot_user, 'wrong'), headers={'Accept': ACCEPT}, timeout=10).status_code == 401


def test_token_expiry(stand):
    """``expires_in`` is configurable; past ``exp`` (the session's stand has no leeway, Harbor 60 s) a token is
    ignored: the request is anonymous, which still pulls from the public project and gets 401 Basic on the private."""
    # exp is whole seconds (iat truncated), so a 2 s token lives between 1 and 2 s.
    stand.set_token_lifetime(2)
    try:
        answer = token(stand.harbor_url, f'repository:{stand.private_project}/{MULTI}:pull', auth=stand.robot_creds).json()
    finally:
        stand.set_token_lifetime(1800)
    assert answer['expires_in'] == 2
    headers = {'Authorization': 'Bearer ' + answer['token'], 'Accept': ACCEPT}
    private = f'{stand.harbor_url}/v2/{stand.private_project}/{MULTI}/manifests/1.0'
    assert get(private, headers).status_code == 200
    time.sleep(2.2)
    expired = get(private, headers)
    assert expired.status_code == 401 and expired.headers['WWW-Authenticate'] == 'Basic realm="harbor"'
    assert get(f'{stand.harbor_url}/v2/{stand.public_project}/{MULTI}/manifests/1.0', headers).status_code == 200


def test_api_ping_and_systeminfo(stand):
    """Harbor's unauthenticated API on Harbor; the plain proxy is no Harbor."""
    ping = get(f'{stand.harbor_url}/api/v2.0/ping')
    assert ping.status_code == 200 and ping.text == 'Pong'
    info = get(f'{stand.harbor_url}/api/v2.0/systeminfo')
    assert info.status_code == 200 and 'harbor_version' not in info.json()  # anonymous: no version (6.2)
    robot = requests.get(f'{stand.harbor_url}/api/v2.0/systeminfo', auth=stand.robot_creds, timeout=10).json()
    assert robot['harbor_version'].startswith('v2.')
    assert get(f'{stand.proxy_url}/api/v2.0/ping').status_code == 404


def test_rate_limit_switch(stand):
    """The next K /v2 requests get 429 with Retry-After, then service resumes; count=None limits until switched off."""
    url = f'{stand.harbor_url}/v2/{stand.public_project}/{MULTI}/manifests/1.0'
    headers = bearer(stand.harbor_url, f'{stand.public_project}/{MULTI}')
    stand.set_rate_limit(count=2, retry_after=3)
    answers = [get(url, headers) for attempt in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers['Retry-After'] == '3'
    stand.set_rate_limit(count=None, retry_after=1)
    try:
        assert [get(url, headers).status_code for attempt in range(3)] == [429] * 3
        assert get(f'{stand.harbor_url}/v2/').status_code == 429
    finally:
        stand.set_rate_limit(count=0)
    assert get(url, headers).status_code == 200


def test_manifest_delay_switch(stand):
    """Manifest GETs wait S seconds each, concurrently (not one after another); blobs and HEADs do not wait."""
    repository = f'{stand.public_project}/{MULTI}'
    headers = bearer(stand.harbor_url, repository)
    url = f'{stand.harbor_url}/v2/{repository}/manifests/1.0'
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
    base = stand.harbor_https_url
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
    """Entries carry method, path, status, bytes, who answered and the kind of credentials, never their value."""
    stand.reset_cache()
    mark = stand.harbor_log_mark()
    repository = f'{stand.public_project}/{MULTI}'
    answer = token(stand.harbor_url, f'repository:{repository}:pull', auth=stand.robot_creds)
    secret = answer.json()['token']
    get(f'{stand.harbor_url}/v2/{repository}/manifests/1.0', {'Authorization': 'Bearer ' + secret, 'Accept': ACCEPT})
    entries = stand.harbor_log(since=mark)
    for _poll in range(50):  # the line is written just after the client has the response
        if len(entries) >= 2:
            break
        time.sleep(0.05)
        entries = stand.harbor_log(since=mark)
    assert [(e.method, e.path, e.status, e.auth) for e in entries] == [
        ('GET', '/service/token', 200, 'basic'), ('GET', f'/v2/{repository}/manifests/1.0', 200, 'bearer')]
    manifest = entries[1]
    assert manifest.kind == 'manifests' and manifest.name == repository and manifest.reference == '1.0'
    assert manifest.body_bytes_sent == stand.images['oci_index'].size and manifest.backend == 'upstream'
    with open(stand.access_log_path, encoding='utf-8') as handle:
        text = handle.read()
    assert secret not in text and stand.robot_password not in text


def test_streamed_large_layer(stand):
    """The large-image path streams a multi-chunk layer and reports the right digest, size and diff_id."""
    image = stand.push_image('library/streamed', '1.0', layer_bytes=5 * 1024 * 1024 + 7)
    layer = image.platforms[0].layers[0]
    data = get(f'{stand.upstream_url}/v2/library/streamed/blobs/{layer.digest}').content
    assert sha256(data) == layer.digest and len(data) == layer.size > 5 * 1024 * 1024
    config = get(f'{stand.upstream_url}/v2/library/streamed/blobs/{image.platforms[0].config.digest}').json()
    assert config['rootfs']['diff_ids'] == [sha256(gzip.decompress(data))]


def test_single_segment_name_redirects(stand):
    """Like Harbor for Docker Hub (8.1): after authorisation, <project>/<name> is redirected to <project>/library/<name>,
    for manifests, blob GETs and tag lists, query dropped; blob HEAD is not redirected."""
    headers = bearer(stand.harbor_url, f'{stand.public_project}/multi')
    blob = stand.images['oci_index'].platforms[0].layers[0].digest
    for method, tail in (('GET', 'manifests/1.0'), ('HEAD', 'manifests/1.0'), ('GET', f'blobs/{blob}'), ('GET', 'tags/list?n=1')):
        answer = requests.request(method, f'{stand.harbor_url}/v2/{stand.public_project}/multi/{tail}', headers=headers,
                                  allow_redirects=False, timeout=10)
        assert answer.status_code == 301, (method, tail)
        assert answer.headers['Location'] == f'/v2/{stand.public_project}/library/multi/{tail.split("?", maxsplit=1)[0]}'
    head = requests.head(f'{stand.harbor_url}/v2/{stand.public_project}/multi/blobs/{blob}', headers=headers, timeout=10)
    assert head.status_code != 301
    no_token = requests.get(f'{stand.harbor_url}/v2/{stand.public_project}/multi/manifests/1.0', allow_redirects=False, timeout=10)
    assert no_token.status_code == 401  # v2auth runs before the proxy middlewares
