# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make acceptance, the check users run against their own Harbor, run here against the emulated one."""

import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def acceptance(stand, images, platforms, *extra, creds=True, project=None, env=None):  # pylint: disable=too-many-arguments
    environment = {name: value for name, value in os.environ.items() if not name.startswith(('HARBOR_', 'PREWARM_'))}
    if creds:
        environment.update(HARBOR_USERNAME=stand.robot_user, HARBOR_PASSWORD=stand.robot_password)
    environment.update(env or {})
    args = ' '.join(('--interval 0.25', '--wait 60') + extra)
    command = ['make', '--no-print-directory', 'acceptance', 'HARBOR=' + stand.harbor_url, 'PROJECT=' + (project or stand.private_project),
               'IMAGES=' + ' '.join(images), 'PLATFORMS=' + ' '.join(platforms), 'ACCEPTANCE_ARGS=' + args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900, check=False)


def test_acceptance_warms_waits_and_pulls_every_platform_by_tag_with_upstream_cut_off(stand):
    """Through make acceptance: the playbook warms and waits, the upstream is cut (--before-checks), and every
    selected platform pulls by tag and by digest with skopeo and containerd; the robot secret is never printed."""
    stand.reset_cache()
    multi, single = (stand.push_image('acceptance/' + name, '1.0', **options) for name, options in (
        ('multi', dict(platforms=('linux/amd64', 'linux/arm64'), fmt='oci', attestations=True)), ('single', {})))
    cut = "curl -fsS -X POST -d '{}' %s/stop_upstream" % stand.control_url
    done = acceptance(stand, ['%s:1.0' % multi.repository, '%s:1.0' % single.repository], ['linux/amd64', 'linux/arm64'],
                      '--before-checks "%s"' % cut)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not stand.upstream_running
    checks = [line for line in output.splitlines() if line.startswith('  ok ')]
    # multi: 2 platforms x 3 checks; single (amd64 only): 3 checks
    assert len(checks) == 9 and 'Accepted: 9 of 9 checks passed' in output, output
    assert sum('containerd by tag' in line for line in checks) == 3, output
    assert stand.robot_password not in output


def test_acceptance_fails_and_says_why_when_an_image_cannot_be_warmed(stand):
    """A tag that does not exist upstream: the run fails, naming the image and the playbook's reason."""
    stand.reset_cache()
    image = stand.push_image('acceptance/present', '1.0')
    done = acceptance(stand, ['%s:1.0' % image.repository, 'acceptance/absent:9.9'], ['linux/amd64'], '--no-containerd')
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert 'FAIL' in output and 'acceptance/absent:9.9' in output and 'not found' in output, output
    assert 'FAILED: 2 of 3 checks passed' in output, output


def control(stand, action):
    return "curl -fsS -X POST -d '{}' %s/%s" % (stand.control_url, action)


def test_acceptance_delivers_and_pulls_the_pods_own_references_from_the_application_registry(stand):
    """--app-registry with --deliver, through an endpoint standing in for ECR: after the Harbor checks (upstream cut),
    Harbor is stopped too (--before-app-checks) and every platform of each Pod's reference pulls by tag, with skopeo
    and containerd, from the application registry alone; no secret is printed."""
    stand.reset_cache()
    stand.reset_app_registry()
    multi = stand.images['oci_index']
    ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
    env = dict(zip(('PREWARM_APP_REGISTRY_USERNAME', 'PREWARM_APP_REGISTRY_PASSWORD'), stand.app_registry_creds))
    env.update(zip(('PREWARM_REPLICATION_USERNAME', 'PREWARM_REPLICATION_PASSWORD'), stand.replicator_creds))
    done = acceptance(stand, ['%s:%s' % (multi.repository, multi.tag)], ['linux/amd64', 'linux/arm64'],
                      '--ca-path', stand.ca_path, '--app-registry https://' + ecr, '--app-endpoint', stand.app_registry_url,
                      '--deliver', '--before-checks "%s"' % control(stand, 'stop_upstream'),
                      '--before-app-checks "%s"' % control(stand, 'stop_harbor'), project=stand.public_project, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not stand.harbor_running and not stand.upstream_running
    pods = output.split('Where the Pods pull, %s (reached at %s):' % (ecr, stand.app_registry_url))[1]
    pulled = [line for line in pods.splitlines() if line.startswith('  ok ')]
    assert len(pulled) == 4 and all(ecr + '/' + stand.public_project in line for line in pulled), pods
    assert 'Accepted: 10 of 10 checks passed' in output, output  # Harbor: 2 x 3; the application registry: 2 x 2
    for secret in (stand.robot_password, stand.app_registry_password, stand.replicator_password):
        assert secret not in output


def test_acceptance_says_the_pods_reference_is_not_there_when_replication_leaves_the_tag_behind(stand):
    """Without --deliver, the stand's event-based policy copies untagged (goharbor/harbor#16058): the check fails,
    naming the cause."""
    stand.reset_cache()
    stand.reset_app_registry()
    image = stand.images['schema2']
    env = dict(zip(('PREWARM_APP_REGISTRY_USERNAME', 'PREWARM_APP_REGISTRY_PASSWORD'), stand.app_registry_creds))
    done = acceptance(stand, ['%s:%s' % (image.repository, image.tag)], ['linux/amd64'], '--ca-path', stand.ca_path,
                      '--app-registry', stand.app_registry_url, '--app-wait 6', '--no-containerd', project=stand.public_project, env=env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert 'not there by tag' in output and 'goharbor/harbor#16058' in output, output
