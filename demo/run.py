# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo: warm a Harbor-shaped registry from a Kustomize app, then prove it with upstream gone.

1. start the registry stand (upstream, pull-through proxy, Harbor-shaped front) on loopback;
2. run playbooks/prewarm.yml on demo/app, as a pipeline would against a real Harbor;
3. stop upstream and pull every warmed image and platform back from the cache with skopeo;
4. tear everything down. Exits non-zero when any step fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from ansible_collections.prewarm.harbor.tests.stand import Stand

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')


def playbook_vars(stand, report):
    """What a user puts in their vars file for a real Harbor; here pointed at the stand's front."""
    return {
        'prewarm_kustomize': [os.path.join(HERE, 'app')],
        'prewarm_proxy_caches': [{
            'regex_url': '^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)',
            'replacement_oci': stand.front_url + '/v2/$1/$2/manifests/$3',
        }],
        'prewarm_platforms': ['linux/amd64', 'linux/arm64'],
        'prewarm_parallel': 3,
        'prewarm_report': report,
    }


def run_playbook(workdir, variables):
    path = os.path.join(workdir, 'vars.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), os.path.join(ROOT, 'playbooks', 'prewarm.yml'),
               '-e', '@' + path]
    print('$ ' + ' '.join(command), flush=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    return subprocess.run(command, env=env, check=False).returncode


def prove(stand, report):
    """Pull every warmed image and platform from the cache, upstream stopped: the independent proof."""
    stand.stop_upstream()
    failures = 0
    print('\nUpstream stopped. Pulling back from the cache with skopeo:')
    for entry in report['images']:
        repository = entry['manifest_url'].split('/v2/', 1)[1].replace('/manifests/', ':')
        for platform in entry.get('platforms') or []:
            pulled = stand.oracle_pull(stand.front_url, repository, platform['platform'])
            failures += not pulled.ok
            problem = '' if pulled.ok else pulled.stderr.strip()[-200:]
            print('  %-4s %-40s %-14s %s' % ('ok' if pulled.ok else 'FAIL', repository, platform['platform'], problem))
    return failures


def main():
    started = time.time()
    with tempfile.TemporaryDirectory(prefix='prewarm-demo-') as workdir:
        with Stand(os.path.join(workdir, 'stand')) as stand:
            print('Registry stand up in %.1f s: Harbor-shaped front %s, project %s' % (
                stand.startup_seconds, stand.front_url, stand.public_project), flush=True)
            report_path = os.path.join(workdir, 'report.json')
            returncode = run_playbook(workdir, playbook_vars(stand, report_path))
            if returncode != 0 or not os.path.exists(report_path):
                print('\nThe playbook failed (exit %d); stand logs:\n%s' % (returncode, stand.log_report(10)))
                return 1
            with open(report_path, encoding='utf-8') as handle:
                report = json.load(handle)
            failures = prove(stand, report)
    print('\n%s in %.1f s: %d images warmed and pulled back from the cache with upstream down%s.' % (
        'FAILED' if failures else 'Done', time.time() - started, len(report['images']),
        ', %d pulls failed' % failures if failures else ''))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
