# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make acceptance, the check users run against their own Harbor, run here against the emulated one."""

import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def acceptance(stand, images, platforms, *extra, creds=True):
    env = dict(os.environ)
    for name in ('HARBOR_USERNAME', 'HARBOR_PASSWORD'):
        env.pop(name, None)
    if creds:
        env.update(HARBOR_USERNAME=stand.robot_user, HARBOR_PASSWORD=stand.robot_password)
    args = ' '.join(('--interval 0.25', '--wait 60') + extra)
    command = ['make', '--no-print-directory', 'acceptance', 'HARBOR=' + stand.harbor_url, 'PROJECT=' + stand.private_project,
               'IMAGES=' + ' '.join(images), 'PLATFORMS=' + ' '.join(platforms), 'ACCEPTANCE_ARGS=' + args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


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
