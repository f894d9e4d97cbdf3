# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make demo: warm an emulated Harbor from a Kustomize app, then prove it with upstream gone.

``make demo DEMO_ARGS=--two-regions`` does the same with two stands, a Harbor "eu" and a Harbor "us" each with its
own upstream, warmed in one run through prewarm_caches.

1. start the registry stand (upstream, the emulated Harbor at a short store interval, and the application registry
   Harbor replicates to, standing in for the ECR the app's references name) on loopback;
2. run playbooks/prewarm.yml on demo/app, as a pipeline would against a real Harbor, waiting until Harbor has
   committed what it warmed (prewarm_wait_for_commit), then delivering it by tag to the application registry
   through Harbor's replication (prewarm_application_registry: the stand's event-based policy alone would leave the
   tags behind, goharbor/harbor#16058);
3. stop upstream and pull back with skopeo what the report says Harbor committed: by tag where the tag is
   committed, else each warmed platform by digest;
4. stop Harbor too, and pull every platform of the app's own references, ECR host and tag as written, from the
   application registry (set up as a node's registry mirror) with skopeo, and with containerd where it can run;
5. tear everything down. Exits non-zero when the playbook fails or a pull does not.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from ansible_collections.prewarm.harbor.tests.stand import Stand

INTERVAL = 1.0  # Harbor's store interval for the demo (Harbor's own: 20 s)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')


ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com'  # the registry demo/app's references name


def rules(stand):
    return [{'regex_url': '^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)', 'replacement_oci': stand.harbor_url + '/v2/$1/$2/manifests/$3'}]


def application_registry(name, stand):
    """Deliver by tag through Harbor's replication; the stand's registry stands in for ECR (endpoints), and the
    secrets are named by environment variable (secrets_env), never written in the vars."""
    prefix = 'DEMO_%s_' % name.upper()
    return {'deliver': True, 'scope': 'narrow', 'deadline': 120, 'endpoints': {ECR: stand.app_registry_url},
            'username_env': prefix + 'APP_USERNAME', 'password_env': prefix + 'APP_PASSWORD',
            'replication_username_env': prefix + 'REPLICATION_USERNAME', 'replication_password_env': prefix + 'REPLICATION_PASSWORD'}


def secrets_env(stands):
    """The controller's environment the vars name: the application registry's and Harbor's replicating robot's."""
    env = {}
    for name, stand in stands.items():
        prefix = 'DEMO_%s_' % name.upper()
        env.update(zip((prefix + 'APP_USERNAME', prefix + 'APP_PASSWORD'), stand.app_registry_creds))
        env.update(zip((prefix + 'REPLICATION_USERNAME', prefix + 'REPLICATION_PASSWORD'), stand.replicator_creds))
    return env


def playbook_vars(stands, report):
    """What a user puts in their vars file for a real Harbor (or one per region); here pointed at emulated ones."""
    # ca_path: the CA of the stand's application registry, as a private ECR endpoint's would be given
    caches = {'prewarm_proxy_caches': rules(stands['default']), 'prewarm_ca_path': stands['default'].ca_path,
              'prewarm_application_registry': application_registry('default', stands['default'])} if 'default' in stands else {
        'prewarm_caches': [{'name': name, 'proxy_caches': rules(stand), 'ca_path': stand.ca_path,
                            'application_registry': application_registry(name, stand)} for name, stand in stands.items()]}
    return dict(caches, **{
        'prewarm_kustomize': [os.path.join(HERE, 'app')],
        'prewarm_platforms': ['linux/amd64', 'linux/arm64'],
        'prewarm_parallel': 3,
        'prewarm_report': report,
        'prewarm_wait_for_commit': int(30 * INTERVAL),
        'prewarm_harbor_check_interval': INTERVAL,
    })


def run_playbook(workdir, variables, secrets):
    path = os.path.join(workdir, 'vars.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), os.path.join(ROOT, 'playbooks', 'prewarm.yml'),
               '-e', '@' + path]
    print('$ ' + ' '.join(command), flush=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', **secrets)
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


def prove_where_pods_pull(stands, report):
    """With upstream and Harbor stopped, pull every platform of each Pod's own reference (ECR host and tag as the app
    writes them) from the application registry, a node's mirror for that host; returns the failed pulls."""
    for stand in stands.values():
        stand.stop_upstream()
        stand.stop_harbor()
    containerd = os.geteuid() == 0 and bool(shutil.which('containerd') and shutil.which('ctr'))
    print('\nUpstream and Harbor stopped. Pulling the Pods\' own references from the application registry (the mirror '
          'for %s), with skopeo%s:' % (ECR, ' and containerd' if containerd else ' (containerd needs root: skipped)'))
    failures = 0
    for entry in report['images']:
        stand, block = stands[entry['cache']], entry.get('application_registry') or {}
        where = '' if len(stands) == 1 else '%-3s ' % entry['cache']
        if not block.get('present'):
            failures += 1
            print('  FAIL %s%-80s %s' % (where, entry['image'], block.get('msg') or 'not verified'))
            continue
        reference = block['reference'][len(ECR) + 1:]
        for platform in block['platforms']:
            pulls = [('skopeo', stand.oracle_pull)] + ([('containerd', stand.containerd_pull)] if containerd else [])
            for client, pull in pulls:
                pulled = pull(stand.app_registry_url, reference, platform['platform'], creds='app', host=ECR)
                failures += not pulled.ok
                problem = '' if pulled.ok else pulled.stderr.strip()[-200:]
                print('  %-4s %s%-80s %-12s %-10s %s' % ('ok' if pulled.ok else 'FAIL', where, block['reference'],
                                                         platform['platform'], client, problem))
    return failures


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
        returncode = run_playbook(workdir, playbook_vars(stands, report_path), secrets_env(stands))
        if returncode != 0 or not os.path.exists(report_path):
            print('\nThe playbook failed (exit %d); stand logs:\n%s' % (
                returncode, '\n'.join(stand.log_report(10) for stand in stands.values())))
            return 1
        with open(report_path, encoding='utf-8') as handle:
            report = json.load(handle)
        failures, untagged = prove(stands, report)
        failures += prove_where_pods_pull(stands, report)
    if untagged:
        print('\nHarbor has not committed the tag of %d of %d images: %s' % (len(untagged), len(report['images']), '; '.join(untagged)))
    images = len({entry['image'] for entry in report['images']})
    through = '' if len(stands) == 1 else ' through %d Harbors' % len(stands)
    print('\n%s in %.1f s: %d images warmed%s; what Harbor committed pulled back with upstream down, and the Pods\' '
          'references from the application registry with Harbor down too%s.' % (
              'FAILED' if failures else 'Done', time.time() - started, images, through,
              ', %d pulls failed' % failures if failures else ''))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
