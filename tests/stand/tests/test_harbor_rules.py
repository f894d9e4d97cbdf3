# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each rule of docs/harbor.md Appendix A, as a client sees it: requests to the emulated Harbor, its API and its state.

Offline outcomes are judged by two independent clients with upstream stopped: skopeo (GET by tag) and containerd
(HEAD by tag, then GET by digest). Times are in units of the session's Harbor interval ``I`` (Harbor: 20 s).
"""

import concurrent.futures
import json
import time

import pytest
import requests

from ansible_collections.prewarm.harbor.tests.stand import model
from ansible_collections.prewarm.harbor.tests.stand.pull_client import Client, sha256
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL as I
from ansible_collections.prewarm.harbor.tests.stand.judge import offline, pushed_at

ACCEPT = ', '.join(model.ALL_MANIFEST_TYPES)
EARLY = 0.02  # a timer never fires early: only clock reads differ between the test and the emulator
LATE = 0.3  # seconds a busy machine may add after a timer fired


def seeded(stand, key):
    """A seeded image, its repository in the public project, and a client of that repository."""
    image = stand.images[key]
    repository = f'{stand.public_project}/{image.repository}'
    return image, repository, Client(stand, repository)


def repo_state(stand, repository):
    return stand.harbor_state()['repositories'].get(repository, {'artifacts': [], 'tags': {}, 'blobs': []})


def artifact(state, digest):
    return next((item for item in state['artifacts'] if item['digest'] == digest), None)


def upstream_requests(stand):
    """The request lines of upstream's access log (``"GET /v2/... HTTP/1.1"``)."""
    with open(stand.log_paths()['upstream'], encoding='utf-8') as handle:
        return [line.split('"')[1] for line in handle if line.startswith('127.0.0.1 - - [')]


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    return stand


def test_get_by_tag_timeline(cold):
    """9.1: GET index by tag, children by digest, blobs. Children commit at +I, the index at +2I as a trimmed
    digest, the tag never; offline the children pull by digest, the tag and the upstream index digest never do."""
    image, repository, client = seeded(cold, 'manifest_list')
    started = time.time()
    top = client.manifest(image.tag)
    assert top.status_code == 200 and sha256(top.content) == image.digest
    assert top.headers['Docker-Content-Digest'] == ''  # 2.2: empty for a GET by tag
    times = [client.read_platform(child) for child in image.platforms]
    assert cold.harbor_quiesce(60)
    state = repo_state(cold, repository)
    for child, at in zip(image.platforms, times):
        assert I - EARLY <= pushed_at(artifact(state, child.digest)) - at < 2 * I + LATE
    indexes = [item for item in state['artifacts'] if item['references']]
    assert len(indexes) == 1 and indexes[0]['digest'] != image.digest  # trimmed and re-serialised: D_T != D_I
    assert 2 * I - EARLY <= pushed_at(indexes[0]) - started < 3 * I + LATE
    assert state['tags'] == {} and indexes[0]['tags'] == []
    assert offline(cold, f'{repository}@{image.platforms[1].digest}', 'linux/arm64') == (True, True)
    assert offline(cold, f'{repository}:{image.tag}', 'linux/arm64') == (False, False)
    assert offline(cold, f'{repository}@{image.digest}', 'linux/arm64') == (False, False)
    assert offline(cold, f'{repository}@{indexes[0]["digest"]}', 'linux/arm64') == (True, True)


