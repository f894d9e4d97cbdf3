# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook's plan: lanes per cache under one limit, images spread over them, options checked by the module."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleError

from ansible_collections.prewarm.harbor.plugins.plugin_utils._lanes import _lane_counts, plan

RULES = [{'regex_url': '^ecr/(.+):(.+)$', 'replacement_oci': 'http://127.0.0.1:9/v2/$1/manifests/$2'}]
SETTINGS = {'parallel': 3, 'forks': 5, 'cwd': '/tmp', 'cache_flavor': 'distribution', 'timeout': 60, 'retries': 3}


@pytest.mark.parametrize('wanted, limit, counts', [
    ([3, 3], 3, [2, 1]),   # one each, then in turn
    ([1, 5], 4, [1, 3]),   # a cache never gets more lanes than it has images (or asks for)
    ([0, 2], 3, [0, 2]),   # a cache with nothing to warm gets none
    ([2, 2, 2], 2, [1, 1, 1]),  # more caches than the limit: one each, throttle holds the limit
])
def test_lane_counts(wanted, limit, counts):
    assert _lane_counts(wanted, limit) == counts


def test_images_are_spread_over_every_cache_that_takes_them():
    release = [{'source': 'render.yaml', 'images': ['ecr/a:1', 'ecr/c:1', 'quay.io/x:1']},
               {'source': 'prewarm_images', 'images': ['ecr/b:1', 'ecr/a:1']}]
    caches = [{'name': 'eu', 'proxy_caches': RULES}, {'name': 'us', 'proxy_caches': RULES, 'parallel': 1}]
    planned = plan(release, caches, SETTINGS)
    assert planned['sources'] == ['render.yaml', 'prewarm_images'] and planned['report'] == ''
    assert [(lane['name'], lane['images']) for lane in planned['lanes']] == [
        ('prewarm-eu-1', ['ecr/a:1', 'ecr/c:1']), ('prewarm-eu-2', ['ecr/b:1']), ('prewarm-us-1', ['ecr/a:1', 'ecr/b:1', 'ecr/c:1'])]
    # unmatched once, though neither cache takes it
    assert [(entry['image'], entry['status']) for entry in planned['settled']] == [('quay.io/x:1', 'unmatched')]
    assert planned['lanes'][0]['options']['max_parallel_jobs'] == 1 and planned['lanes'][0]['options']['fail_on_error']


@pytest.mark.parametrize('caches, settings, message', [
    ([{'name': 'eu', 'proxy_caches': RULES}, {'name': 'eu', 'proxy_caches': RULES}], {}, 'the name "eu" is given to 2 caches'),
    ([{'name': 'eu west', 'proxy_caches': RULES}], {}, 'name "eu west" must be letters, digits'),
    ([{'name': 'eu'}], {}, 'prewarm_caches[0] (eu): set exactly one of proxy_caches'),
    ([{'name': 'eu', 'proxy_caches': [{'regex_url': '('}]}], {}, 'prewarm_caches[0] (eu): '),
    ([{'name': 'eu', 'proxy_caches': RULES, 'username_env': 'PREWARM_UNIT_UNSET'}], {}, 'username_env names PREWARM_UNIT_UNSET'),
    ([{'name': 'eu', 'proxy_caches': RULES}], {'parallel': 0}, 'prewarm_parallel must be at least 1'),
    ([{'name': 'eu', 'proxy_caches': RULES}], {'forks': 2}, 'run it with --forks 3'),
], ids=['same-name', 'bad-name', 'no-rules', 'bad-rule', 'env-unset', 'parallel-0', 'forks'])
def test_a_cache_that_cannot_work_is_named(caches, settings, message):
    with pytest.raises(AnsibleError) as raised:
        plan([{'source': 'prewarm_images', 'images': ['ecr/a:1', 'ecr/b:1', 'ecr/c:1']}], caches, dict(SETTINGS, **settings))
    assert message in str(raised.value)


def test_nothing_to_warm_names_the_variables():
    with pytest.raises(AnsibleError, match='nothing to warm: set prewarm_manifests'):
        plan([], [{'name': 'eu', 'proxy_caches': RULES}], SETTINGS)
