# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a release needs from a warm on Harbor, judged by skopeo and containerd with upstream stopped.

The module's ``harbor`` block says what Harbor has committed and when the rest is due; these tests hold it to
what the two clients can pull offline, at the times it announced.
"""

import calendar
import hashlib
import os
import time

import pytest

from ansible_collections.prewarm.harbor.bench import proxylog
from ansible_collections.prewarm.harbor.tests.e2e.playbook import ecr, in_project, warm
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.stand.judge import offline, pushed_at

SINGLE = ('schema2', 'oci', 'shared_one')
INDEXES = ('manifest_list', 'oci_index')
# The module predicts Harbor's commit from its timers; the stand's run at HARBOR_INTERVAL.
SCALED = dict(harbor_check_interval=HARBOR_INTERVAL)


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    return stand


def repository_of(stand, image):
    return in_project(stand.public_project, image).split(':')[0]


def by_digest(stand, image, digest):
    return '%s@%s' % (repository_of(stand, image), digest)


def epoch(iso):
    """The module's expected_at (UTC, milliseconds) as epoch seconds."""
    return calendar.timegm(time.strptime(iso[:19], '%Y-%m-%dT%H:%M:%S')) + int(iso[20:23]) / 1000


@pytest.mark.parametrize('key', SINGLE + INDEXES)
def test_a_warm_that_waits_for_the_commit_pulls_offline_exactly_what_it_says(cold, key):
    """With wait_for_commit the task ends once Harbor has committed: the tag and the platform's digest pull with
    upstream gone, an unselected platform and the upstream index digest do not, and the result says just that."""
    image = cold.images[key]
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'], wait_for_commit=60, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed', run
    block = entry['harbor']
    assert block['committed'] is True and block['platforms'] == ['linux/amd64'], block
    assert block['expected_at'] is None and block['waited'] < 60
    platform = entry['platforms'][0]
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)
    assert offline(cold, by_digest(cold, image, platform['digest']), 'linux/amd64') == (True, True)
    if image.is_index:
        assert block['digest'] != image.digest and block['index_digest_offline'] is False
        other = image.platforms[1].platform
        assert offline(cold, in_project(cold.public_project, image), other) == (False, False)
        assert not cold.oracle_pull(cold.harbor_url, by_digest(cold, image, image.digest), 'linux/amd64').ok
    else:
        assert block['digest'] == image.digest == platform['digest']


def test_without_waiting_the_result_says_when_the_tag_will_pull_offline(cold):
    """The result announces when Harbor is due to commit (from its timers); Harbor commits within an interval of
    that, and from then the tag pulls with upstream gone."""
    image = cold.images['oci_index']
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'], **SCALED)
    block = run.images[0]['harbor']
    assert block['committed'] is False and block['expected_at'], block
    assert run.result['summary']['harbor_pending'] == 1 and run.result['summary']['harbor_expected_at'] == block['expected_at']
    due = epoch(block['expected_at'])
    assert cold.harbor_quiesce(120)
    state = cold.harbor_state()['repositories'][repository_of(cold, image)]
    stored = next(item for item in state['artifacts'] if item['digest'] == state['tags'][image.tag])
    assert abs(pushed_at(stored) - due) < HARBOR_INTERVAL, (stored, block)
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


def test_a_rerun_is_cached_and_makes_harbor_fetch_nothing(cold):
    """Once Harbor has committed the first run, a second says cached, reads no blob and sends Harbor nothing it
    would fetch from upstream for; the tag pulls with upstream gone."""
    image = cold.images['manifest_list']
    first = warm(cold, [ecr(cold.public_project, image)], wait_for_commit=60, **SCALED)
    assert first.images[0]['harbor']['committed'] is True, first
    mark = cold.harbor_log_mark()
    again = warm(cold, [ecr(cold.public_project, image)], **SCALED)
    entry = again.images[0]
    assert entry['status'] == 'cached' and entry['changed'] is False and entry['harbor']['committed'], again
    requests = cold.harbor_log(since=mark)
    assert not [e for e in requests if e.kind == 'blobs' and e.method == 'GET'], requests
    assert not [e for e in requests if e.method == 'GET' and e.backend == 'upstream'], requests
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


def test_a_platform_harbor_will_not_add_to_a_stored_index_is_never_called_cached(cold):
    """Harbor keeps an index as first stored while its 7-day copy of the upstream index lives (#20920): a
    platform warmed later is held by digest, not reachable by the tag. The result says so; a wait fails."""
    image = cold.images['manifest_list']
    assert warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'], wait_for_commit=60,
                **SCALED).images[0]['harbor']['committed']
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/arm64'], wait_for_commit=60, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'failed' and '20920' in entry['msg'], run
    assert entry['harbor']['committed'] is False and entry['harbor']['platforms'] == ['linux/arm64']
    assert offline(cold, in_project(cold.public_project, image), 'linux/arm64') == (False, False)
    arm = image.platform('linux/arm64')
    assert offline(cold, by_digest(cold, image, arm.digest), 'linux/arm64') == (True, True)


