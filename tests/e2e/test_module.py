# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module through ansible-playbook against real registries; skopeo, with upstream stopped, is the judge.

On the emulated Harbor the judge waits for Harbor's background store jobs first (``harbor_quiesce``): what a node
can pull offline is what Harbor has committed, seconds (here) or minutes (Harbor's own timers) after the warm.
"""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.prewarm.harbor.tests.e2e.playbook import ECR, ecr, in_project, plain_proxy_rule, rule, run_module, warm
from ansible_collections.prewarm.harbor.tests.stand.fixtures import HARBOR_INTERVAL


@pytest.fixture
def cold(stand):
    """A cold cache with upstream running."""
    stand.reset_cache()
    return stand


def offline_pull(stand, reference, platform, creds=None):
    """skopeo from Harbor with upstream stopped, once Harbor's store jobs are done."""
    assert stand.harbor_quiesce(120)
    return stand.oracle_pull(stand.harbor_url, reference, platform, creds=creds)


def test_every_image_kind_is_pullable_for_the_selected_platform_only(cold):
    project = cold.public_project
    images = dict(cold.images)
    run = warm(cold, [ecr(project, image) for image in images.values()], platforms=['linux/amd64'])
    assert run.returncode == 0, run
    assert [entry['status'] for entry in run.images] == ['warmed'] * len(images), run
    assert run.result['changed'] is True
    assert cold.harbor_quiesce(120)
    for key, image in images.items():
        pulled = cold.oracle_pull(cold.harbor_url, in_project(project, image), 'linux/amd64')
        assert pulled.ok, (key, pulled)
    multi = images['oci_index']
    assert not cold.oracle_pull(cold.harbor_url, in_project(project, multi), 'linux/arm/v7').ok
    assert not cold.oracle_pull(cold.harbor_url, in_project(project, images['manifest_list']), 'linux/arm64').ok


def test_all_platforms_and_attestations_skipped(cold):
    project = cold.public_project
    multi = cold.images['oci_index']
    run = warm(cold, [ecr(project, multi)], platforms=['all'])
    assert run.returncode == 0, run
    entry = run.images[0]
    assert sorted(p['platform'] for p in entry['platforms']) == ['linux/amd64', 'linux/arm/v7', 'linux/arm64']
    assert entry['digest'] == multi.digest
    assert cold.harbor_quiesce(120)
    for platform in ('linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'):
        assert cold.oracle_pull(cold.harbor_url, in_project(project, multi), platform).ok, platform


def test_the_seed_configuration_file_works_unchanged(cold, tmp_path):
    config = tmp_path / 'harbor-proxy-cache-populator.yaml'
    config.write_text(
        'maxNumberOfParallelJobs: 2\n'
        'proxyCaches:\n'
        '- regexURL: "^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)"\n'
        '  replacementOCI: "%s/v2/$1/$2/manifests/$3"\n'
        '  replacementArch: "%s/v2/$1/$2/manifests/ARCHDIGEST"\n'
        '  targetArch: "arm64"\n'
        '  targetOS: "linux"\n' % (cold.harbor_url, cold.harbor_url))
    multi = cold.images['manifest_list']
    run = run_module(dict(image=ecr(cold.public_project, multi), config_file=str(config)))
    assert run.returncode == 0, run
    assert [p['platform'] for p in run.images[0]['platforms']] == ['linux/arm64']
    assert offline_pull(cold, in_project(cold.public_project, multi), 'linux/arm64').ok
    assert not cold.oracle_pull(cold.harbor_url, in_project(cold.public_project, multi), 'linux/amd64').ok


def test_second_run_on_harbor_is_cached_and_reads_no_blob(cold):
    """Once Harbor has committed the first run (waited for), the second is cached, from Harbor's artifacts API."""
    images = [ecr(cold.public_project, image) for image in cold.images.values()]
    first = warm(cold, images, wait_for_commit=60, harbor_check_interval=HARBOR_INTERVAL, platforms=['all'])
    assert first.returncode == 0 and first.result['changed'], first
    assert first.result['summary']['harbor_committed'] == len(images), first
    mark = cold.harbor_log_mark()
    second = warm(cold, images, platforms=['all'])
    assert second.returncode == 0, second
    assert second.result['changed'] is False, second
    assert {entry['status'] for entry in second.images} == {'cached'}
    assert second.result['summary']['bytes_pulled'] == 0
    blob_gets = [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs' and e.method == 'GET']
    assert blob_gets == []
    assert [e for e in cold.harbor_log(since=mark) if e.path.startswith('/api/v2.0/projects/')]


def test_a_second_run_before_harbor_has_committed_is_not_cached(cold):
    """Harbor holds the blobs at once but commits the manifests on its timers: until then nothing pulls offline by
    tag, and a second run says warmed, not cached, reading no blob Harbor already holds."""
    image = cold.images['oci_index']
    first = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'])
    assert first.images[0]['harbor']['committed'] is False, first
    mark = cold.harbor_log_mark()
    second = warm(cold, [ecr(cold.public_project, image)], platforms=['linux/amd64'])
    assert second.images[0]['status'] == 'warmed' and second.images[0]['harbor']['committed'] is False, second
    assert [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs' and e.method == 'GET'] == []


def test_plain_proxy_is_warmed_every_time_and_shared_layers_per_repository(cold):
    shared = [cold.images['shared_one'], cold.images['shared_two']]
    images = [ecr(cold.public_project, image) for image in shared]
    args = dict(images=images, proxy_caches=[plain_proxy_rule(cold)])
    for _run in range(2):
        run = run_module(args)
        assert run.returncode == 0, run
        assert [entry['status'] for entry in run.images] == ['warmed', 'warmed'] and run.result['changed'], run
    for image in shared:
        assert cold.oracle_pull(cold.proxy_url, '%s:%s' % (image.repository, image.tag), 'linux/amd64').ok, image


def stored(stand):
    """Everything both caches hold: Harbor's database and registry, and the plain proxy's storage."""
    return stand.harbor_holdings(), stand.snapshot_proxy_storage()


@pytest.mark.parametrize('through', ['harbor', 'proxy'])
def test_check_mode_changes_nothing_in_the_cache(cold, through):
    """Nothing stored, also once every job Harbor started (EnsureTag after a HEAD) has ended."""
    images = [ecr(cold.public_project, image) for image in cold.images.values()]
    rules = [rule(cold.harbor_url)] if through == 'harbor' else [plain_proxy_rule(cold)]
    before = stored(cold)
    mark = cold.harbor_log_mark()
    run = run_module(dict(images=images, proxy_caches=rules), check=True)
    assert run.returncode == 0, run
    assert {entry['status'] for entry in run.images} == {'would_warm'}, run
    assert all(entry['manifest_url'] for entry in run.images)
    assert cold.harbor_quiesce(120)
    assert stored(cold) == before
    if through == 'harbor':
        assert all(entry['digest'] for entry in run.images)  # Harbor's HEAD confirmed each manifest
        assert not [e for e in cold.harbor_log(since=mark) if e.method == 'GET' and e.kind]


def test_unmatched_and_missing_tag_fail_only_themselves(cold):
    good = ecr(cold.public_project, cold.images['oci'])
    missing = '%s/%s/library/oci:does-not-exist' % (ECR, cold.public_project)
    unmatched = 'quay.io/team/app:1.0'
    run = warm(cold, [good, missing, unmatched])
    assert run.result['failed'] is True
    assert [entry['status'] for entry in run.images] == ['warmed', 'failed', 'unmatched'], run
    assert 'not found' in run.images[1]['msg'] and 'does-not-exist' in run.images[1]['msg']
    assert 'no rule matches' in run.images[2]['msg']
    assert '1 of 3 images failed' in run.result['msg']
    lenient = warm(cold, [good, missing], fail_on_error=False)
    assert not lenient.result.get('failed') and lenient.images[1]['status'] == 'failed', lenient


def test_robot_account_on_the_private_project(cold):
    image = cold.images['schema2']
    user, password = cold.robot_creds
    run = warm(cold, [ecr(cold.private_project, image)], username=user, password=password)
    assert run.returncode == 0 and run.images[0]['status'] == 'warmed', run
    assert offline_pull(cold, in_project(cold.private_project, image), 'linux/amd64', creds='robot').ok
    cold.start_upstream()
    from_env = warm(cold, [ecr(cold.private_project, image)], env={'hUSER': user, 'hPW': password})
    assert from_env.returncode == 0 and from_env.images[0]['status'] == 'cached', from_env
    anonymous = warm(cold, [ecr(cold.private_project, image)])
    assert anonymous.images[0]['status'] == 'failed', anonymous


def test_wrong_credentials_are_reported_without_the_secret(cold):
    """Harbor answers wrong credentials with an anonymous token, then 401 on the private project (docs/harbor.md 7.5)."""
    secret = 'Wr0ng-S3cret-pr3warm'
    image = ecr(cold.private_project, cold.images['oci'])
    run = warm(cold, [image], username=cold.robot_user, password=secret, verbosity=4)
    assert run.result['failed'] is True
    entry = run.images[0]
    assert entry['status'] == 'failed'
    assert '401 unauthorized' in entry['msg'] and 'check username/password' in entry['msg'], entry
    assert secret not in run.output
    assert secret not in yaml.safe_dump(run.result)


def test_https_with_ca_path_wrong_ca_and_no_verification(cold, tmp_path):
    image = cold.images['oci']
    images = [ecr(cold.public_project, image)]
    https_rule = [rule(cold.harbor_https_url)]
    trusted = run_module(dict(images=images, proxy_caches=https_rule, ca_path=cold.ca_path))
    assert trusted.returncode == 0 and trusted.images[0]['status'] == 'warmed', trusted
    other_ca = tmp_path / 'other-ca.pem'
    other_ca.write_text(open('/etc/ssl/certs/ca-certificates.crt', encoding='utf-8').read())
    wrong = run_module(dict(images=images, proxy_caches=https_rule, ca_path=str(other_ca)))
    assert wrong.images[0]['status'] == 'failed', wrong
    assert 'TLS verification failed' in wrong.images[0]['msg'] and 'ca_path' in wrong.images[0]['msg']
    unverified = run_module(dict(images=images, proxy_caches=https_rule, validate_certs=False))
    assert unverified.returncode == 0 and unverified.images[0]['status'] == 'cached', unverified
    assert cold.harbor_quiesce(120)
    assert cold.oracle_pull(cold.harbor_https_url, in_project(cold.public_project, image), 'linux/amd64').ok


def test_docker_hub_short_names_follow_harbor_redirect_to_library(cold):
    image = cold.images['oci_index']  # library/multi
    short = '%s/%s/multi:%s' % (ECR, cold.public_project, image.tag)
    run = warm(cold, [short], platforms=['linux/arm64'])
    assert run.result['images'][0]['status'] == 'warmed', run
    assert offline_pull(cold, in_project(cold.public_project, image), 'linux/arm64').ok


def test_index_only_rule_reads_the_index_and_nothing_else(cold):
    multi = cold.images['oci_index']
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, multi)], proxy_caches=[rule(cold.harbor_url, replacement_arch='')])
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['digest'] == multi.digest and entry['platforms'] == [], run
    requests = [(e.method, e.kind) for e in cold.harbor_log(since=mark) if e.kind]
    assert ('GET', 'manifests') in requests and ('GET', 'blobs') not in requests


