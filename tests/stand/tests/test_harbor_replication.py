# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each replication rule of docs/harbor.md section 11 and Appendix B, as a client sees it: warm through the emulated
Harbor, follow its events and executions through the REST API (the system-level robot), and judge the application
registry itself, offline (upstream and Harbor stopped) by skopeo and containerd.
"""

import time

import pytest
import requests

from ansible_collections.prewarm.harbor.tests.stand.cli_run import cli_stand
from ansible_collections.prewarm.harbor.tests.stand.harbor import filters
from ansible_collections.prewarm.harbor.tests.stand.harbor.flows import destination_name
from ansible_collections.prewarm.harbor.tests.stand.judge import app_offline
from ansible_collections.prewarm.harbor.tests.stand.tests.test_harbor_rules import Client, repo_state, seeded

SKIPPED = 'Execution skipped: active replication still in progress.'


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    return stand


def warm_by_head_then_digest(client, image, platforms=None):
    """As containerd and the collection warm: HEAD by tag, GET by digest, each platform's manifest and blobs."""
    assert client.manifest(image.tag, 'HEAD').status_code == 200
    assert client.manifest(image.digest).status_code == 200
    for child in image.platforms:
        if platforms is None or child.platform in platforms:
            client.read_platform(child)


def warm_by_tag(client, image):
    """As skopeo does for a single manifest: GET by tag, then the blobs."""
    assert client.manifest(image.tag).status_code == 200
    for blob in image.platforms[0].blobs:
        assert client.blob(blob.digest).status_code == 200


def pushed(stand, repository):
    """The PUSH_ARTIFACT events of one repository: [(digest, tags)]."""
    return [(event['digest'], event['tags']) for event in stand.harbor_events()
            if event['type'] == 'PUSH_ARTIFACT' and event['repository'] == repository]


def start(stand, policy_id, creds='replicator'):
    """``POST /replication/executions``: the execution id from ``Location`` (201, no body)."""
    answer = stand.harbor_api('POST', '/replication/executions', creds=creds, json={'policy_id': policy_id})
    assert answer.status_code == 201 and answer.content == b'', answer.text
    location = answer.headers['Location']
    assert location.startswith('/api/v2.0/replication/executions/')
    return int(location.rsplit('/', 1)[1])


def finished(stand, execution_id):
    """Poll ``GET /replication/executions/{id}`` until it is no longer InProgress."""
    deadline = time.monotonic() + 60
    while True:
        execution = stand.harbor_api('GET', f'/replication/executions/{execution_id}').json()
        if execution['status'] != 'InProgress':
            return execution
        assert time.monotonic() < deadline, execution
        time.sleep(0.02)


def tasks_and_logs(stand, execution_id):
    """[(task, log text)] through the API."""
    tasks = stand.harbor_api('GET', f'/replication/executions/{execution_id}/tasks').json()
    found = []
    for task in tasks:
        answer = stand.harbor_api('GET', f'/replication/executions/{execution_id}/tasks/{task["id"]}/log')
        assert answer.status_code == 200 and answer.headers['Content-Type'].startswith('text/plain')
        found.append((task, answer.text))
    return found


def create_policy(stand, body):
    """``POST /replication/policies`` as the replicator robot: the new id from ``Location``."""
    answer = stand.harbor_api('POST', '/replication/policies', json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.headers['Location'].rsplit('/', 1)[1])


def policy_body(name, pattern, trigger='manual', **fields):
    body = {'name': name, 'dest_registry': {'id': 1}, 'filters': [{'type': 'name', 'value': pattern}],
            'trigger': {'type': trigger}, 'enabled': True, 'override': True}
    body.update(fields)
    return body


# -- 11.1, 11.2: events from the proxy's stores, event-based replication ------------------------------------------------

