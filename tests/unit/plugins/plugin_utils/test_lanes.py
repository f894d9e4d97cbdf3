# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook's plan: lanes per cache under one limit, images spread over them, options checked by the module."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleError, AnsibleFilterError

from ansible_collections.prewarm.harbor.plugins.filter.warm_plan import warm_plan
from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import PER_CACHE
from ansible_collections.prewarm.harbor.plugins.plugin_utils._lanes import lane_counts, plan

RULES = [{'regex_url': '^ecr/(.+):(.+)$', 'replacement_oci': 'http://127.0.0.1:9/v2/$1/manifests/$2'}]
SETTINGS = {'parallel': 3, 'forks': 5, 'cwd': '/tmp', 'cache_flavor': 'distribution', 'timeout': 60, 'retries': 3}


@pytest.mark.parametrize('wanted, limit, counts', [
    ([3, 3], 3, [2, 1]),   # one each, then in turn
    ([1, 5], 4, [1, 3]),   # a cache never gets more lanes than it has images (or asks for)
    ([0, 2], 3, [0, 2]),   # a cache with nothing to warm gets none
    ([2, 2, 2], 2, [1, 1, 1]),  # more caches than the limit: one each, throttle holds the limit
])
def test_lane_counts(wanted, limit, counts):
    assert lane_counts(wanted, limit) == counts


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
    ([{'name': 'eu', 'proxy_caches': RULES, 'password_env': 'PREWARM_UNIT_EMPTY'}], {}, 'PREWARM_UNIT_EMPTY, which is not set (or empty)'),
    ([{'name': 'eu', 'proxy_caches': RULES, 'runner': 'runner-ue'}], {'inventory_hosts': ['runner-eu']},
     'runner "runner-ue" is not a host of the inventory'),
], ids=['same-name', 'bad-name', 'no-rules', 'bad-rule', 'env-unset', 'parallel-0', 'forks', 'env-empty', 'runner-unknown'])
def test_a_cache_that_cannot_work_is_named(caches, settings, message, monkeypatch):
    monkeypatch.setenv('PREWARM_UNIT_EMPTY', '')
    with pytest.raises(AnsibleError) as raised:
        plan([{'source': 'prewarm_images', 'images': ['ecr/a:1', 'ecr/b:1', 'ecr/c:1']}], caches, dict(SETTINGS, **settings))
    assert message in str(raised.value)


def test_nothing_to_warm_names_the_variables():
    with pytest.raises(AnsibleError, match='nothing to warm: set prewarm_manifests'):
        plan([], [{'name': 'eu', 'proxy_caches': RULES}], SETTINGS)


def test_a_runner_keeps_its_own_paths_and_platforms_may_be_one_string(tmp_path):
    (tmp_path / 'auth.json').write_text('{"auths": {}}', encoding='utf-8')
    caches = [{'name': 'eu', 'proxy_caches': RULES, 'runner': 'runner-eu', 'auth_file': '~/auth.json'},
              {'name': 'us', 'proxy_caches': RULES, 'auth_file': 'auth.json', 'platforms': 'linux/amd64, linux/arm64'}]
    release = [{'source': 'prewarm_images', 'images': ['ecr/a:1']}]
    eu, us = plan(release, caches, dict(SETTINGS, inventory_hosts=['runner-eu'], cwd=str(tmp_path)))['lanes']
    assert eu['options']['auth_file'] == '~/auth.json' and eu['runner'] == 'runner-eu'  # the runner's home, not ours
    assert us['options']['auth_file'] == str(tmp_path / 'auth.json')  # ours, from where ansible-playbook started
    assert us['options']['platforms'] == ['linux/amd64', 'linux/arm64']


def test_the_single_cache_credentials_are_refused_with_several_caches():
    with pytest.raises(AnsibleFilterError, match='prewarm_username and prewarm_password belong to the single cache'):
        warm_plan([{'source': 'prewarm_images', 'images': ['ecr/a:1']}], [{'name': 'eu', 'proxy_caches': RULES}],
                  dict(SETTINGS, username='robot', password='secret'))


def test_each_per_cache_option_reaches_its_cache_lanes_over_the_play_wide_one(tmp_path):
    """Falsy values too (0, false, signatures []): a cache that sets one means it."""
    for name in ('eu-auth.json', 'auth.json'):
        (tmp_path / name).write_text('{"auths": {}}', encoding='utf-8')
    for name in ('eu-ca.pem', 'ca.pem'):
        (tmp_path / name).write_text('', encoding='utf-8')
    own = dict(platforms=['linux/arm64'], auth_file='eu-auth.json', pull_blobs=False, cache_flavor='harbor', wait_for_commit=0,
               complete_index=False, trigger_blobs=False, harbor_check_interval=0.25, validate_certs=False, ca_path='eu-ca.pem',
               timeout=7, retries=0, signatures=[])
    play_wide = dict(platforms=['linux/amd64'], auth_file=str(tmp_path / 'auth.json'), pull_blobs=True, cache_flavor='auto',
                     wait_for_commit=30, complete_index=True, trigger_blobs=True, harbor_check_interval=20.0, validate_certs=True,
                     ca_path=str(tmp_path / 'ca.pem'), timeout=60, retries=3, signatures=['sig', 'att'])
    assert set(own) == set(play_wide) == set(PER_CACHE)  # a new per-cache option is tested here too
    caches = [dict(own, name='eu', proxy_caches=RULES), {'name': 'us', 'proxy_caches': RULES}]
    eu, us = plan([{'source': 'prewarm_images', 'images': ['ecr/a:1']}], caches, dict(SETTINGS, cwd=str(tmp_path), **play_wide))['lanes']
    assert {key: eu['options'][key] for key in PER_CACHE} == dict(own, auth_file=str(tmp_path / 'eu-auth.json'),
                                                                  ca_path=str(tmp_path / 'eu-ca.pem'))
    assert {key: us['options'][key] for key in PER_CACHE} == play_wide