def test_head_then_get_by_digest_ties_the_tag(cold):
    """2.7, 3.2, 9.2: HEAD by tag, then the index by digest (containerd's order): once the trimmed index is stored,
    EnsureTag ties the tag to it; offline the tag then pulls every platform read, and resolves to D_T."""
    image, repository, client = seeded(cold, 'manifest_list')
    head = client.manifest(image.tag, 'HEAD')
    assert head.status_code == 200 and head.headers['Docker-Content-Digest'] == image.digest
    assert client.manifest(image.digest).headers['Docker-Content-Digest'] == image.digest
    for child in image.platforms:
        client.read_platform(child)
    assert cold.harbor_quiesce(60)
    state = repo_state(cold, repository)
    trimmed = state['tags'].get(image.tag)
    assert trimmed and trimmed != image.digest and artifact(state, trimmed)['references']
    assert cold.harbor_state()['trimmed'][image.digest] == trimmed
    assert offline(cold, f'{repository}:{image.tag}', 'linux/amd64') == (True, True)
    assert offline(cold, f'{repository}:{image.tag}', 'linux/arm64') == (True, True)
    assert Client(cold, repository).manifest(image.tag, 'HEAD').headers['Docker-Content-Digest'] == trimmed


def test_head_then_get_by_tag_never_tags(cold):
    """2.7: HEAD by tag and GET by tag: EnsureTag looks for D_I, which is never local; the tag is not tied."""
    image, repository, client = seeded(cold, 'manifest_list')
    assert client.manifest(image.tag, 'HEAD').status_code == 200
    assert client.manifest(image.tag).status_code == 200
    for child in image.platforms:
        client.read_platform(child)
    assert cold.harbor_quiesce(60)
    assert repo_state(cold, repository)['tags'] == {}


def test_containerd_pull_warms_harbor(cold):
    """containerd itself, with upstream up: only the platform it pulled is stored, the index after the last of the
    20 checks (its other children are never read), and the tag is tied to that trimmed index (9.3)."""
    image = cold.images['manifest_list']
    repository = f'{cold.public_project}/{image.repository}'
    mark = cold.harbor_log_mark()
    assert cold.containerd_pull(cold.harbor_url, f'{repository}:{image.tag}', 'linux/arm64', stop_upstream=False).ok
    assert cold.harbor_quiesce(60)
    # Harbor's checks start when the index is served; containerd's own start-up comes before that and is not timed.
    served = next(entry for entry in cold.harbor_log(mark)
                  if entry.method == 'GET' and entry.kind == 'manifests' and entry.reference == image.digest)
    state = repo_state(cold, repository)
    trimmed = state['tags'][image.tag]
    assert artifact(state, trimmed)['references'] == [image.platforms[1].digest]
    assert 20 * I - EARLY - served.request_time <= pushed_at(artifact(state, trimmed)) - served.time < 21 * I + LATE
    assert offline(cold, f'{repository}:{image.tag}', 'linux/arm64') == (True, True)
    assert offline(cold, f'{repository}:{image.tag}', 'linux/amd64') == (False, False)


def test_single_manifest_by_tag_is_tagged(cold):
    """9.2 (v2.14+): a single-platform image GET by tag is pushed by digest and by tag at about +I."""
    image, repository, client = seeded(cold, 'schema2')
    at = time.time()
    assert client.manifest(image.tag).status_code == 200
    for blob in image.platforms[0].blobs:
        assert client.blob(blob.digest).status_code == 200
    assert cold.harbor_quiesce(60)
    state = repo_state(cold, repository)
    assert state['tags'] == {image.tag: image.digest}
    assert I - EARLY <= pushed_at(artifact(state, image.digest)) - at < 2 * I + LATE
    mark, upstream_before = cold.harbor_log_mark(), upstream_requests(cold)
    assert client.manifest(image.digest).status_code == 200
    assert upstream_requests(cold) == upstream_before  # 2.1 step 2: local by digest, no upstream contact at all
    assert client.manifest(image.tag).status_code == 200
    assert [entry.backend for entry in cold.harbor_log(since=mark)] == ['local', 'local']  # and step 6: by tag, a HEAD
    assert [line for line in upstream_requests(cold)[len(upstream_before):] if '/manifests/' in line] == [
        line for line in upstream_requests(cold)[len(upstream_before):] if f'HEAD /v2/{image.repository}/manifests/' in line]
    assert offline(cold, f'{repository}:{image.tag}', 'linux/amd64') == (True, True)


