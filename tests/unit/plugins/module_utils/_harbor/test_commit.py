# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's commit: what its artifacts API says is held, and when its timers commit the rest (docs/harbor.md 2.4-2.7, 9)."""

from __future__ import annotations

import time

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import Pull, Timeline, expected, inspect, tag_job_ends
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.api import Artifact, artifact_url
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import parse_platforms
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import RegistryError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.flavor import committed_platforms

BASE = 'https://harbor.example.com'
REPO = 'proxy_hub/library/nginx'
UP, TRIMMED, AMD, ARM, PROOF = ('sha256:' + c * 64 for c in 'abcde')
I = 20.0


class FakeApi:
    """Harbor's artifacts API as a dict: URL -> document (absent: 404)."""

    def __init__(self, documents):
        self.documents = dict((artifact_url(Repository(BASE, REPO), ref), doc) for ref, doc in documents.items())

    def api_json(self, url, what, tally=None):
        return self.documents.get(url)


def index_doc(digest, children, tags=('1.27',)):
    return {'digest': digest, 'tags': [{'name': t} for t in tags],
            'references': [{'child_digest': d, 'platform': {'os': 'linux', 'architecture': a}} for d, a in children]}


def pull(reference='1.27', is_index=True, platforms=(('linux/amd64', AMD),)):
    return Pull(Repository(BASE, REPO), reference, UP if is_index else AMD, is_index, list(platforms))


def test_the_repository_name_is_encoded_twice_in_the_artifact_url():
    expected = BASE + '/api/v2.0/projects/proxy_hub/repositories/library%252Fnginx/artifacts/sha256%3Aab?with_tag=true'
    assert artifact_url(Repository(BASE, REPO), 'sha256:ab') == expected


def test_an_index_is_committed_once_the_tag_resolves_to_an_index_with_every_selected_platform():
    state = inspect(FakeApi({'1.27': index_doc(TRIMMED, [(AMD, 'amd64'), (ARM, 'arm64')])}), pull())
    assert (state.committed, state.digest, state.platforms, state.note) == (True, TRIMMED, ['linux/amd64'], None)
    assert state.block(pull())['index_digest_offline'] is False


def test_a_platform_held_by_digest_but_missing_from_the_tag_s_index_is_harbor_20920():
    api = FakeApi({'1.27': index_doc(TRIMMED, [(AMD, 'amd64')]), ARM: {'digest': ARM}})
    wanted = pull(platforms=[('linux/arm64', ARM)])
    state = inspect(api, wanted)
    assert not state.committed and state.platforms == ['linux/arm64']
    assert '20920' in state.note and 'linux/arm64' in state.note
    assert state.missing(wanted) == 'tag 1.27'


def test_nothing_committed_yet_is_pending_not_never():
    state = inspect(FakeApi({}), pull(platforms=[('linux/amd64', AMD), ('linux/arm64', ARM)]))
    assert (state.committed, state.digest, state.platforms, state.note) == (False, None, [], None)


@pytest.mark.parametrize('ended, never', [(-1.0, True), (+60.0, False)], ids=['job-over', 'job-running'])
def test_an_index_tag_untied_after_harbors_tag_job_ended_is_never_tied_by_waiting(ended, never):
    """EnsureTag, started by our HEAD, is the tag's only chance while Harbor keeps its copy of the upstream index
    (docs/harbor.md 3.2): once it has ended, waiting cannot help, and the note says what can."""
    api = FakeApi({AMD: {'digest': AMD}})
    wanted = Pull(Repository(BASE, REPO), '1.27', UP, True, [('linux/amd64', AMD)], tag_job_ends=time.time() + ended)
    state = inspect(api, wanted)
    assert not state.committed and state.platforms == ['linux/amd64']
    if never:
        assert 'EnsureTag' in state.note and 'cache:manifestlist:%s:%s' % (REPO, UP) in state.note, state.note
    else:
        assert state.note is None


