# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo: warm an emulated Harbor from a Kustomize app, then prove it with upstream gone.

``make demo DEMO_ARGS=--two-regions`` does the same with two stands, a Harbor "eu" and a Harbor "us" each with its
own upstream, warmed in one run through prewarm_caches.

1. start the registry stand (upstream, the emulated Harbor at a short store interval) on loopback;
2. run playbooks/prewarm.yml on demo/app, as a pipeline would against a real Harbor, waiting until Harbor has
   committed what it warmed (prewarm_wait_for_commit);
3. stop upstream and pull back with skopeo what the report says Harbor committed: by tag where the tag is
   committed, else each warmed platform by digest;
4. tear everything down. Exits non-zero when the playbook fails or a committed image does not pull.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

from ansible_collections.prewarm.harbor.tests.stand import Stand

INTERVAL = 1.0  # Harbor's store interval for the demo (Harbor's own: 20 s)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')


def rules(stand):
    return [{'regex_url': '^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)', 'replacement_oci': stand.harbor_url + '/v2/$1/$2/manifests/$3'}]


def playbook_vars(stands, report):
    """What a user puts in their vars file for a real Harbor (or one per region); here pointed at emulated ones."""
    caches = {'prewarm_proxy_caches': rules(stands['default'])} if 'default' in stands else {
        'prewarm_caches': [{'name': name, 'proxy_caches': rules(stand)} for name, stand in stands.items()]}
    return dict(caches, **{
        'prewarm_kustomize': [os.path.join(HERE, 'app')],
        'prewarm_platforms': ['linux/amd64', 'linux/arm64'],
        'prewarm_parallel': 3,
        'prewarm_report': report,
        'prewarm_wait_for_commit': int(30 * INTERVAL),
        'prewarm_harbor_check_interval': INTERVAL,
    })


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


def prove(stands, report):
    """Pull back what the report says each Harbor committed, upstream stopped: the independent proof.

    Returns (failed pulls, images whose tag Harbor has not committed)."""
    for stand in stands.values():
        stand.stop_upstream()
    failures, untagged = 0, []
    print('\nUpstream stopped. Pulling back what Harbor committed, with skopeo:')
    for entry in report['images']:
        stand = stands[entry['cache']]
        repository, tag = entry['manifest_url'].split('/v2/', 1)[1].split('/manifests/')
        harbor = entry.get('harbor') or {}
        tagged = harbor.get('committed', False)
        if not tagged:
            untagged.append('%s:%s (%s)' % (repository, tag, entry.get('msg') or harbor.get('note') or 'not yet committed'))
        for platform in entry.get('platforms') or []:
            if not tagged and platform['platform'] not in harbor.get('platforms', ()):
                continue
            reference = '%s:%s' % (repository, tag) if tagged else '%s@%s' % (repository, platform['digest'])
            pulled = stand.oracle_pull(stand.harbor_url, reference, platform['platform'])
            failures += not pulled.ok
            problem = '' if pulled.ok else pulled.stderr.strip()[-200:]
            shown = reference if tagged else '%s@%s...' % (repository, platform['digest'][:19])
            where = '' if len(stands) == 1 else '%-3s ' % entry['cache']
            print('  %-4s %s%-48s %-12s %s' % ('ok' if pulled.ok else 'FAIL', where, shown, platform['platform'], problem))
    return failures, untagged


def main(argv=None):
    parser = argparse.ArgumentParser(prog='make demo', description=__doc__.split('\n', 1)[0])
    parser.add_argument('--two-regions', action='store_true', help='two emulated Harbors, eu and us, in one run')
    names = ('eu', 'us') if parser.parse_args(argv).two_regions else ('default',)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix='prewarm-demo-') as workdir, contextlib.ExitStack() as running:
        stands = {name: running.enter_context(Stand(os.path.join(workdir, name), harbor_interval=INTERVAL)) for name in names}
        for name, stand in stands.items():
            print('Registry stand%s up in %.1f s: emulated Harbor %s, project %s, store interval %g s (Harbor: 20 s)' % (
                '' if name == 'default' else ' ' + name, stand.startup_seconds, stand.harbor_url, stand.public_project, INTERVAL),
                flush=True)
        report_path = os.path.join(workdir, 'report.json')
        returncode = run_playbook(workdir, playbook_vars(stands, report_path))
        if returncode != 0 or not os.path.exists(report_path):
            print('\nThe playbook failed (exit %d); stand logs:\n%s' % (
                returncode, '\n'.join(stand.log_report(10) for stand in stands.values())))
            return 1
        with open(report_path, encoding='utf-8') as handle:
            report = json.load(handle)
        failures, untagged = prove(stands, report)
    if untagged:
        print('\nHarbor has not committed the tag of %d of %d images: %s' % (len(untagged), len(report['images']), '; '.join(untagged)))
    images = len({entry['image'] for entry in report['images']})
    print('\n%s in %.1f s: %d images warmed%s; what Harbor committed pulled back with upstream down%s.' % (
        'FAILED' if failures else 'Done', time.time() - started, images, '' if len(stands) == 1 else ' through %d Harbors' % len(stands),
        ', %d pulls failed' % failures if failures else ''))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
