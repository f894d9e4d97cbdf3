# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the Pod pulls: the image's own reference in the application registry that Harbor replicates to.

Through ansible-playbook, on the stand's emulated Harbor (its replication from docs/harbor.md 11) and a real
docker-registry as the application registry; judged by skopeo and containerd pulling the Pod's reference from the
application registry with upstream and Harbor both stopped.
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import run_module
from ansible_collections.prewarm.harbor.tests.e2e.prewarm_playbook import run_playbook
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.stand.judge import app_offline

APP_REGEX = r'^127\.0\.0\.1:[0-9]+/(proxy_[^/]+)/(.+):([^:]+)$'


@pytest.fixture
def cold(stand):
    stand.reset_cache()
    return stand


def pod_reference(stand, image, tag=None):
    """What a Pod spec names: the application registry's copy of the proxy project's repository."""
    return '%s/%s/%s:%s' % (stand.app_registry_host, stand.public_project, image.repository, tag or image.tag)


def in_app(stand, image):
    return '%s/%s:%s' % (stand.public_project, image.repository, image.tag)


def warm(stand, images, app, check=False, replicator=None, **options):
    """The module with an application_registry block; the cache's robot, the registry's and the replicator's own."""
    app = dict(dict(username=stand.app_registry_user, password=stand.app_registry_password), **app)
    if app.get('deliver'):
        user, password = replicator or stand.replicator_creds
        app.update(replication_username=user, replication_password=password)
    args = dict(images=images, ca_path=stand.ca_path, wait_for_commit=60, harbor_check_interval=HARBOR_INTERVAL,
                proxy_caches=[dict(regex_url=APP_REGEX, replacement_oci=stand.harbor_url + '/v2/$1/$2/manifests/$3')],
                application_registry=app)
    args.update(options)
    return run_module(args, check=check)


def block_of(run):
    return run.images[0]['application_registry']


def executions(stand):
    return len(stand.replication_executions())


def test_event_based_replication_leaves_the_tag_behind_and_the_result_says_so(cold):
    """goharbor/harbor#16058: the stand's event-based policy copies what Harbor's proxy stores, untagged."""
    image = cold.images['oci_index']
    run = warm(cold, [pod_reference(cold, image)], dict(verify=True, wait=6), platforms=['linux/amd64'])
    assert run.images[0]['status'] == 'warmed', run
    block = block_of(run)
    assert (block['status'], block['present'], block['digest']) == ('untagged', False, None), block
    assert 'goharbor/harbor#16058' in block['msg'] and block['platforms'][0]['platform'] == 'linux/amd64'
    assert run.result['summary']['application_registry_missing'] == 1
    assert any('goharbor/harbor#16058' in warning for warning in run.result.get('warnings', ())), run
    assert image.tag not in cold.app_registry_tags(in_app(cold, image).split(':')[0])
    assert cold.app_registry_manifest(in_app(cold, image).split(':')[0], block['platforms'][0]['digest']).status_code == 200
    assert app_offline(cold, in_app(cold, image), 'linux/amd64') == (False, False)


@pytest.mark.parametrize('scope', ['narrow', 'policy'])
@pytest.mark.parametrize('key', ['oci_index', 'manifest_list', 'schema2', 'oci'])
def test_delivery_makes_every_selected_platform_pull_by_tag_from_the_application_registry(cold, key, scope):
    image = cold.images[key]
    policies = len(cold.replication_policies())
    run = warm(cold, [pod_reference(cold, image)], dict(deliver=True, scope=scope), platforms=['linux/amd64'])
    block = block_of(run)
    assert (run.images[0]['status'], run.images[0]['changed'], block['status'], block['present']) == ('warmed', True, 'present', True), run
    delivery = block['delivery']
    assert delivery['delivered'] and delivery['status'] == 'Succeed' and delivery['total'] >= 1 and delivery['cause'] is None, delivery
    assert run.result['summary']['application_registries'][cold.app_registry_host]['delivered'] == 1
    assert len(cold.replication_policies()) == policies  # the narrow copy is gone
    assert app_offline(cold, in_app(cold, image), 'linux/amd64') == (True, True)


