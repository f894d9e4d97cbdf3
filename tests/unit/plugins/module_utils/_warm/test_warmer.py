# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The warmer on a cache in memory (fake_cache), with settle timings of milliseconds.

The stand's end-to-end tests prove the same behaviours on real registries; these prove the warmer's own decisions
(what it reads, once, and what it reports) in milliseconds, and that only an ImageError fails an image.
"""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import Settle
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import targets_for
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import rules_from_options
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.options import WarmOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.warmer import Warmer
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.fake_cache import FakeCache

RULES = rules_from_options([{'regex_url': r'^cache\.test/(.+):(.+)$', 'replacement_oci': 'http://cache.test/v2/$1/manifests/$2',
                             'platforms': ['linux/amd64', 'linux/arm64']}])
FAST = Settle(first=0.001, longest_poll=0.005, patience=0.1)


def warm(cache, images, tmp_path, check_mode=False, jobs=2):
    warmer = Warmer(cache, WarmOptions(jobs), check_mode=check_mode, settle=FAST, lock_dir=str(tmp_path))
    results, summary = warmer.run(targets_for(['cache.test/%s' % image for image in images], RULES))
    return {result['image'][len('cache.test/'):]: result for result in results}, summary


def blob_reads(cache, content):
    """Repositories a blob with this content was read through, in order."""
    digest = cache.blob(content)['digest']
    return sorted(repository for _method, _kind, repository, read in cache.reads() if read == digest)


def test_a_blob_shared_by_images_is_read_once_per_repository_and_a_repeated_image_once(tmp_path):
    cache = FakeCache()
    for repository, tag in (('proxy/a', '1'), ('proxy/a', '2'), ('proxy/b', '1')):
        cache.index(repository, tag, layers=(b'base', tag.encode()))
    results, summary = warm(cache, ['proxy/a:1', 'proxy/a:2', 'proxy/b:1', 'proxy/a:1'], tmp_path=tmp_path, jobs=3)
    # A cache links a blob only into the repository it was read through (docs/harbor.md 4.5; distribution's proxy likewise).
    assert blob_reads(cache, b'base') == ['proxy/a', 'proxy/b']
    assert blob_reads(cache, b'1') == ['proxy/a', 'proxy/b']
    assert [entry for entry in cache.reads('manifest') if entry[3] == '1' and entry[2] == 'proxy/a'] == [('GET', 'manifest', 'proxy/a', '1')]
    assert summary['warmed'] == 4 and summary['images'] == 4
    assert sum(platform['blobs_pulled'] for result in results.values() for platform in result['platforms']) > 0


def test_on_harbor_a_committed_image_is_cached_without_a_blob_read_and_an_uncommitted_one_warmed(tmp_path):
    cache = FakeCache(harbor=True)
    cache.commit('proxy/app', '1', cache.index('proxy/app', '1'))
    cache.index('proxy/app', '2', layers=(b'two',))
    results, summary = warm(cache, ['proxy/app:1', 'proxy/app:2'], tmp_path)
    cached, warmed = results['proxy/app:1'], results['proxy/app:2']
    assert (cached['status'], cached['changed'], cached['harbor']['committed']) == ('cached', False, True)
    assert all(platform['bytes_pulled'] == 0 for platform in cached['platforms'])
    assert (warmed['status'], warmed['changed'], warmed['harbor']['committed']) == ('warmed', True, False)
    assert blob_reads(cache, b'base') == [] and blob_reads(cache, b'two') == ['proxy/app']
    assert (summary['cached'], summary['warmed'], summary['harbor_committed'], summary['harbor_pending']) == (1, 1, 1, 1)


def test_check_mode_on_harbor_asks_only_heads_and_the_api_and_says_what_is_committed(tmp_path):
    cache = FakeCache(harbor=True)
    cache.commit('proxy/app', '1', cache.index('proxy/app', '1', arches=('amd64',)))
    results, _summary = warm(cache, ['proxy/app:1'], tmp_path, check_mode=True)
    entry = results['proxy/app:1']
    assert (entry['status'], entry['changed']) == ('would_warm', True)
    assert [(p['platform'], p['status']) for p in entry['platforms']] == [('linux/amd64', 'cached'), ('linux/arm64', 'would_warm')]
    assert {(method, kind) for method, kind, _repository, _reference in cache.log} == {('HEAD', 'manifest'), ('GET', 'artifact')}


def test_check_mode_on_a_plain_proxy_sends_nothing(tmp_path):
    cache = FakeCache()
    cache.index('proxy/app', '1')
    results, _summary = warm(cache, ['proxy/app:1'], tmp_path, check_mode=True)
    assert results['proxy/app:1']['status'] == 'would_warm' and 'retries' in results['proxy/app:1']
    assert cache.log == []


def test_a_read_the_cache_did_not_store_is_read_once_more(tmp_path):
    cache = FakeCache(harbor=True)
    cache.index('proxy/app', '1')
    cache.lose_once.add(('proxy/app', cache.blob(b'base')['digest']))
    results, _summary = warm(cache, ['proxy/app:1'], tmp_path)
    assert results['proxy/app:1']['status'] == 'warmed'
    assert blob_reads(cache, b'base') == ['proxy/app', 'proxy/app']


def test_a_blob_harbor_never_stores_fails_its_image_only_naming_harbor_s_second_fetch(tmp_path):
    cache = FakeCache(harbor=True)
    cache.index('proxy/broken', '1', layers=(b'lost',))
    cache.index('proxy/fine', '1')
    cache.lose.add(('proxy/broken', cache.blob(b'lost')['digest']))
    results, summary = warm(cache, ['proxy/broken:1', 'proxy/fine:1'], tmp_path)
    broken = results['proxy/broken:1']
    assert (broken['status'], broken['changed']) == ('failed', False)
    assert broken['msg'].startswith('cache.test/proxy/broken:1: blob %s was fetched through proxy/broken twice' % cache.blob(b'lost')['digest'])
    assert 'goharbor/harbor#23600' in broken['msg']
    assert results['proxy/fine:1']['status'] == 'warmed' and summary['failed'] == 1
    assert blob_reads(cache, b'lost') == ['proxy/broken', 'proxy/broken']


def test_a_platform_the_index_lacks_fails_the_image_and_names_what_it_has(tmp_path):
    cache = FakeCache()
    cache.index('proxy/app', '1', arches=('amd64',))
    results, _summary = warm(cache, ['proxy/app:1'], tmp_path)
    assert results['proxy/app:1']['status'] == 'failed'
    assert 'linux/arm64 not in index' in results['proxy/app:1']['msg'] and '(it has linux/amd64); warmed: linux/amd64' in results['proxy/app:1']['msg']


class BuggyCache(FakeCache):
    """A slip in code the warmer calls (here in the client): not a problem of the image."""

    def manifest(self, repo, reference, tally=None, expected_digest=None):
        return int('x')


def test_a_bug_is_not_made_an_image_failure_but_shows_its_traceback(tmp_path):
    cache = BuggyCache()
    cache.index('proxy/app', '1')
    with pytest.raises(ValueError, match="invalid literal for int"):
        warm(cache, ['proxy/app:1'], tmp_path)


def test_on_harbor_v2_15_0_a_tag_harbor_holds_is_never_asked_by_tag(tmp_path):
    """v2.14.0 - v2.15.0 delete their copy when a request by tag finds the tag gone upstream (goharbor/harbor#22175):
    a held tag is resolved by the artifacts API and read by digest; a tag Harbor does not hold is asked as usual (a
    request by it finds nothing to delete)."""
    cache = FakeCache(harbor=True)
    cache.harbor_version = 'v2.15.0-e2b5ce92'
    cache.commit('proxy/app', '1', cache.index('proxy/app', '1'))
    cache.index('proxy/app', '2', layers=(b'two',))
    results, summary = warm(cache, ['proxy/app:1', 'proxy/app:2'], tmp_path)
    held, new = results['proxy/app:1'], results['proxy/app:2']
    assert (held['status'], held['harbor']['committed'], held['harbor']['upstream_checked']) == ('cached', True, False)
    assert (new['status'], new['harbor']['upstream_checked']) == ('warmed', True)
    by_tag = {(method, reference) for method, kind, _repository, reference in cache.log if kind == 'manifest' and ':' not in reference}
    assert by_tag == {('HEAD', '2')}  # an index: HEAD by tag (EnsureTag), then GET by digest
    assert summary['harbor_versions'] == {'http://cache.test': 'v2.15.0-e2b5ce92'}


def test_check_mode_on_harbor_v2_15_0_asks_a_held_tag_nothing_through_the_proxy(tmp_path):
    cache = FakeCache(harbor=True)
    cache.harbor_version = 'v2.15.0-e2b5ce92'
    cache.commit('proxy/app', '1', cache.index('proxy/app', '1'))
    results, _summary = warm(cache, ['proxy/app:1'], tmp_path, check_mode=True)
    assert results['proxy/app:1']['status'] == 'cached'
    assert {(method, kind) for method, kind, _repository, _reference in cache.log} == {('GET', 'artifact')}