def test_pull_blobs_false_reads_manifests_only(cold):
    image = cold.images['manifest_list']
    mark = cold.harbor_log_mark()
    run = warm(cold, [ecr(cold.public_project, image)], pull_blobs=False)
    entry = run.images[0]
    assert entry['status'] == 'warmed' and entry['changed'], run
    assert [p['platform'] for p in entry['platforms']] == ['linux/amd64'] and entry['platforms'][0]['bytes_pulled'] == 0
    assert not [e for e in cold.harbor_log(since=mark) if e.kind == 'blobs' and e.method == 'GET']


@pytest.mark.parametrize('through', ['harbor', 'proxy'])
def test_a_base_layer_shared_by_images_warmed_at_once_is_stored_for_each(cold, through):
    """The cache stores a blob after the last byte went out; a read through another repository meanwhile is not stored."""
    base = cold.layer('shared-race-base-' + through, 24 * 1024 * 1024)
    names = ['race-%s/app-%d' % (through, n) for n in range(4)]
    images = [cold.push_image(name, '1.0', base_layers=(base,)) for name in names]
    rules = [rule(cold.harbor_url)] if through == 'harbor' else [plain_proxy_rule(cold)]
    run = run_module(dict(images=[ecr(cold.public_project, image) for image in images], proxy_caches=rules, max_parallel_jobs=4))
    assert run.result['summary']['warmed'] == 4, run
    assert cold.harbor_quiesce(120)
    for image in images:
        if through == 'harbor':
            pulled = cold.oracle_pull(cold.harbor_url, in_project(cold.public_project, image), 'linux/amd64')
        else:
            pulled = cold.oracle_pull(cold.proxy_url, '%s:%s' % (image.repository, image.tag), 'linux/amd64')
        assert pulled.ok, (image.repository, pulled.stderr)
