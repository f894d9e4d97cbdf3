# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a release needs from a warm on Harbor, judged by skopeo and containerd with upstream stopped.

The floor issue #8 builds on: each test says what a user relies on; where the module is wrong on Harbor today the
test is a strict xfail naming the reason (tests/e2e/known.py), so that fixing it shows.
"""

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.conftest import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.e2e.known import CACHED_FROM_BLOB_HEADS
from ansible_collections.prewarm.harbor.tests.e2e.test_harbor_rules import offline, pushed_at
from ansible_collections.prewarm.harbor.tests.e2e.test_module import ecr, in_project, warm

SINGLE = ('schema2', 'oci', 'shared_one')
INDEXES = ('manifest_list', 'oci_index')


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    return stand


@pytest.mark.parametrize('key', SINGLE + INDEXES)
def test_a_warmed_image_pulls_by_tag_with_upstream_gone(cold, key):
    """After the warm and Harbor's own store jobs, every warmed platform pulls by tag, with both clients."""
    image = cold.images[key]
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'])
    assert run.images[0]['status'] == 'warmed', run
    assert cold.harbor_quiesce(120)
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


def test_cached_tag_pulls_offline_once_harbor_has_stored_it(cold):
    """A second run, once Harbor has stored the first, says cached, and the tag pulls with upstream gone."""
    image = cold.images['manifest_list']
    assert warm(cold, [ecr(cold.public_project, image)]).images[0]['status'] == 'warmed'
    assert cold.harbor_quiesce(120)
    again = warm(cold, [ecr(cold.public_project, image)])
    assert again.images[0]['status'] == 'cached', again
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


@CACHED_FROM_BLOB_HEADS
def test_cached_means_the_tag_pulls_that_platform_offline(cold):
    """Harbor's index keeps the platforms stored when it was pushed, and is not re-trimmed while its list-cache entry
    lives (7 days): a platform warmed later is held, but not reachable by the tag. Then ``cached`` would be a lie."""
    image = cold.images['manifest_list']
    for platform in ('linux/amd64', 'linux/arm64'):
        assert warm(cold, [ecr(cold.public_project, image)], platforms=[platform]).images[0]['status'] == 'warmed'
        assert cold.harbor_quiesce(120)
    again = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/arm64'])
    if again.images[0]['status'] == 'cached':
        assert offline(cold, in_project(cold.public_project, image), 'linux/arm64') == (True, True)


def test_an_index_with_every_platform_read_is_stored_without_waiting_for_harbor_s_last_check(cold):
    """Harbor stores an index once every child it lists is stored, else only at its 20th check (HARBOR.md 2.6, 9.2).
    With every platform asked for, the module reads each platform's attestation too: the index is stored whole, long
    before that last check, and the tag points at it."""
    image = cold.images['oci_index']  # three platforms, each with an attestation
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, image)], platforms=['all'])
    assert run.images[0]['status'] == 'warmed', run
    assert sorted(p['attestation'] for p in run.images[0]['platforms']) == sorted(a.digest for a in image.attestations)
    index_get = next(e for e in cold.harbor_log(since=mark) if e.kind == 'manifests' and e.method == 'GET' and e.reference == image.digest)
    assert cold.harbor_quiesce(120)
    repository = in_project(cold.public_project, image).split(':')[0]
    state = cold.harbor_state()['repositories'][repository]
    stored = next(item for item in state['artifacts'] if item['digest'] == state['tags'][image.tag])
    assert sorted(stored['references']) == sorted(p.digest for p in image.platforms + image.attestations)
    assert pushed_at(stored) - (index_get.time - index_get.request_time) < 15 * HARBOR_INTERVAL
    for platform in ('linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'):
        assert offline(cold, in_project(cold.public_project, image), platform) == (True, True), platform


def test_a_failed_harbor_store_is_read_again_until_harbor_holds_it(cold):
    """Harbor #23600: the background store of a blob fails silently; the module must not call the image warm
    until Harbor holds every blob (it reads it again), and the image then pulls offline."""
    image = cold.images['schema2']
    cold.harbor_fail_store(1)
    run = warm(cold, [ecr(cold.public_project, image)])
    assert run.images[0]['status'] == 'warmed', run
    assert cold.harbor_quiesce(120)
    state = cold.harbor_state()['repositories'][in_project(cold.public_project, image).split(':')[0]]
    assert sorted(state['blobs']) == sorted(blob.digest for blob in image.platforms[0].blobs)
    assert offline(cold, in_project(cold.public_project, image), 'linux/amd64') == (True, True)


def test_check_mode_sends_harbor_nothing_that_stores(cold):
    """--check: Harbor's stored state is the same before and after, once every job it started has ended."""
    before = cold.harbor_holdings()
    run = warm(cold, [ecr(cold.public_project, cold.images[key]) for key in SINGLE + INDEXES], check=True)
    assert {entry['status'] for entry in run.images} == {'would_warm'}, run
    assert cold.harbor_quiesce(120)
    assert cold.harbor_holdings() == before  # database and registry storage alike
