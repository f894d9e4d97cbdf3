# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo, as a user runs it: it starts its own stand, warms demo/app, delivers to the application registry, and
proves the Pods' ECR-named references pull with upstream and Harbor stopped."""

import os
import re
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'


def test_make_demo_ends_pulling_the_pods_own_references_from_the_application_registry_with_harbor_down():
    done = subprocess.run(['make', '--no-print-directory', 'demo'], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    pods = output.split('Upstream and Harbor stopped.')[1]
    pulls = re.findall(r'^  (ok|FAIL) +(%s/\S+) +(\S+) +(skopeo|containerd)' % re.escape(ECR), pods, re.MULTILINE)
    # demo/app: multi and dockerlist for two platforms, four single-platform images; each by skopeo and containerd
    assert len(pulls) == (2 * 2 + 4) * 2 and {ok for ok, *_rest in pulls} == {'ok'}, pods
    assert 'application registry %s: 6 there by tag (6 delivered by this run), 0 missing' % ECR in output, output[-4000:]