def test_an_ecr_named_reference_is_delivered_and_pulls_through_an_endpoint(cold):
    """The Pod writes the ECR host; application_registry.endpoints reaches it at the stand's registry (as a node's
    mirror does), and the result still names the Pod's reference."""
    image = cold.images['oci_index']
    ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
    rule = dict(regex_url=r'^.*amazonaws\.com/(proxy_[^/]+)/(.+):([^:]+)$', replacement_oci=cold.harbor_url + '/v2/$1/$2/manifests/$3')
    run = warm(cold, ['%s/%s' % (ecr, in_app(cold, image))], dict(deliver=True, endpoints={ecr: cold.app_registry_url}),
               platforms=['linux/amd64', 'linux/arm64'], proxy_caches=[rule])
    block = block_of(run)
    assert (block['status'], block['reference']) == ('present', '%s/%s' % (ecr, in_app(cold, image))), run
    assert run.result['summary']['application_registries'][ecr]['delivered'] == 1, run.result['summary']
    for platform in ('linux/amd64', 'linux/arm64'):
        assert app_offline(cold, in_app(cold, image), platform, host=ecr) == (True, True), platform


def test_narrow_delivery_of_images_in_several_directories_runs_one_copy_per_directory(cold):
    """Harbor's name filter (doublestar v1) reads no "{a,b}" across a "/": library/* and team/* images of one call go
    in one narrow run per directory, all delivered, and every temporary policy is gone."""
    keys = ('schema2', 'oci', 'shared_one', 'shared_two')
    policies, started = len(cold.replication_policies()), executions(cold)
    run = warm(cold, [pod_reference(cold, cold.images[key]) for key in keys], dict(deliver=True), platforms=['linux/amd64'])
    blocks = [entry['application_registry'] for entry in run.images]
    assert [block['status'] for block in blocks] == ['present'] * 4, run
    assert len({block['delivery']['execution'] for block in blocks}) == 2, blocks  # library/ and team/
    assert executions(cold) - started >= 2 and len(cold.replication_policies()) == policies
    for key in keys:
        assert app_offline(cold, in_app(cold, cold.images[key]), 'linux/amd64') == (True, True), key


def test_a_rule_that_says_application_registry_false_keeps_its_images_out_of_it(cold):
    """Two rules onto the same cache; the one saying false is neither judged nor delivered, the other is."""
    kept, left = cold.images['schema2'], cold.images['oci']
    replacement = cold.harbor_url + '/v2/$1/$2/manifests/$3'
    rules = [dict(regex_url=r'^127\.0\.0\.1:[0-9]+/(proxy_[^/]+)/(library/oci):([^:]+)$', replacement_oci=replacement,
                  application_registry=False),
             dict(regex_url=APP_REGEX, replacement_oci=replacement)]
    run = warm(cold, [pod_reference(cold, kept), pod_reference(cold, left)], dict(deliver=True), platforms=['linux/amd64'],
               proxy_caches=rules)
    by_image = {entry['image']: entry for entry in run.images}
    assert by_image[pod_reference(cold, kept)]['application_registry']['status'] == 'present', run
    assert 'application_registry' not in by_image[pod_reference(cold, left)] and by_image[pod_reference(cold, left)]['status'] == 'warmed'
    assert run.result['summary']['application_registries'][cold.app_registry_host] == dict(present=1, delivered=1, missing=0)
    assert left.tag not in cold.app_registry_tags(in_app(cold, left).split(':')[0])


def test_a_rerun_with_everything_there_starts_nothing_and_check_mode_changes_nothing(cold):
    image = cold.images['schema2']
    reference = pod_reference(cold, image)
    assert block_of(warm(cold, [reference], dict(deliver=True)))['present']
    started, policies = executions(cold), cold.replication_policies()
    again = warm(cold, [reference], dict(deliver=True))
    assert again.images[0]['status'] == 'cached' and again.result['changed'] is False, again
    assert block_of(again)['present'] and 'delivery' not in block_of(again)
    assert executions(cold) == started
    dry = warm(cold, [reference], dict(deliver=True), check=True)
    assert dry.images[0]['status'] == 'cached' and block_of(dry)['present'] and executions(cold) == started
    assert cold.replication_policies() == policies


