# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbook over several caches in one run, and a cache's warm run by a runner host over SSH.

Two emulated Harbors, each with its own upstream; skopeo judges what pulls with upstream stopped.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import sys

import pytest
import yaml

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import PER_CACHE
from ansible_collections.prewarm.harbor.tests.e2e.playbook import ECR
from ansible_collections.prewarm.harbor.tests.e2e.prewarm_playbook import ecr_reference, item_lines, reference, rules, run_playbook
from ansible_collections.prewarm.harbor.tests.stand import Stand
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL
from ansible_collections.prewarm.harbor.tests.stand.process import free_port
from ansible_collections.prewarm.harbor.tests.stand.sshd import SSHServer

AMD64 = ['linux/amd64']


@pytest.fixture(scope='module')
def second(tmp_path_factory):
    """Another region's Harbor, with its own upstream."""
    with Stand(tmp_path_factory.mktemp('second'), harbor_interval=HARBOR_INTERVAL, token_leeway=0) as running:
        yield running


@pytest.fixture(scope='module')
def runner(tmp_path_factory):
    """An OpenSSH server on loopback: the host a cache's warm runs on."""
    with SSHServer(str(tmp_path_factory.mktemp('sshd'))) as server:
        yield server


def cache(name, stand, **extra):
    return dict({'name': name, 'proxy_caches': rules(stand.harbor_url), 'platforms': AMD64}, **extra)


def inventory(tmp_path, hosts):
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump({'all': {'hosts': hosts}}), encoding='utf-8')
    return ['-i', str(path)]


def auth_file(path, base_url, user, password):
    encoded = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    path.write_text(json.dumps({'auths': {base_url.split('://', 1)[1]: {'auth': encoded}}}), encoding='utf-8')
    return str(path)


def verbose_results(output):
    """``[(lane, result)]`` of the warm task's items, from a -vvv run's output, where each result shows its
    ``invocation``."""
    decoder = json.JSONDecoder()
    return [(match.group(1), decoder.raw_decode(output, match.end())[0]) for match in
            re.finditer(r'^(?:ok|changed|failed): \[(prewarm-[^\]]+)\] => \(item=[^)]+\) => ', output, re.MULTILINE)]


def test_every_option_a_cache_may_set_reaches_the_module_for_that_cache_only(stand, tmp_path):
    """eu sets every option a cache may set (its paths relative to where ansible-playbook started), us none: the
    role's argument spec takes them, eu's module runs with eu's, us's with the play-wide ones, and it shows."""
    stand.reset_cache()
    for name in ('eu-ca.pem', 'ca.pem'):
        shutil.copy(stand.ca_path, tmp_path / name)
    auth_file(tmp_path / 'eu-auth.json', stand.harbor_https_url, *stand.robot_creds)
    own = dict(platforms=['linux/arm64'], auth_file='eu-auth.json', ca_path='eu-ca.pem', validate_certs=True,
               cache_flavor='harbor', pull_blobs=True, wait_for_commit=30, complete_index=True, trigger_blobs=False,
               harbor_check_interval=HARBOR_INTERVAL, timeout=17, retries=1, signatures=[])
    play_wide = dict(platforms=AMD64, auth_file=auth_file(tmp_path / 'auth.json', stand.harbor_url, *stand.robot_creds),
                     ca_path=str(tmp_path / 'ca.pem'), validate_certs=False, cache_flavor='auto', pull_blobs=False,
                     wait_for_commit=0, complete_index=False, trigger_blobs=True, harbor_check_interval=HARBOR_INTERVAL * 2,
                     timeout=23, retries=2, signatures=['sig', 'att'])
    assert set(own) == set(play_wide) == set(PER_CACHE)  # a new per-cache option is tested here too
    image = stand.images['oci_index']
    play = run_playbook(tmp_path, dict(
        {'prewarm_' + key: value for key, value in play_wide.items()}, prewarm_images=[ecr_reference(stand, image)],
        prewarm_caches=[dict(own, name='eu', proxy_caches=rules(stand.harbor_https_url)),
                        {'name': 'us', 'proxy_caches': rules(stand.harbor_url)}],
    ), check=False, args=['-vvv'])
    assert play.returncode == 0, play.log
    here = os.path.realpath(tmp_path)
    expected = {'prewarm-eu-1': dict(own, auth_file=os.path.join(here, 'eu-auth.json'), ca_path=os.path.join(here, 'eu-ca.pem')),
                'prewarm-us-1': play_wide}
    results = verbose_results(play.output)
    assert sorted(lane for lane, _result in results) == sorted(expected), play.log
    for lane, result in results:
        module_args = result['invocation']['module_args']
        assert {key: module_args[key] for key in PER_CACHE} == expected[lane], (lane, module_args)
    # And it did what they say: each cache warmed its platform, eu waited for Harbor's commit, us read no blob.
    eu, us = sorted(play.report['images'], key=lambda entry: entry['cache'])
    assert [platform['platform'] for platform in eu['platforms']] == ['linux/arm64'], eu
    assert eu['harbor']['committed'] and eu['platforms'][0]['blobs_pulled'] > 0, eu
    assert [(platform['platform'], platform.get('blobs_pulled')) for platform in us['platforms']] == [('linux/amd64', 0)], us
    assert 'signatures' not in eu and us['signatures'] == [], (eu, us)  # eu asked for none; the stand's image is unsigned


