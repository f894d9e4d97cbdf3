# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Harbor's releases differ, the module follows the one systeminfo names; judged by skopeo and containerd with
upstream stopped. The emulated Harbor switches release per test (tests/stand/harbor/core.py)."""

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ecr, in_project, warm
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.stand.judge import offline

SCALED = dict(harbor_check_interval=HARBOR_INTERVAL, platforms=['linux/amd64'])


def robot(stand):
    """Credentials: systeminfo names the release to authenticated callers only (docs/harbor.md 6.2)."""
    user, password = stand.robot_creds
    return dict(username=user, password=password)


@pytest.fixture
def release_2_15_0(stand):
    """v2.14.0 - v2.15.0: a manifest request by a tag upstream lost deletes Harbor's copy (goharbor/harbor#22175)."""
    stand.reset_cache()
    stand.set_harbor_version('2.15.0')
    yield stand
    stand.set_harbor_version('2.14')


@pytest.mark.parametrize('key', ('schema2', 'oci_index'))
def test_on_v2_15_0_a_warm_run_the_day_upstream_deletes_the_tag_keeps_harbors_copy(release_2_15_0, key):
    """The run after upstream deleted the tag finds it cached from Harbor's artifacts API and asks nothing by tag:
    Harbor keeps its copy and the tag still pulls offline. (What one request by tag does instead:
    tests/stand/tests/test_harbor_rules.py::test_a_tag_deleted_upstream_deletes_harbors_copy_on_v2_15_0.)"""
    stand, image = release_2_15_0, release_2_15_0.images[key]
    first = warm(stand, [ecr(stand.public_project, image)], wait_for_commit=60, **robot(stand), **SCALED)
    assert first.images[0]['status'] == 'warmed' and first.images[0]['harbor']['committed'], first
    assert first.result['summary']['harbor_versions'] == {stand.harbor_url: 'v2.15.0-e2b5ce92'}
    with stand.upstream_tag_deleted(image.repository, image.tag):
        mark = stand.harbor_log_mark()
        again = warm(stand, [ecr(stand.public_project, image)], wait_for_commit=60, **robot(stand), **SCALED)
        entry = again.images[0]
        assert (entry['status'], entry['harbor']['committed'], entry['harbor']['upstream_checked']) == ('cached', True, False), again
        # Nothing by the image's tag. A signature tag is asked by tag only after the artifacts API said Harbor holds
        # none under it, so that there is nothing for the request to delete.
        requests = stand.harbor_log(since=mark)
        by_tag = [e for e in requests if e.kind == 'manifests' and ':' not in e.reference]
        assert [e.reference for e in by_tag if not e.reference.startswith('sha256-')] == []
        assert all(any(e.path.endswith('/artifacts/' + asked.reference) for e in requests[:requests.index(asked)])
                   for asked in by_tag), requests
        assert stand.harbor_quiesce(60)
        assert offline(stand, in_project(stand.public_project, image), 'linux/amd64') == (True, True)


def test_on_the_newest_release_the_tag_is_still_checked_upstream(stand):
    """Elsewhere the tag is asked through the proxy as always, so a tag moved upstream is seen; a release systeminfo
    does not name (to an anonymous caller) is taken for the newest, and the run warns what that risks."""
    stand.reset_cache()
    image = stand.images['schema2']
    warm(stand, [ecr(stand.public_project, image)], wait_for_commit=60, **SCALED)
    again = warm(stand, [ecr(stand.public_project, image)], **robot(stand), **SCALED)
    entry = again.images[0]
    assert (entry['status'], entry['harbor']['upstream_checked']) == ('cached', True), again
    assert again.result['summary']['harbor_versions'] == {stand.harbor_url: 'v2.15.2-c50c7ddd'}
    anonymous = warm(stand, [ecr(stand.public_project, image)], **SCALED)
    assert anonymous.result['summary']['harbor_versions'] == {stand.harbor_url: 'unknown'}
    assert any('22175' in warning and stand.harbor_url in warning for warning in anonymous.result.get('warnings', [])), anonymous
