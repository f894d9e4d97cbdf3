# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks/prewarm.yml the way users do, with ansible-playbook, and read back its report and output; the
rendered manifests it is given and the references and lines the tests look for."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import yaml

from ansible_collections.prewarm.harbor.tests.e2e.playbook import COLLECTIONS, ECR, SEED_REGEX, ansible_bin

PLAYBOOK = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'playbooks', 'prewarm.yml'))
NOWHERE = 'http://127.0.0.1:9'  # discard port: nothing listens, and check mode must not try


def rules(base=NOWHERE):
    return [{'regex_url': SEED_REGEX, 'replacement_oci': base + '/v2/$1/$2/manifests/$3'}]


class Play:
    """One ansible-playbook run of prewarm.yml: exit code, everything printed, the JSON report when written."""

    def __init__(self, returncode, output, report, seconds):
        self.returncode = returncode
        self.output = output
        self.report = report
        self.seconds = seconds

    def status(self, image):
        found = [entry['status'] for entry in self.report['images'] if entry['image'] == image]
        assert len(found) == 1, '%s: %s' % (image, self.log)
        return found[0]

    @property
    def log(self):
        """For assertion messages (pytest shortens the repr of objects, not strings)."""
        return 'ansible-playbook exited %s; its output ends with:\n%s' % (self.returncode, self.output[-8000:])


def run_playbook(tmp_path, variables, check=True, args=(), env=None, cwd=None, playbook=PLAYBOOK, timeout=300):
    """Run the playbook with ``variables`` as extra vars (and a report in tmp_path unless one is given)."""
    variables = dict(variables)
    variables.setdefault('prewarm_report', str(tmp_path / 'report.json'))
    varfile = tmp_path / 'vars.json'
    varfile.write_text(json.dumps(variables), encoding='utf-8')
    command = [ansible_bin('ansible-playbook'), playbook, '-e', '@%s' % varfile]
    if check:
        command.append('--check')
    command.extend(args)
    # hermetic: no ansible settings (ANSIBLE_FORKS...) nor registry credentials from the caller
    full_env = {key: value for key, value in os.environ.items()
                if not key.startswith(('ANSIBLE_', 'HARBOR_')) and key not in ('hUSER', 'hPW', 'REGISTRY_AUTH_FILE', 'DOCKER_CONFIG')}
    full_env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
                    ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    full_env.update(env or {})
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, env=full_env, cwd=cwd or tmp_path, timeout=timeout,
                          check=False)
    seconds = time.monotonic() - started
    report_path = os.path.join(cwd or tmp_path, variables['prewarm_report']) if variables['prewarm_report'] else None
    report = None
    if report_path and os.path.exists(report_path):
        with open(report_path, encoding='utf-8') as handle:
            report = json.load(handle)
    return Play(proc.returncode, proc.stdout + proc.stderr, report, seconds)


def write_yaml(path, documents):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding='utf-8')
    return path


def deployment(name, *images, init=()):
    return {
        'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': name},
        'spec': {'selector': {'matchLabels': {'app': name}}, 'template': {
            'metadata': {'labels': {'app': name}},
            'spec': {'initContainers': [{'name': 'init%d' % i, 'image': image} for i, image in enumerate(init)],
                     'containers': [{'name': 'c%d' % i, 'image': image} for i, image in enumerate(images)]}}},
    }


def cronjob(name, image):
    return {
        'apiVersion': 'batch/v1', 'kind': 'CronJob', 'metadata': {'name': name},
        'spec': {'schedule': '*/5 * * * *', 'jobTemplate': {'spec': {'template': {'spec': {
            'restartPolicy': 'Never', 'containers': [{'name': name, 'image': image}]}}}}},
    }


def reference(stand, image):
    """``<project>/<repo>:<tag>`` as pulled from Harbor."""
    return image.reference(stand.public_project)


def ecr_reference(stand, image):
    """The ECR-style reference a rendered application carries (the seed's rule maps it to Harbor)."""
    return '%s/%s' % (ECR, reference(stand, image))


def item_lines(output):
    """``[(outcome, lane, image)]`` from the warm task's per-image lines, e.g. ``changed: [prewarm-default-1] => (item=...)``."""
    return re.findall(r'^(ok|changed|failed): \[(prewarm-[^\]]+)\] (?:=> )?\(item=([^)]+)\)', output, re.MULTILINE)