def test_two_caches_one_with_upstream_down_reports_each_and_fails_at_the_end(stand, second, tmp_path):
    """eu is healthy; us already holds schema2 and its upstream is down, so it cannot get oci. Every image goes
    through both; us's failure fails the run at the end, after eu is warm (and pulls with its upstream stopped)."""
    stand.reset_cache()
    second.reset_cache()
    held, lacking = stand.images['schema2'], stand.images['oci']
    assert second.oracle_pull(second.harbor_url, reference(second, held), 'linux/amd64', stop_upstream=False).ok
    assert second.harbor_quiesce(60)
    second.stop_upstream()
    images = [ecr_reference(stand, image) for image in (held, lacking)]
    play = run_playbook(tmp_path, {
        'prewarm_images': images, 'prewarm_caches': [cache('eu', stand), cache('us', second, parallel=1)],
        'prewarm_parallel': 3, 'prewarm_retries': 0, 'prewarm_wait_for_commit': 30,
    }, check=False)
    assert play.returncode != 0, play.log
    summary = play.report['summary']
    assert (summary['caches']['eu']['warmed'], summary['caches']['eu']['failed']) == (2, 0), summary
    assert summary['caches']['us']['failed'] == 1 and summary['caches']['us']['images'] == 2, summary
    failed = [entry for entry in play.report['images'] if entry['status'] == 'failed']
    assert [(entry['image'], entry['cache']) for entry in failed] == [(ecr_reference(stand, lacking), 'us')], failed
    assert '1 of 4 images failed: %s' % ecr_reference(stand, lacking) in play.output, play.log
    assert '  eu: 2 warmed' in play.output and '  us: ' in play.output, play.log
    # Each lane's lines name their image; the lanes name their cache.
    lines = item_lines(play.output)
    assert sorted((lane.rsplit('-', 1)[0], image) for _outcome, lane, image in lines) == sorted(
        (lane, image) for lane in ('prewarm-eu', 'prewarm-us') for image in images), play.log
    assert ('failed', 'prewarm-us-1', ecr_reference(stand, lacking)) in lines, lines
    for image in (held, lacking):
        assert stand.oracle_pull(stand.harbor_url, reference(stand, image), 'linux/amd64').ok, image


def test_a_runner_over_ssh_warms_its_cache(stand, runner, tmp_path):
    """The cache names an inventory host reached over SSH: the module runs there (the server logs the logins), and
    the cache pulls with upstream stopped."""
    stand.reset_cache()
    image = stand.images['oci_index']
    logins = runner.logins()
    play = run_playbook(tmp_path, {
        'prewarm_images': [ecr_reference(stand, image)], 'prewarm_caches': [cache('eu', stand, runner='runner-eu')],
        'prewarm_wait_for_commit': 30,
    }, check=False, args=inventory(tmp_path, {'runner-eu': runner.inventory_vars(sys.executable)}))
    assert play.returncode == 0, play.log
    assert [entry['status'] for entry in play.report['images']] == ['warmed'], play.log
    assert play.report['images'][0]['harbor']['committed'], play.report['images'][0]
    assert runner.logins() > logins, 'the warm did not go through the runner'
    assert stand.oracle_pull(stand.harbor_url, reference(stand, image), 'linux/amd64').ok


def test_a_runner_without_requests_says_so(stand, runner, tmp_path):
    """Debian's own python3 has no requests: the image fails with the module's missing-library message, naming it."""
    play = run_playbook(tmp_path, {
        'prewarm_images': [ecr_reference(stand, stand.images['schema2'])], 'prewarm_caches': [cache('eu', stand, runner='bare')],
    }, check=False, args=inventory(tmp_path, {'bare': runner.inventory_vars('/usr/bin/python3')}))
    assert play.returncode != 0, play.log
    entry = play.report['images'][0]
    assert entry['status'] == 'failed' and 'Failed to import the required Python library (requests)' in entry['msg'], entry


def test_a_runner_gets_the_credentials_the_controller_names_and_they_stay_secret(stand, runner, tmp_path):
    """A private project: the cache names the controller's environment variables holding the robot account; the
    runner warms with them, skopeo pulls with them, and the password appears nowhere in the output or the report."""
    stand.reset_cache()
    image = stand.images['schema2']
    user, password = stand.robot_creds
    play = run_playbook(tmp_path, {
        'prewarm_images': ['%s/%s' % (ECR, image.reference(stand.private_project))],
        'prewarm_caches': [cache('eu', stand, runner='runner-eu', username_env='PREWARM_EU_USER', password_env='PREWARM_EU_PASSWORD')],
        'prewarm_wait_for_commit': 30,
    }, check=False, args=inventory(tmp_path, {'runner-eu': runner.inventory_vars(sys.executable)}) + ['-vvv'],
        env={'PREWARM_EU_USER': user, 'PREWARM_EU_PASSWORD': password})
    assert play.returncode == 0, play.log
    assert [entry['status'] for entry in play.report['images']] == ['warmed'], play.log
    assert password not in play.output and password not in json.dumps(play.report)
    assert stand.oracle_pull(stand.harbor_url, image.reference(stand.private_project), 'linux/amd64', creds='robot').ok


def test_a_runner_that_cannot_be_reached_fails_its_images_and_the_summary_still_runs(stand, runner, tmp_path):
    """Nothing listens where the inventory says the runner is: its images fail with the reason, and the summary,
    the report and the final verdict still come."""
    unreachable = dict(runner.inventory_vars(sys.executable), ansible_port=free_port())
    play = run_playbook(tmp_path, {
        'prewarm_images': [ecr_reference(stand, stand.images['schema2'])], 'prewarm_caches': [cache('eu', stand, runner='gone')],
    }, check=False, args=inventory(tmp_path, {'gone': unreachable}))
    assert play.returncode != 0, play.log
    entry = play.report['images'][0]
    assert entry['status'] == 'failed' and 'Connection refused' in entry['msg'], entry
    assert '1 of 1 images failed' in play.output, play.log
