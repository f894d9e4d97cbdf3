# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The container_images filter as users meet it: inside a Jinja expression run by ansible."""

from __future__ import annotations

import json
import os
import subprocess

from ansible_collections.prewarm.harbor.tests.e2e.playbook import COLLECTIONS, ansible_bin
from ansible_collections.prewarm.harbor.tests.unit.plugins.filter.render_examples import EXPECTED, FIXTURES


def run_filter(tmp_path, fixture):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_HOME=str(tmp_path / 'ansible-home'),
               ANSIBLE_LOCALHOST_WARNING='False', ANSIBLE_INVENTORY_UNPARSED_WARNING='False', ANSIBLE_NOCOLOR='1')
    expression = "{{ lookup('file', '%s') | prewarm.harbor.container_images }}" % os.path.join(FIXTURES, fixture)
    return subprocess.run([ansible_bin('ansible'), 'localhost', '-m', 'debug', '-a', 'msg=%s' % expression],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)


def test_through_ansible(tmp_path):
    proc = run_filter(tmp_path, 'helm_template.txt')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    host, _sep, output = proc.stdout.partition(' | SUCCESS => ')
    assert host == 'localhost', proc.stdout
    assert json.loads(output)['msg'] == sorted(EXPECTED['helm_template.txt'])


def test_through_ansible_malformed(tmp_path):
    proc = run_filter(tmp_path, 'malformed_helm.txt')
    assert proc.returncode != 0
    assert 'document 3, line 27,' in proc.stdout + proc.stderr