@pytest.mark.parametrize('key', ['schema2', 'manifest_list'])
def test_event_replication_delivers_digests_never_the_tag(cold, key):
    """#16058 (11.1, 11.2): warmed as a client would (HEAD tag, GET by digest, blobs) until Harbor has tied the tag;
    every store was an untagged PUSH_ARTIFACT, so the default event-based policy copied digests only: at the
    application registry the digests resolve, the tag does not, and offline the tag does not pull."""
    image, repository, client = seeded(cold, key)
    warm_by_head_then_digest(client, image)
    assert cold.harbor_quiesce(60)
    tagged = repo_state(cold, repository)['tags'][image.tag]
    assert cold.harbor_artifact(repository, image.tag).json()['digest'] == tagged  # Harbor's commit
    stored = {item['digest'] for item in repo_state(cold, repository)['artifacts']}
    assert sorted(pushed(cold, repository)) == sorted((digest, []) for digest in stored)  # EnsureTag fired nothing
    executions = cold.replication_executions(cold.replication_policy()['id'])
    assert len(executions) == len(stored) and {item['trigger'] for item in executions} == {'event_based'}
    assert {item['status'] for item in executions} == {'Succeed'}
    for digest in stored:
        assert cold.app_registry_manifest(repository, digest, 'HEAD').status_code == 200
    assert cold.app_registry_manifest(repository, image.tag, 'HEAD').status_code == 404
    assert cold.app_registry_tags(repository) == []
    platform = image.platforms[-1]
    assert app_offline(cold, f'{repository}@{platform.digest}', platform.platform) == (True, True)
    assert app_offline(cold, f'{repository}:{image.tag}', platform.platform) == (False, False)


def test_store_rules_per_version(cold):
    """11.1 step 3: a single manifest read by digest, then by tag. 2.14: PUT by digest (the only event), then by tag
    (the existing artifact fires nothing); 2.13: by digest only, no tag at all; 2.9.1: by the requested reference,
    and an existing artifact fires again: the second event carries the tag, which reaches the application registry."""
    image = cold.images['schema2']
    repository = f'{cold.public_project}/{image.repository}'
    expected = {'2.14': ([(image.digest, [])], {image.tag: image.digest}),
                '2.13': ([(image.digest, [])], {}),
                '2.9.1': ([(image.digest, []), (image.digest, [image.tag])], {image.tag: image.digest})}
    for version, (events, tags) in expected.items():
        cold.reset_cache()
        cold.set_harbor_version(version)
        client = Client(cold, repository)
        assert client.manifest(image.digest).status_code == 200
        for blob in image.platforms[0].blobs:
            assert client.blob(blob.digest).status_code == 200
        assert cold.harbor_quiesce(60)
        assert client.manifest(image.tag).status_code == 200
        assert cold.harbor_quiesce(60)
        assert pushed(cold, repository) == events, version
        assert repo_state(cold, repository)['tags'] == tags, version
        assert cold.app_registry_tags(repository) == ([image.tag] if version == '2.9.1' else []), version
    assert cold.harbor_api('GET', '/systeminfo').json()['harbor_version'] == 'v2.9.1-5cbb1b01'


def test_version_2_9_1_event_carries_the_tag(stand):
    """11.1 (<= v2.9.1): a GET by tag stores by tag; the event carries it and the tag arrives, offline-pullable."""
    stand.reset_cache()
    stand.set_harbor_version('2.9.1')
    image, repository, client = seeded(stand, 'oci')
    warm_by_tag(client, image)
    assert stand.harbor_quiesce(60)
    assert pushed(stand, repository) == [(image.digest, [image.tag])]
    assert stand.app_registry_tags(repository) == [image.tag]
    assert app_offline(stand, f'{repository}:{image.tag}', 'linux/amd64') == (True, True)


def test_event_policy_filters(cold):
    """11.2 step 2: only enabled event-based policies whose filters pass; an untagged event meets a tag filter as ''
    (``v*`` drops it, ``**`` keeps it); a label filter drops proxy artifacts; the name glob is on the full name."""
    image, repository, client = seeded(cold, 'oci')
    kept = [cold.create_replication_policy('tags-any', [{'type': 'name', 'value': 'proxy_hub/library/*'},
                                                        {'type': 'tag', 'value': '**'}], trigger='event_based')]
    dropped = [cold.create_replication_policy('tags-v', [{'type': 'tag', 'value': 'v*'}], trigger='event_based'),
               cold.create_replication_policy('labelled', [{'type': 'label', 'value': ['prod']}], trigger='event_based'),
               cold.create_replication_policy('short-name', [{'type': 'name', 'value': 'library/*'}], trigger='event_based'),
               cold.create_replication_policy('disabled', [], trigger='event_based', enabled=False),
               cold.create_replication_policy('manual', [], trigger='manual')]
    warm_by_head_then_digest(client, image)
    assert cold.harbor_quiesce(60)
    started = {item['policy_id'] for item in cold.replication_executions()}
    assert set(kept) <= started and not set(dropped) & started
    assert filters.match('proxy_hub/**', 'proxy_hub/library/nginx') and not filters.match('proxy_hub/*', 'proxy_hub/library/nginx')
    assert filters.match('*', '') and not filters.match('v*', '') and filters.match('{1.0,2.0}', '2.0')


