# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several module calls in one ansible-playbook run: one start-up (about 2 s here) instead of one per table row.

Same play shape and environment as ``tests/e2e/playbook.run_module``; each call keeps its own registered result,
and every call's Run carries the whole run's output (what a traceback or a leaked secret would be printed in).
"""

import json
import os
import subprocess
import sys
import tempfile

import yaml

from ansible_collections.prewarm.harbor.tests.e2e.playbook import COLLECTIONS, MODULE, Run, ansible_bin


def run_modules(calls, verbosity=0, env=None, timeout=600):
    """Run the module once per ``calls`` entry (its options), in order; returns a Run per call."""
    with tempfile.TemporaryDirectory(prefix='prewarm-plays-') as workdir:
        out = os.path.join(workdir, 'results.json')
        tasks = [{'name': 'call %d' % index, MODULE: args, 'register': 'call_%d' % index, 'ignore_errors': True}
                 for index, args in enumerate(calls)]
        every = '[%s]' % ', '.join('call_%d' % index for index in range(len(calls)))
        tasks.append({'name': 'save', 'ansible.builtin.copy': {'content': '{{ %s | to_json }}' % every, 'dest': out}})
        path = os.path.join(workdir, 'play.yml')
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle)
        command = [ansible_bin('ansible-playbook'), '-i', 'localhost,', '-c', 'local', path] + (['-' + 'v' * verbosity] if verbosity else [])
        full_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
                        ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='false')
        full_env.update(env or {})
        proc = subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=timeout, check=False)
        results = [{}] * len(calls)
        if os.path.exists(out):
            with open(out, encoding='utf-8') as handle:
                results = json.load(handle)
    return [Run(result, proc.returncode, proc.stdout + proc.stderr) for result in results]
