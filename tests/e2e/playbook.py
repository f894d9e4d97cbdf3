# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the module the way users do: through ansible-playbook, and read back what it returned; the seed's rule and
ECR-style image names that the end-to-end tests warm with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'collections'))
MODULE = 'prewarm.harbor.harbor_proxy_cache_populate'
ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'
SEED_REGEX = '^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)'


class Run:
    """One ansible-playbook run: its registered result, exit code and every byte it printed."""

    def __init__(self, result, returncode, output):
        self.result = result
        self.returncode = returncode
        self.output = output

    @property
    def images(self):
        return self.result['images']

    def status(self, image):
        return [entry['status'] for entry in self.images if entry['image'] == image][0]

    def __repr__(self):
        lines = ['%s %s %s' % (entry.get('status'), entry.get('image'), entry.get('msg') or '') for entry in self.result.get('images') or []]
        return 'Run(rc=%s, msg=%s)\n%s\n%s' % (self.returncode, self.result.get('msg'), '\n'.join(lines), self.output[-3000:])


def ansible_bin(name):
    """The ansible command next to the running Python (the project's venv)."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else shutil.which(name)


def run_module(args, check=False, verbosity=0, env=None, timeout=600, keywords=None):
    """Run the module once in a one-task playbook; ``args`` are its options, ``keywords`` more task keywords."""
    play = Play(args, check, verbosity, env, keywords)
    try:
        proc = subprocess.run(play.command, capture_output=True, text=True, env=play.env, timeout=timeout, check=False)
        return Run(play.result(), proc.returncode, proc.stdout + proc.stderr)
    finally:
        play.remove()


class Play:
    """The one-task playbook that runs the module and saves what it returned, written to a directory of its own."""

    def __init__(self, args, check=False, verbosity=0, env=None, keywords=None):  # pylint: disable=too-many-arguments
        self.workdir = tempfile.mkdtemp(prefix='prewarm-play-')
        self.out = os.path.join(self.workdir, 'result.json')
        play = [{
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                # Failures are what some tests are about: keep going to save the result.
                dict({'name': 'warm', MODULE: args, 'register': 'warm', 'ignore_errors': True}, **(keywords or {})),
                {'name': 'save', 'ansible.builtin.copy': {'content': '{{ warm | to_json }}', 'dest': self.out}, 'check_mode': False},
            ],
        }]
        path = os.path.join(self.workdir, 'play.yml')
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(play, handle)
        self.command = [ansible_bin('ansible-playbook'), '-i', 'localhost,', '-c', 'local', path]
        if check:
            self.command.append('--check')
        if verbosity:
            self.command.append('-' + 'v' * verbosity)
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
                        ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false')
        self.env.update(env or {})

    def result(self):
        """What the module returned ({} when the play never saved it)."""
        if not os.path.exists(self.out):
            return {}
        with open(self.out, encoding='utf-8') as handle:
            return json.load(handle)

    def remove(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def rule(base, **extra):
    """The seed's example rule, pointed at ``base`` (the emulated Harbor or the plain proxy)."""
    return dict(regex_url=SEED_REGEX, replacement_oci=base + '/v2/$1/$2/manifests/$3', **extra)


def plain_proxy_rule(stand, **extra):
    """Images named <project>/<repo> map to the plain proxy's <repo>."""
    return dict(regex_url='^.*amazonaws.com/proxy_[^/]+/([^:]+):(.+)$',
                replacement_oci=stand.proxy_url + '/v2/$1/manifests/$2', **extra)


def ecr(project, image):
    return '%s/%s/%s:%s' % (ECR, project, image.repository, image.tag)


def in_project(project, image):
    return '%s/%s:%s' % (project, image.repository, image.tag)


def warm(stand, images, check=False, verbosity=0, env=None, **options):
    args = dict(images=images, proxy_caches=[rule(stand.harbor_url)])
    args.update(options)
    return run_module(args, check=check, verbosity=verbosity, env=env)