def test_check_mode_starts_no_execution_creates_no_policy_and_says_what_it_would_deliver(cold):
    image = cold.images['manifest_list']
    warm(cold, [pod_reference(cold, image)], dict(verify=True), platforms=['linux/amd64'])  # in Harbor, not by tag there
    started, policies = executions(cold), cold.replication_policies()
    tags = cold.app_registry_tags(in_app(cold, image).split(':')[0])
    dry = warm(cold, [pod_reference(cold, image)], dict(deliver=True), check=True, platforms=['linux/amd64'])
    delivery = block_of(dry)['delivery']
    assert delivery == dict(policy=cold.replication_policy_name, scope='narrow', delivered=False, would_deliver=True), dry
    assert executions(cold) == started and cold.replication_policies() == policies
    assert cold.app_registry_tags(in_app(cold, image).split(':')[0]) == tags


def test_a_project_robot_cannot_replicate_and_the_warm_still_happens(cold):
    image = cold.images['schema2']
    run = warm(cold, [pod_reference(cold, image)], dict(deliver=True), replicator=cold.robot_creds)
    assert run.images[0]['status'] == 'warmed', run
    delivery = block_of(run)['delivery']
    assert delivery['delivered'] is False and '403' in delivery['cause'] and 'system robot' in delivery['cause'], delivery


def test_a_tag_filter_that_refuses_the_tag_copies_nothing_and_is_warned_about(cold):
    image = cold.images['schema2']
    name = 'only-v-tags'
    cold.create_replication_policy(name, filters=[{'type': 'name', 'value': 'proxy_hub/**'}, {'type': 'tag', 'value': 'v*'}])
    run = warm(cold, [pod_reference(cold, image)], dict(deliver=True, policy=name, scope='policy'))
    delivery = block_of(run)['delivery']
    assert delivery['delivered'] is False and delivery['total'] == 0 and 'copied nothing' in delivery['cause'], delivery
    assert any('refuse tag(s) 1.0' in warning for warning in run.result.get('warnings', ())), run


def test_a_stale_tag_kept_by_override_false_is_named(cold):
    image = cold.push_image('team/stale', '1.0', fmt='docker')  # its own repository: the tag will move upstream
    reference = pod_reference(cold, image)
    assert block_of(warm(cold, [reference], dict(deliver=True)))['present']
    moved = cold.push_image('team/stale', '1.0', fmt='docker', layer_bytes=4097)
    policy = cold.replication_policy()
    cold.update_replication_policy(policy['id'], override=False)
    run = warm(cold, [reference], dict(deliver=True))
    block = block_of(run)
    assert block['status'] == 'stale' and block['digest'] == image.digest != moved.digest, block
    assert 'override is false' in block['delivery']['cause'] or 'override' in block['delivery']['cause'], block
    assert any('override is false' in warning for warning in run.result.get('warnings', ())), run


def test_the_application_registry_down_fails_the_delivery_not_the_warm(cold):
    image = cold.images['schema2']
    cold.stop_app_registry()
    try:
        run = warm(cold, [pod_reference(cold, image)], dict(deliver=True))
    finally:
        cold.start_app_registry()
    assert run.images[0]['status'] == 'warmed' and run.returncode == 0, run
    block = block_of(run)
    assert block['status'] == 'unreachable' and block['delivery']['delivered'] is False, block


def test_a_replication_task_that_fails_is_named(cold):
    """A layer Harbor committed is lost from its storage and from upstream: the warm is still cached (Harbor's database
    holds the image, and nothing is read again), but the replication's copy of the blob fails, and so does its task."""
    image = cold.push_image('team/lost-layer', '1.0')  # its own repository: its layer will be lost
    reference = pod_reference(cold, image)
    assert warm(cold, [reference], dict(verify=True)).images[0]['harbor']['committed']
    # Only a manual policy from here on, and an empty application registry: the copy must read the lost layer.
    cold.update_replication_policy(cold.replication_policy()['id'], enabled=False)
    cold.create_replication_policy('manual-only', filters=[{'type': 'name', 'value': 'proxy_hub/**'}])
    cold.reset_app_registry()
    layer = image.platforms[0].layers[-1].digest
    lost = [os.path.join(root, 'docker', 'registry', 'v2', 'blobs', 'sha256', layer[7:9], layer[7:], 'data')
            for root in (cold.upstream_storage_dir, cold.harbor_storage_dir)]
    for path in lost:
        os.rename(path, path + '.lost')
    try:
        run = warm(cold, [reference], dict(deliver=True, policy='manual-only'))
    finally:
        for path in lost:
            os.rename(path + '.lost', path)
    assert run.images[0]['status'] == 'cached', run
    delivery = block_of(run)['delivery']
    assert delivery['delivered'] is False and delivery['status'] == 'Failed', delivery
    assert delivery['cause'].startswith('replication task') and 'failed' in delivery['cause'], delivery