# -- 11.3: manual executions --------------------------------------------------------------------------------------------

def test_manual_execution_delivers_the_tag_and_every_upstream_platform(cold):
    """11.3 steps 1-4: after the commit, a manual execution of the (event-based) policy lists the tagged trimmed index,
    reads it by tag through the proxy while its list-cache entry lives: upstream's bytes, so the platforms never
    warmed are fetched from upstream (and stored by Harbor, with more untagged events). The application registry then
    resolves the tag to upstream's index, every platform pulls offline with upstream and Harbor stopped."""
    image, repository, client = seeded(cold, 'oci_index')
    warm_by_head_then_digest(client, image, platforms=('linux/amd64',))
    assert cold.harbor_quiesce(60)
    trimmed = repo_state(cold, repository)['tags'][image.tag]
    assert trimmed != image.digest
    execution_id = start(cold, cold.replication_policy()['id'])
    execution = finished(cold, execution_id)
    assert execution['status'] == 'Succeed' and execution['trigger'] == 'manual' and execution['total'] == 1
    [(task, log)] = tasks_and_logs(cold, execution_id)
    assert task['src_resource'] == task['dst_resource'] == f'{repository} [1 item(s) in total]'
    assert f'copying {repository}:[{image.tag}](source registry) to {repository}:[{image.tag}](destination registry)...' in log
    assert cold.harbor_quiesce(60)
    answer = cold.app_registry_manifest(repository, image.tag)
    assert answer.headers['Docker-Content-Digest'] == image.digest  # U, not T
    stored = {item['digest'] for item in repo_state(cold, repository)['artifacts']}
    assert {child.digest for child in image.platforms + image.attestations} <= stored
    assert (image.platform('linux/arm/v7').digest, []) in pushed(cold, repository)
    assert app_offline(cold, f'{repository}:{image.tag}', 'linux/arm/v7') == (True, True)
    assert app_offline(cold, f'{repository}:{image.tag}', 'linux/arm64/v8') == (True, True)


def test_manual_execution_with_nothing_to_copy(cold):
    """11.3 step 2, 11.4: only what Harbor's database holds is listed; nothing: Succeed, total 0, and the text."""
    policy_id = create_policy(cold, policy_body('nothing', 'proxy_hub/no/such/**'))
    execution = finished(cold, start(cold, policy_id))
    assert (execution['status'], execution['total'], execution['status_text']) == ('Succeed', 0, 'no resources need to be replicated')
    assert cold.harbor_api('DELETE', f'/replication/policies/{policy_id}').status_code == 200
    assert cold.harbor_api('GET', f'/replication/policies/{policy_id}').status_code == 404


def test_override_false_skips_a_moved_tag_and_still_succeeds(cold):
    """11.3 steps 3-4: the tag moved upstream; the copy reads it through the proxy (its new content), the destination
    holds another digest: ``override: false`` skips with Harbor's log line and the task succeeds; ``override: true``
    copies the new content."""
    first = cold.push_image('team/moving', '1.0', layer_bytes=3000)
    repository = f'{cold.public_project}/team/moving'
    warm_by_tag(Client(cold, repository), first)
    assert cold.harbor_quiesce(60)
    policy_id = cold.create_replication_policy('moving', [{'type': 'name', 'value': repository}], override=False)
    assert finished(cold, start(cold, policy_id))['status'] == 'Succeed'
    assert cold.app_registry_manifest(repository, '1.0').headers['Docker-Content-Digest'] == first.digest
    moved = cold.push_image('team/moving', '1.0', layer_bytes=3100)
    execution_id = start(cold, policy_id)
    execution = finished(cold, execution_id)
    assert (execution['status'], execution['succeed']) == ('Succeed', 1)
    [(_task, log)] = tasks_and_logs(cold, execution_id)
    assert (f'the same name artifact {repository}:1.0 exists on the destination registry, '
            'but the "override" is set to false, skip') in log
    assert cold.app_registry_manifest(repository, '1.0').headers['Docker-Content-Digest'] == first.digest
    cold.update_replication_policy(policy_id, override=True)
    assert finished(cold, start(cold, policy_id))['status'] == 'Succeed'
    assert cold.app_registry_manifest(repository, '1.0').headers['Docker-Content-Digest'] == moved.digest
    assert cold.harbor_quiesce(60)


