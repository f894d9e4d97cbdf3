# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's replication policies as the module reads them: filters (doublestar globs), destination names, narrowing
(docs/harbor.md 11.2, 11.3)."""

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.glob import glob_match
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.replication import Policy, _id_in
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import RegistryError


# Harbor's own table (src/pkg/reg/util/pattern_test.go:TestMatch), then the cases replication meets.
@pytest.mark.parametrize('pattern, text, matched', [
    ('', 'library', True), ('', '', True), ('*', 'library', True), ('*', 'library/hello-world', False),
    ('**', 'library/hello-world', True), ('{library,harbor}/**', 'library/hello-world', True),
    ('{library,harbor}/**', 'harbor/hello-world', True), ('1.?', '1.0', True), ('1.?', '1.01', False),
    ('v2.[4-6].*', 'v2.4.0', True), ('v2.[4-7].*', 'v2.7.0', True),
    ('proxy_hub/**', 'proxy_hub/library/nginx', True), ('proxy_hub/*', 'proxy_hub/library/nginx', False),
    ('**', '', True), ('*', '', True), ('v*', '', False),  # an untagged artifact's tag is "" (11.2 step 2)
    ('{1.25,3.16}', '3.16', True), ('proxy_hub/{library/nginx,team/app}', 'proxy_hub/team/app', False),
    ('v[!0-1].*', 'v2.1', True), ('v[!0-1].*', 'v1.1', False), (r'1\*', '1*', True), (r'1\*', '12', False),
    # doublestar v1 splits at "/" before it reads "{a,b}": a list spanning a "/" is a bad pattern, matching nothing
    ('{proxy_hub/a/x,proxy_hub/b/y}', 'proxy_hub/a/x', False), ('proxy_hub/a/{x,y}', 'proxy_hub/a/y', True),
    ('proxy_hub/{a,b}/{x,y}', 'proxy_hub/b/x', True),
])
def test_filters_match_as_doublestar_does(pattern, text, matched):
    assert glob_match(pattern, text) is matched


def policy(**fields):
    document = dict(id=7, name='to-ecr', enabled=True, trigger={'type': 'event_based'}, src_registry=None,
                    dest_registry={'id': 2, 'type': 'aws-ecr', 'url': 'https://123.dkr.ecr.eu-west-1.amazonaws.com'},
                    dest_namespace='', dest_namespace_replace_count=0, override=True, filters=[], creation_time='x')
    document.update(fields)
    return Policy.from_json(document)


@pytest.mark.parametrize('filters, repository, tag, takes', [
    ([], 'proxy_hub/library/nginx', '1.25', True),
    ([{'type': 'name', 'value': 'proxy_hub/**'}], 'proxy_hub/library/nginx', '1.25', True),
    ([{'type': 'name', 'value': 'proxy_quay/**'}], 'proxy_hub/library/nginx', '1.25', False),
    ([{'type': 'tag', 'value': 'v*'}], 'proxy_hub/library/nginx', '1.25', False),
    ([{'type': 'tag', 'value': 'rc*', 'decoration': 'excludes'}], 'proxy_hub/library/nginx', '1.25', True),
    ([{'type': 'tag', 'value': '1.*', 'decoration': 'excludes'}], 'proxy_hub/library/nginx', '1.25', False),
    ([{'type': 'label', 'value': 'prod'}], 'proxy_hub/library/nginx', '1.25', False),  # proxy artifacts carry no labels
])
def test_a_policy_takes_what_its_filters_let_through(filters, repository, tag, takes):
    assert policy(filters=filters).takes(repository, tag) is takes


@pytest.mark.parametrize('namespace, count, destination', [
    ('', 0, 'proxy_hub/library/nginx'),
    ('mirror', -1, 'mirror/nginx'),
    ('mirror', 1, 'mirror/library/nginx'),
    ('mirror', 0, 'mirror/proxy_hub/library/nginx'),
])
def test_the_destination_name_follows_dest_namespace_and_its_replace_count(namespace, count, destination):
    assert policy(dest_namespace=namespace, dest_namespace_replace_count=count).destination('proxy_hub/library/nginx') == destination


def test_a_narrowed_copy_takes_only_the_images_and_keeps_the_destination():
    repositories = ['proxy_hub/library/nginx', 'proxy_hub/library/redis', 'proxy_hub/library/nginx']
    body = policy(filters=[{'type': 'label', 'value': 'x'}], override=False).narrowed('prewarm-to-ecr-1', repositories, ['1.25', '2.0'])
    assert body['filters'] == [{'type': 'name', 'value': 'proxy_hub/library/{nginx,redis}'}, {'type': 'tag', 'value': '{1.25,2.0}'}]
    assert all(glob_match(body['filters'][0]['value'], name) for name in repositories)
    assert not glob_match(body['filters'][0]['value'], 'proxy_hub/library/nginx-debug')
    assert (body['name'], body['trigger'], body['enabled'], body['override']) == ('prewarm-to-ecr-1', {'type': 'manual'}, True, False)
    assert body['dest_registry']['url'] == 'https://123.dkr.ecr.eu-west-1.amazonaws.com'
    assert 'id' not in body and 'creation_time' not in body


def test_a_narrowed_copy_takes_one_directory_only_because_harbor_s_glob_cannot_list_across_it():
    with pytest.raises(ValueError, match='one directory'):
        policy().narrowed('prewarm-to-ecr-1', ['proxy_hub/library/nginx', 'proxy_hub/team/app'], ['1.25'])


def test_a_pull_policy_delivers_nowhere_and_a_location_without_an_id_is_an_error():
    assert policy(src_registry={'id': 3}).dest_host == ''
    assert _id_in('/api/v2.0/replication/executions/42', 'execution') == 42
    with pytest.raises(RegistryError, match='no usable Location header'):
        _id_in(None, 'execution')