def test_with_harbor_2_9_1_the_event_carries_the_tag_and_nothing_is_started(cold):
    image = cold.images['schema2']
    cold.set_harbor_version('2.9.1')
    reference = pod_reference(cold, image)
    first = warm(cold, [reference], dict(verify=True, wait=10))
    assert block_of(first)['present'], first
    started = executions(cold)
    again = warm(cold, [reference], dict(deliver=True))
    assert block_of(again)['present'] and 'delivery' not in block_of(again) and executions(cold) == started
    assert app_offline(cold, in_app(cold, image), 'linux/amd64') == (True, True)


def test_delivering_an_index_copies_every_upstream_platform_while_harbor_s_list_cache_lives(cold):
    """Harbor's replication reads the tag through its proxy, which serves the upstream index from its 7-day list cache,
    so the copy fetches the platforms never warmed from upstream too (docs/harbor.md 11.3 step 4): the unselected
    platform pulls from the application registry as well. Harbor's behaviour, not ours; the README says so."""
    image = cold.images['oci_index']
    run = warm(cold, [pod_reference(cold, image)], dict(deliver=True), platforms=['linux/amd64'])
    assert block_of(run)['present'] and [entry['platform'] for entry in block_of(run)['platforms']] == ['linux/amd64']
    index = cold.app_registry_manifest(in_app(cold, image).split(':')[0], image.tag).json()
    assert index['manifests'][0]['digest'] == image.platform('linux/amd64').digest and len(index['manifests']) == 6
    assert app_offline(cold, in_app(cold, image), 'linux/arm64/v8') == (True, True)


def test_the_playbook_delivers_each_cache_s_images_with_secrets_named_by_environment_variable(cold, tmp_path):
    """Through playbooks/prewarm.yml: a cache's application_registry names its secrets' variables; the Pod's own
    reference then pulls by tag from the application registry with upstream and Harbor stopped, no secret is printed
    at -vvv, and the summary has a line for the application registry."""
    image = cold.images['manifest_list']
    secrets = dict(APP_USER=cold.app_registry_user, APP_PASSWORD=cold.app_registry_password,
                   REPLICATOR_USER=cold.replicator_user, REPLICATOR_PASSWORD=cold.replicator_password)
    cache = dict(name='eu', proxy_caches=[dict(regex_url=APP_REGEX, replacement_oci=cold.harbor_url + '/v2/$1/$2/manifests/$3')],
                 application_registry=dict(deliver=True, username_env='APP_USER', password_env='APP_PASSWORD',
                                           replication_username_env='REPLICATOR_USER', replication_password_env='REPLICATOR_PASSWORD'))
    play = run_playbook(tmp_path, dict(prewarm_images=[pod_reference(cold, image)], prewarm_caches=[cache],
                                       prewarm_platforms=['linux/amd64'], prewarm_ca_path=cold.ca_path,
                                       prewarm_wait_for_commit=60, prewarm_harbor_check_interval=HARBOR_INTERVAL),
                        check=False, args=['-vvv'], env=secrets)
    assert play.returncode == 0, play.log
    entry = play.report['images'][0]
    assert entry['application_registry']['present'] and entry['application_registry']['delivery']['delivered'], entry
    assert 'application registry %s: 1 there by tag (1 delivered by this run), 0 missing' % cold.app_registry_host in play.output
    for secret in (cold.app_registry_password, cold.replicator_password):
        assert secret not in play.output and secret not in json.dumps(play.report)
    assert app_offline(cold, in_app(cold, image), 'linux/amd64') == (True, True)