def test_upstream_404_fails_the_task(cold):
    """11.3 step 4: the tag is gone upstream; the copy's read through the proxy is 404: the task fails (after its
    three runs), the execution too, the log says why."""
    image = cold.push_image('team/gone', '1.0')
    repository = f'{cold.public_project}/team/gone'
    warm_by_tag(Client(cold, repository), image)
    assert cold.harbor_quiesce(60)
    assert requests.delete(f'{cold.upstream_url}/v2/team/gone/manifests/{image.digest}', timeout=10).status_code == 202
    policy_id = cold.create_replication_policy('gone', [{'type': 'name', 'value': repository}])
    execution_id = start(cold, policy_id)
    execution = finished(cold, execution_id)
    assert (execution['status'], execution['failed']) == ('Failed', 1)
    [(task, log)] = tasks_and_logs(cold, execution_id)
    assert task['status'] == 'Failed' and 'http status code: 404' in log
    assert log.count('client for source registry') == 3  # MaxFails
    assert cold.app_registry_tags(repository) == []


def test_destination_namespace(cold):
    """11.3 step 5: empty keeps the name; -1 is ``<ns>/<last component>``; n keeps the components from n on."""
    assert destination_name('proxy_hub/library/nginx', '', -1) == 'proxy_hub/library/nginx'
    assert destination_name('proxy_hub/library/nginx', 'ecr', -1) == 'ecr/nginx'
    assert destination_name('proxy_hub/library/nginx', 'ecr', 1) == 'ecr/library/nginx'
    assert destination_name('proxy_hub/library/nginx', 'ecr', 0) == 'ecr/proxy_hub/library/nginx'
    with pytest.raises(ValueError):
        destination_name('proxy_hub/library/nginx', 'ecr', 3)
    image, repository, client = seeded(cold, 'schema2')
    warm_by_tag(client, image)
    assert cold.harbor_quiesce(60)
    policy_id = cold.create_replication_policy('flat', [{'type': 'name', 'value': repository}], dest_namespace='mirror',
                                               dest_namespace_replace_count=-1)
    execution = finished(cold, start(cold, policy_id))
    assert execution['status'] == 'Succeed'
    assert cold.app_registry_tags('mirror/schema2') == [image.tag]


# -- 11.4: the API, permissions, single active replication --------------------------------------------------------------

def test_disabled_policy_is_412(cold):
    """11.3 step 1: any enabled policy starts manually; a disabled one answers 412."""
    policy_id = create_policy(cold, policy_body('off', 'proxy_hub/**', enabled=False))
    answer = cold.harbor_api('POST', '/replication/executions', json={'policy_id': policy_id})
    assert answer.status_code == 412 and answer.json()['errors'][0]['code'] == 'PRECONDITION'


def test_replication_api_is_system_scope(stand):
    """11.4: anonymous 401; the project robot 403 everywhere; the system-level robot lists, reads, creates, starts,
    reads executions and deletes, but neither updates policies nor lists registries (not granted)."""
    path = '/replication/policies'
    assert stand.harbor_api('GET', path, creds=None).status_code == 401
    for method, where, body in (('GET', path, None), ('POST', path, policy_body('x', '**')),
                                ('POST', '/replication/executions', {'policy_id': 1}), ('GET', '/replication/executions', None)):
        assert stand.harbor_api(method, where, creds='robot', json=body).status_code == 403
    assert stand.harbor_api('GET', path).status_code == 200
    assert stand.harbor_api('GET', '/replication/executions').status_code == 200
    policy_id = stand.replication_policy()['id']
    assert stand.harbor_api('GET', f'{path}/{policy_id}').json()['name'] == stand.replication_policy_name
    assert stand.harbor_api('PUT', f'{path}/{policy_id}', json={}).status_code == 403
    assert stand.harbor_api('GET', '/registries').status_code == 403