def test_the_tag_job_lasts_sixty_ticks_of_half_an_interval_from_the_head():
    assert tag_job_ends(timeline(head=100.0), I) == 100.0 + 60 * I / 2
    assert tag_job_ends(Timeline(), I) is None


def test_an_index_pinned_by_its_upstream_digest_never_pulls_offline():
    state = inspect(FakeApi({AMD: {'digest': AMD}}), pull(reference=UP))
    assert not state.committed and state.platforms == ['linux/amd64'] and 're-serialisation' in state.note


def test_a_single_manifest_whose_tag_moved_upstream_is_not_committed():
    api = FakeApi({'1.27': {'digest': ARM, 'extra_attrs': {'os': 'linux', 'architecture': 'amd64'}}})
    assert not inspect(api, pull(is_index=False)).committed
    api = FakeApi({'1.27': {'digest': AMD, 'extra_attrs': {'os': 'linux', 'architecture': 'amd64'}}})
    state = inspect(api, pull(is_index=False))
    assert state.committed and str(state.platform) == 'linux/amd64'


def timeline(head=0.0, top=0.1, children=()):
    line = Timeline()
    line.head, line.top = head, top
    for digest, requested, stored in children:
        line.child(digest, requested)
        if stored is not None:
            line.blobs_stored(digest, stored)
    return line


@pytest.mark.parametrize('stored, due', [
    (1.0, 20.1),  # blobs stored before the first check
    (25.0, 40.1),  # a slow blob: the second check
    (None, 200.1),  # blobs never read: Harbor fetches them itself after the 10th
])
def test_a_single_manifest_is_due_at_the_first_check_that_finds_its_blobs(stored, due):
    wanted = pull(is_index=False)
    assert expected(wanted, timeline(children=[(AMD, 0.1, stored)]), [], set(), I) == pytest.approx(due)


def test_an_index_with_every_child_read_is_due_at_the_check_after_its_last_child_then_the_next_ensure_tag_tick():
    line = timeline(children=[(AMD, 0.2, 1.0), (PROOF, 0.3, 1.0)])
    # children at 20.2 and 20.3; the index's check at 40.1; EnsureTag from the HEAD at 0: the tick at 50
    assert expected(pull(), line, [AMD, PROOF], set(), I) == pytest.approx(50.0)


def test_an_index_with_a_child_nobody_read_is_due_at_its_20th_check_trimmed():
    line = timeline(children=[(AMD, 0.2, 1.0)])
    assert expected(pull(), line, [AMD, ARM], set(), I) == pytest.approx(410.0)


def test_an_index_by_digest_is_never_due():
    assert expected(pull(reference=UP), timeline(children=[(AMD, 0.2, 1.0)]), [AMD], set(), I) is None


def test_check_mode_reads_each_platform_from_the_committed_index():
    stored = Artifact(index_doc(TRIMMED, [(AMD, 'amd64')]))
    entries = [entry.as_dict() for entry in committed_platforms(parse_platforms(['linux/amd64', 'linux/arm64']), True, UP, stored)]
    assert entries == [{'platform': 'linux/amd64', 'status': 'cached', 'digest': AMD},
                       {'platform': 'linux/arm64', 'status': 'would_warm'}]


def test_check_mode_calls_a_single_manifest_cached_only_at_the_upstream_digest():
    stored = Artifact({'digest': AMD, 'extra_attrs': {'os': 'linux', 'architecture': 'amd64'}})
    assert committed_platforms(parse_platforms(['linux/amd64']), False, AMD, stored)[0].status == 'cached'
    assert committed_platforms(parse_platforms(['linux/amd64']), False, ARM, stored)[0].status == 'would_warm'
    assert committed_platforms(parse_platforms(['linux/arm64']), False, AMD, stored)[0].status == 'would_warm'


def test_a_repository_outside_a_project_is_told_to_name_the_project():
    with pytest.raises(RegistryError, match='has no project'):
        artifact_url(Repository(BASE, 'nginx'), '1.27')