def test_trimmed_index_serialisation(cold):
    """2.6 step 3: 3-space indent, no trailing newline, schemaVersion/mediaType/manifests, entries in distribution's
    field order with an always-present platform; only the children stored by then (here amd64, no attestations)."""
    image, repository, client = seeded(cold, 'oci_index')
    assert client.manifest(image.digest).status_code == 200
    client.read_platform(image.platform('linux/amd64'))
    assert cold.harbor_quiesce(60)
    trimmed = cold.harbor_state()['trimmed'][image.digest]
    payload = client.manifest(trimmed).content
    assert sha256(payload) == trimmed != image.digest
    assert payload.startswith(b'{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.oci.image.index.v1+json",\n   "manifests": [\n')
    assert not payload.endswith(b'\n')
    entries = json.loads(payload)['manifests']
    child = image.platform('linux/amd64')
    assert [list(entry) for entry in entries] == [['mediaType', 'size', 'digest', 'platform']]
    assert entries[0]['digest'] == child.digest and entries[0]['platform'] == {'architecture': 'amd64', 'os': 'linux'}


def test_missing_blobs_are_fetched_after_ten_checks(cold):
    """2.4 step 3, 9.4: a manifest whose blobs nobody read is stored after the 10th check, Harbor fetching them itself."""
    image, repository, client = seeded(cold, 'oci')
    at = time.time()
    assert client.manifest(image.digest).status_code == 200
    assert cold.harbor_quiesce(60)
    state = repo_state(cold, repository)
    assert 10 * I - EARLY <= pushed_at(artifact(state, image.digest)) - at < 11 * I + 1
    assert sorted(state['blobs']) == sorted(blob.digest for blob in image.platforms[0].blobs)
    assert state['tags'] == {}  # by digest only


def test_blob_head_is_local_and_per_repository(cold):
    """4.2, 5: HEAD never goes upstream; without any blob row 404 NOT_FOUND from Harbor, with a row but not linked
    in this repository 404 from the registry; a GET through the second repository reads upstream and links it there."""
    one, two = (f'{cold.public_project}/{cold.images[key].repository}' for key in ('shared_one', 'shared_two'))
    base = cold.images['shared_one'].platforms[0].layers[0]
    first, second = Client(cold, one), Client(cold, two)
    assert first.blob(base.digest, 'HEAD').status_code == 404
    assert first.blob(base.digest).status_code == 200
    assert cold.wait_blob_cached(one, base.digest)
    head = first.blob(base.digest, 'HEAD')
    assert head.status_code == 200 and int(head.headers['Content-Length']) == base.size
    assert second.blob(base.digest, 'HEAD').status_code == 404
    mark = cold.harbor_log_mark()
    assert second.blob(base.digest).status_code == 200
    assert [entry.backend for entry in cold.harbor_log(since=mark) if entry.kind == 'blobs'] == ['upstream']
    assert cold.wait_blob_cached(two, base.digest)
    assert second.blob(base.digest, 'HEAD').status_code == 200


def test_one_digest_through_two_repositories_at_once(cold):
    """4.5: the same digest read concurrently through two repositories is stored in both."""
    one, two = (f'{cold.public_project}/{cold.images[key].repository}' for key in ('shared_one', 'shared_two'))
    base = cold.images['shared_one'].platforms[0].layers[0]
    clients = [Client(cold, one), Client(cold, two)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda client: client.blob(base.digest), clients))
    assert [sha256(answer.content) for answer in answers] == [base.digest] * 2
    assert cold.harbor_quiesce(30)
    assert cold.blob_cached(one, base.digest) and cold.blob_cached(two, base.digest)