def test_policy_json_and_queries(stand):
    """11.4: the policy JSON; ``q=name=`` exact, ``name=`` part; paging headers; a duplicate name 409; Harbor reads
    ``deletion`` (not ``replicate_deletion``) from a request; ``single_active_replication`` with ``event_based`` 500."""
    policy = stand.harbor_api('GET', '/replication/policies', params={'q': f'name={stand.replication_policy_name}'}).json()
    assert [item['name'] for item in policy] == [stand.replication_policy_name]
    item = policy[0]
    assert item['src_registry']['id'] == 0 and item['dest_registry']['url'] == stand.app_registry_url
    assert (item['trigger']['type'], item['override'], item['enabled'], item['dest_namespace']) == ('event_based', True, True, '')
    assert item['filters'] == [{'type': 'name', 'value': 'proxy_hub/**', 'decoration': ''}]
    assert item['dest_registry']['credential']['access_secret'] == '*****'
    first = create_policy(stand, policy_body('del-a', 'proxy_hub/a/**', replicate_deletion=True))
    second = create_policy(stand, policy_body('del-b', 'proxy_hub/b/**', deletion=True))
    assert stand.harbor_api('GET', f'/replication/policies/{first}').json()['replicate_deletion'] is False
    assert stand.harbor_api('GET', f'/replication/policies/{second}').json()['replicate_deletion'] is True
    page = stand.harbor_api('GET', '/replication/policies', params={'name': 'del-', 'page_size': 1})
    assert page.headers['X-Total-Count'] == '2' and 'rel="next"' in page.headers['Link'] and len(page.json()) == 1
    assert stand.harbor_api('POST', '/replication/policies', json=policy_body('del-a', '**')).status_code == 409
    refused = stand.harbor_api('POST', '/replication/policies', json=policy_body('one', '**', 'event_based', single_active_replication=True))
    assert refused.status_code == 500


def test_single_active_replication_skips(cold):
    """11.2 step 3 (v2.14+): a start while an execution of the same policy runs is recorded as Failed with Harbor's
    text, no task. (Harbor's API refuses the switch on an event-based policy, so a manual one shows it.)"""
    image, repository, client = seeded(cold, 'schema2')
    warm_by_tag(client, image)
    assert cold.harbor_quiesce(60)
    policy_id = create_policy(cold, policy_body('one-at-a-time', repository, single_active_replication=True))
    cold.set_upstream_fault('ok', delay=0.5)  # the copy's read by tag asks upstream: the first execution runs a while
    first = start(cold, policy_id)
    skipped = finished(cold, start(cold, policy_id))
    assert (skipped['status'], skipped['status_text'], skipped['total']) == ('Failed', SKIPPED, 0)
    assert finished(cold, first)['status'] == 'Succeed'
    listed = cold.harbor_api('GET', '/replication/executions', params={'policy_id': policy_id, 'status': 'Failed'}).json()
    assert [item['id'] for item in listed] == [skipped['id']]


# -- Appendix B 7: deletion ---------------------------------------------------------------------------------------------

def test_deletion_is_replicated(cold):
    """11.7, Appendix B 7: an artifact deleted through the API (as retention does) fires DELETE_ARTIFACT with its
    tags; a policy with ``replicate_deletion`` deletes them at the destination (the default policy does not)."""
    image = cold.push_image('team/doomed', '1.0')
    repository = f'{cold.public_project}/team/doomed'
    policy_id = cold.create_replication_policy('doomed', [{'type': 'name', 'value': repository}], trigger='event_based',
                                               replicate_deletion=True)
    warm_by_tag(Client(cold, repository), image)
    assert cold.harbor_quiesce(60)
    assert finished(cold, start(cold, policy_id))['status'] == 'Succeed'
    assert cold.app_registry_tags(repository) == ['1.0']
    assert cold.harbor_delete_artifact(repository, '1.0') == {'digest': image.digest, 'tags': ['1.0']}
    assert cold.harbor_quiesce(60)
    [latest] = cold.replication_executions(policy_id)[:1]
    assert latest['trigger'] == 'event_based' and latest['status'] == 'Succeed'
    assert latest['tasks'][0]['operation'] == 'deletion'
    assert cold.app_registry_manifest(repository, '1.0', 'HEAD').status_code == 404
    assert cold.app_registry_manifest(repository, image.digest, 'HEAD').status_code == 404
    default = cold.replication_executions(cold.replication_policy()['id'])
    assert all(task['operation'] == 'copy' for item in default for task in item['tasks'])


# -- the stand's options ------------------------------------------------------------------------------------------------

def test_cli_replication_options(tmp_path):
    """``up --replication none --harbor-version 2.13``: no policy, the 2.13 rules, the new attributes in stand.json."""
    with cli_stand(tmp_path / 'cli', '--replication', 'none', '--harbor-version', '2.13') as described:
        assert (described['replication'], described['harbor_version']) == (None, '2.13')
        state = requests.get(described['control_url'] + '/harbor/state', timeout=10).json()
        assert state['replication']['policies'] == [] and state['version'] == '2.13'
        answer = requests.get(described['app_registry_url'] + '/v2/', verify=described['ca_path'], timeout=10,
                              auth=(described['app_registry_user'], described['app_registry_password']))
        assert answer.status_code == 200 and described['app_registry_host'] in described['app_registry_url']
        assert requests.get(described['app_registry_url'] + '/v2/', verify=described['ca_path'], timeout=10).status_code == 401