def test_every_platform_s_child_read_stores_the_index_whole(cold):
    """complete_index: every child manifest is read (not the other platforms' blobs), so Harbor stores the index with
    every platform, fetching their blobs itself, and the tag pulls each of them offline."""
    image = cold.images['oci_index']
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'], complete_index=True,
               wait_for_commit=120, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['harbor']['committed'], run
    assert [p['platform'] for p in entry['platforms']] == ['linux/amd64']
    state = cold.harbor_state()['repositories'][repository_of(cold, image)]
    stored = next(item for item in state['artifacts'] if item['digest'] == state['tags'][image.tag])
    assert sorted(stored['references']) == sorted(p.digest for p in image.platforms + image.attestations)
    assert cold.harbor_quiesce(120)
    for platform in ('linux/amd64', 'linux/arm/v7'):
        assert offline(cold, in_project(cold.public_project, image), platform) == (True, True), platform


def test_an_index_with_every_platform_read_is_stored_without_waiting_for_harbor_s_last_check(cold):
    """Harbor stores an index once every child it lists is stored, else only at its 20th check (docs/harbor.md 2.6, 9.2).
    With every platform asked for, the module reads each platform's attestation too: the index is stored whole, long
    before that last check, and the tag points at it."""
    image = cold.images['oci_index']  # three platforms, each with an attestation
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['all'])
    assert run.images[0]['status'] == 'warmed', run
    assert sorted(p['attestation'] for p in run.images[0]['platforms']) == sorted(a.digest for a in image.attestations)
    index_get = next(e for e in cold.harbor_log(since=mark) if e.kind == 'manifests' and e.method == 'GET' and e.reference == image.digest)
    assert cold.harbor_quiesce(120)
    state = cold.harbor_state()['repositories'][repository_of(cold, image)]
    stored = next(item for item in state['artifacts'] if item['digest'] == state['tags'][image.tag])
    assert sorted(stored['references']) == sorted(p.digest for p in image.platforms + image.attestations)
    assert pushed_at(stored) - (index_get.time - index_get.request_time) < 15 * HARBOR_INTERVAL
    for platform in ('linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'):
        assert offline(cold, in_project(cold.public_project, image), platform) == (True, True), platform


def test_a_re_run_of_a_committed_index_reads_no_attestation_manifest(cold):
    """Attestations are read only so that Harbor stores the index whole; once it has committed the index, a re-run
    reads the selected platforms' manifests (their result entries) and none of the attestations, and still names
    each platform's attestation."""
    image = cold.images['oci_index']
    first = warm(cold, [ecr(cold.public_project, image)], platforms=['all'], wait_for_commit=120, **SCALED)
    assert first.images[0]['harbor']['committed'], first
    mark = cold.harbor_log_mark()
    again = warm(cold, [ecr(cold.public_project, image)], platforms=['all'], **SCALED)
    entry = again.images[0]
    assert (entry['status'], entry['changed']) == ('cached', False), again
    assert sorted(p['attestation'] for p in entry['platforms']) == sorted(a.digest for a in image.attestations)
    read = [e.reference for e in cold.harbor_log(since=mark) if e.kind == 'manifests' and e.method == 'GET']
    assert sorted(set(read) & {p.digest for p in image.platforms}) == sorted(p.digest for p in image.platforms), read
    assert not set(read) & {a.digest for a in image.attestations}, read


def stored_digest(stand, digest):
    """The sha256 of the blob file Harbor's registry holds for ``digest`` (distribution's storage layout)."""
    hexdigest = digest.split(':', 1)[1]
    data = os.path.join(stand.harbor_storage_dir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hexdigest[:2], hexdigest, 'data')
    with open(data, 'rb') as handle:
        return 'sha256:' + hashlib.sha256(handle.read()).hexdigest()