def test_failed_store_leaves_the_blob_unlinked(cold):
    """#23600: the background store of a blob fails silently; the client got every byte, Harbor holds nothing, and
    the manifest waits its ten checks and then fetches the blob itself."""
    image, repository, client = seeded(cold, 'schema2')
    layer = image.platforms[0].layers[0]
    cold.harbor_fail_store(1)
    answer = client.blob(layer.digest)
    assert answer.status_code == 200 and sha256(answer.content) == layer.digest
    time.sleep(0.3)
    assert client.blob(layer.digest, 'HEAD').status_code == 404
    assert not cold.blob_cached(repository, layer.digest)
    assert layer.digest not in cold.harbor_state()['blob_rows']
    assert client.blob(layer.digest).status_code == 200  # read again: stored this time
    assert cold.wait_blob_cached(repository, layer.digest)


def test_artifacts_api_sees_only_committed_content(cold):
    """6.1: local only; 404 before the store, the committed digest after (the trimmed one for an index, with the
    children it kept); the repository name URL-encoded twice; private needs the robot; unknown project 401/403."""
    image, repository, client = seeded(cold, 'manifest_list')
    assert client.manifest(image.digest).status_code == 200
    assert cold.harbor_artifact(repository, image.digest).status_code == 404
    for child in image.platforms:
        client.read_platform(child)
    assert cold.harbor_artifact(repository, image.platforms[0].digest).status_code == 404  # not yet stored
    assert cold.harbor_quiesce(60)
    trimmed = cold.harbor_state()['trimmed'][image.digest]
    assert cold.harbor_artifact(repository, image.digest).status_code == 404  # never under the upstream digest
    found = cold.harbor_artifact(repository, trimmed).json()
    assert found['digest'] == trimmed and found['manifest_media_type'] == model.DOCKER_LIST
    assert [ref['child_digest'] for ref in found['references']] == [child.digest for child in image.platforms]
    assert 'tags' not in found
    child = cold.harbor_artifact(repository, image.platforms[0].digest).json()
    assert child['digest'] == image.platforms[0].digest and child['pull_time'].startswith('0001-')
    single = requests.get(f'{cold.harbor_url}/api/v2.0/projects/{cold.public_project}/repositories/library%2Fdockerlist/artifacts/{trimmed}',
                          timeout=10)
    assert single.status_code == 404
    private = f'{cold.private_project}/{image.repository}'
    assert cold.harbor_artifact(private, 'x').status_code == 401
    assert cold.harbor_artifact(private, 'x', creds=cold.robot_creds).status_code == 404
    assert cold.harbor_artifact('no_such_project/x', 'x').status_code == 401
    assert cold.harbor_artifact('no_such_project/x', 'x', creds=cold.robot_creds).status_code == 403
    project = requests.get(f'{cold.harbor_url}/api/v2.0/projects/{cold.public_project}', timeout=10).json()
    assert project['registry_id'] > 0 and project['metadata']['public'] == 'true'


def test_head_manifest_stores_nothing(cold):
    """3.1: a HEAD answers with upstream's digest and stores nothing (no artifact, no blob, no list cache)."""
    image = cold.images['oci_index']
    repository = f'{cold.public_project}/{image.repository}'
    before = cold.snapshot_harbor_storage()
    head = Client(cold, repository).manifest(image.tag, 'HEAD')
    assert head.status_code == 200 and head.headers['Docker-Content-Digest'] == image.digest
    time.sleep(3 * I)
    state = cold.harbor_state()
    assert state['repositories'] == {} and state['list_cache'] == [] and state['blob_rows'] == []
    assert cold.snapshot_harbor_storage() == before


def test_list_cache_serves_the_original_bytes(cold):
    """2.6, 2.8 (b): after a GET of an index, GETs by tag are answered from the list cache with the upstream bytes and
    digest, even once the trimmed index is stored (upstream is only HEADed)."""
    image, repository, client = seeded(cold, 'manifest_list')
    assert client.manifest(image.tag).status_code == 200
    mark = cold.harbor_log_mark()
    again = client.manifest(image.tag)
    assert again.content == client.manifest(image.digest).content and sha256(again.content) == image.digest
    assert again.headers['Docker-Content-Digest'] == image.digest == again.headers['Etag']
    assert [entry.backend for entry in cold.harbor_log(since=mark)] == ['redis', 'redis']