def test_blobs_are_triggered_and_harbor_stores_each_once_with_its_own_fetch(cold):
    """docs/harbor.md 4.3: every layer GET is closed at its status line; Harbor's own second fetch stores each blob in
    the repository, checked by its registry against the digest, no layer byte crosses the runner, and both platforms
    pull offline by tag. Layers of 16 MB: larger than what the sockets can take before the close lands."""
    image = cold.push_image('trigger/big', '1.0', platforms=('linux/amd64', 'linux/arm64'), fmt='oci', layer_bytes=16 << 20)
    mark, upstream = cold.harbor_log_mark(), proxylog.mark(cold, 'upstream')
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64', 'linux/arm64'], wait_for_commit=60, **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['harbor']['committed'], run
    blobs = {blob.digest: blob.size for platform in image.platforms for blob in platform.blobs}
    stored = sum(platform['bytes_stored'] for platform in entry['platforms'])
    assert stored >= sum(blobs.values()) and sum(platform['bytes_pulled'] for platform in entry['platforms']) == 0, entry
    # Harbor's log counts what its kernel took before the close landed (docs/harbor.md 4.8): on loopback, up to the
    # send buffer (this kernel's tcp_wmem allows 4 MiB), more on a busy machine than a quiet one. Never the whole
    # layer: every layer GET was cut short.
    layers = {blob.digest: blob.size for platform in image.platforms for blob in platform.layers}
    gets = [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs' and e.method == 'GET' and e.reference in layers]
    assert len(gets) == len(layers), gets
    assert all(e.body_bytes_sent < layers[e.reference] for e in gets), [(e.reference[:19], e.body_bytes_sent) for e in gets]
    state = cold.harbor_state()['repositories'][repository_of(cold, image)]
    assert set(blobs) <= set(state['blobs'])
    assert all(stored_digest(cold, digest) == digest for digest in blobs)
    proxylog.settle(cold, component='upstream')
    fetched = [reference for method, _name, kind, reference, status, _size in proxylog.entries(cold, upstream, 'upstream')
               if method == 'GET' and kind == 'blobs' and status == 200]
    assert all(fetched.count(digest) == 2 for digest in blobs), fetched  # Harbor's GET #1, cut short, and its store's GET #2
    for platform in ('linux/amd64', 'linux/arm64'):
        assert offline(cold, in_project(cold.public_project, image), platform) == (True, True), platform


def test_a_failed_harbor_store_is_read_again_until_harbor_holds_it(cold):
    """Harbor #23600: the background store of a blob fails silently; the module must not call the image warm
    until Harbor holds every blob (it reads it again), and the image then pulls offline."""
    image = cold.images['schema2']
    cold.harbor_fail_store(1)
    run = warm(cold, [ecr(cold.public_project, image)], wait_for_commit=60, **SCALED)
    assert run.images[0]['status'] == 'warmed' and run.images[0]['harbor']['committed'], run
    state = cold.harbor_state()['repositories'][repository_of(cold, image)]
    assert sorted(state['blobs']) == sorted(blob.digest for blob in image.platforms[0].blobs)
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


def test_a_harbor_store_that_keeps_failing_fails_the_image_and_names_harbor_s_fetch(cold):
    """When Harbor's own copy fails twice, the image is failed with a message naming Harbor's second fetch."""
    image = cold.images['schema2']
    cold.harbor_fail_store(len(image.platforms[0].blobs) * 2 + 2)
    run = warm(cold, [ecr(cold.public_project, image)], **SCALED)
    entry = run.images[0]
    assert entry['status'] == 'failed' and '23600' in entry['msg'] and 'second fetch' in entry['msg'], run


def test_check_mode_sends_harbor_nothing_that_stores(cold):
    """--check on a cold Harbor: everything would be warmed, and Harbor's stored state is the same before and after,
    once every job it started has ended."""
    before = cold.harbor_holdings()
    run = warm(cold, [ecr(cold.public_project, cold.images[key]) for key in SINGLE + INDEXES], check=True)
    assert {entry['status'] for entry in run.images} == {'would_warm'}, run
    assert cold.harbor_quiesce(120)
    assert cold.harbor_holdings() == before  # database and registry storage alike


def test_check_mode_reports_each_platform_from_what_harbor_committed(cold):
    """--check after a committed warm of one platform: that platform cached, another would be warmed; nothing in
    Harbor's stored state changes."""
    image = cold.images['oci_index']
    assert warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'], wait_for_commit=60,
                **SCALED).images[0]['harbor']['committed']
    assert cold.harbor_quiesce(120)
    before = cold.harbor_holdings()
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64', 'linux/arm/v7'], check=True)
    entry = run.images[0]
    assert entry['status'] == 'would_warm', run
    assert [(p['platform'], p['status']) for p in entry['platforms']] == [('linux/amd64', 'cached'), ('linux/arm/v7', 'would_warm')]
    only = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'], check=True)
    assert only.images[0]['status'] == 'cached' and only.result['changed'] is False, only
    assert cold.harbor_quiesce(120)
    assert cold.harbor_holdings() == before


def test_a_base_layer_shared_by_many_repositories_is_read_through_them_at_once(cold):
    """Harbor stores per (repository, digest) (docs/harbor.md 4.5): the module reads a shared base through several
    repositories concurrently, once each, rather than one repository at a time as a distribution proxy needs."""
    base = cold.layer('concurrent-base', 8 << 20, 'harbor-warm')
    images = [cold.push_image('team/shared-%d' % n, '1.0', fmt='oci', base_layers=(base,)) for n in range(6)]
    shared, = set.intersection(*(set(blob.digest for blob in image.platforms[0].blobs) for image in images))
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, image) for image in images], max_parallel_jobs=6, wait_for_commit=60, **SCALED)
    assert [entry['status'] for entry in run.images] == ['warmed'] * 6, run
    reads = [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs' and e.method == 'GET' and e.reference == shared]
    assert sorted(e.name for e in reads) == sorted(repository_of(cold, image) for image in images)
    spans = sorted((e.time - e.request_time, e.time) for e in reads)
    overlapping = sum(1 for (start, _end), (_start, previous_end) in zip(spans[1:], spans) if start < previous_end)
    assert overlapping >= 1, spans