def test_upstream_faults(cold):
    """2.1 step 4, 2.9, 8.3: upstream 429 reaches the client unless the reference is local; unreachable falls back
    to local (404 when nothing is); blobs have no fallback."""
    image, repository, client = seeded(cold, 'schema2')
    layer = image.platforms[0].layers[0]
    cold.set_upstream_fault('rate_limited')
    assert client.manifest(image.tag).status_code == 429
    assert client.blob(layer.digest).status_code == 429
    cold.set_upstream_fault('unreachable')
    assert client.manifest(image.tag).status_code == 404
    assert client.blob(layer.digest).status_code == 500
    cold.set_upstream_fault('ok')
    assert client.manifest(image.tag).status_code == 200
    for blob in image.platforms[0].blobs:
        assert client.blob(blob.digest).status_code == 200
    assert cold.harbor_quiesce(60)
    for mode in ('rate_limited', 'unreachable'):
        cold.set_upstream_fault(mode)
        assert client.manifest(image.tag).status_code == 200, mode
        assert client.blob(layer.digest).status_code == 200, mode
    cold.set_upstream_fault('ok')
    missing = Client(cold, f'{cold.public_project}/library/nothing-here')
    assert missing.manifest('1.0').json()['errors'][0]['code'] == 'NOT_FOUND'


def test_unhealthy_registry_serves_local_content_only(cold):
    """1.7, Appendix A step 2: once the health check found upstream down, Harbor answers from local content only,
    even after upstream is back, until the next check."""
    image, repository, client = seeded(cold, 'schema2')
    assert client.manifest(image.tag).status_code == 200
    for blob in image.platforms[0].blobs:
        assert client.blob(blob.digest).status_code == 200
    assert cold.harbor_quiesce(60)
    cold.set_upstream_fault('unreachable')
    assert cold.harbor_health_check() is False
    cold.set_upstream_fault('ok')
    mark = cold.harbor_log_mark()
    assert client.manifest(image.tag).status_code == 200
    other = cold.images['oci']
    assert Client(cold, f'{cold.public_project}/{other.repository}').manifest(other.tag).status_code == 404
    assert [entry.backend for entry in cold.harbor_log(since=mark) if entry.kind] == ['local', '']
    assert cold.harbor_health_check() is True
    assert Client(cold, f'{cold.public_project}/{other.repository}').manifest(other.tag).status_code == 200


@pytest.mark.parametrize('version, deletes', [('2.15.0', True), ('2.14', False)])
def test_a_tag_deleted_upstream_deletes_harbors_copy_on_v2_15_0(cold, version, deletes):
    """10.1 item 10: on v2.14.0 - v2.15.0 a manifest request by tag that upstream answers 404 deletes the tag's local
    artifact (goharbor/harbor#22175), so the image no longer pulls offline; HEAD (v2.15.1+) and v2.13 keep it. A
    request by digest is answered locally and never asks upstream (2.1 step 2)."""
    image, repository, client = seeded(cold, 'schema2')
    assert client.manifest(image.tag).status_code == 200
    for blob in image.platforms[0].blobs:
        assert client.blob(blob.digest).status_code == 200
    assert cold.harbor_quiesce(60)
    cold.set_harbor_version(version)
    try:
        with cold.upstream_tag_deleted(image.repository, image.tag):
            assert client.manifest(image.digest).status_code == 200  # by digest: local, harmless on every version
            assert artifact(repo_state(cold, repository), image.digest) is not None
            assert client.manifest(image.tag).status_code == 404
            assert cold.harbor_quiesce(60)
            assert (artifact(repo_state(cold, repository), image.digest) is None) == deletes
            assert offline(cold, f'{repository}:{image.tag}', 'linux/amd64') == ((False, False) if deletes else (True, True))
    finally:
        cold.set_harbor_version('2.14')
