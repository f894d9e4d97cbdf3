# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cold warm through the plain distribution proxy: (a) module, (b) playbook, (c) skopeo, (d) curl lower bound.

(c2), skopeo with one layout per image, is measured too: it reads what a complete warm must, (c) does not.
"""

from __future__ import annotations

import os

from ansible_collections.prewarm.harbor.bench import ansible_run, fleet, fresh, rules, skopeo, wire


def module_action(stand, images, platforms, parallel, workdir, rule=None):
    """(a) all images in one ``ansible localhost -m`` call with max_parallel_jobs = P."""
    def action():
        args = {'images': fleet.references(images), 'proxy_caches': [rule or rules.proxy(stand, platforms)],
                'max_parallel_jobs': parallel}
        run = ansible_run.module(args, workdir)
        summary = run['result']['summary']
        return {'seconds': run['seconds'], 'module_seconds': summary['seconds'], 'client_bytes': summary['bytes_pulled'],
                'failed': summary['failed'], 'statuses': {k: summary[k] for k in ('warmed', 'cached', 'failed') if summary[k]}}
    return action


def playbook_action(stand, images, platforms, parallel, workdir, path=ansible_run.PLAYBOOK):
    """(b) playbooks/prewarm.yml (or ``path``) with prewarm_parallel = P."""
    def action():
        run = ansible_run.playbook({'prewarm_images': fleet.references(images), 'prewarm_proxy_caches': [rules.proxy(stand, platforms)],
                                    'prewarm_platforms': list(platforms), 'prewarm_parallel': parallel}, workdir, path)
        entries = run['report'].get('images') or []
        pulled = sum(p.get('bytes_pulled') or 0 for entry in entries for p in entry.get('platforms') or [])
        return {'seconds': run['seconds'], 'client_bytes': pulled, 'failed': sum(1 for e in entries if e.get('status') == 'failed'),
                'controller_warm_play': run['controller_warm_play']}
    return action


def skopeo_action(stand, images, platforms, parallel, workdir, mode, layout_kind='shared'):
    """(c) skopeo copy into one shared OCI layout (or one per image), P at a time."""
    def action():
        outcome = skopeo.run(stand.proxy_url, fleet.references(images), platforms, parallel, workdir, mode, layout_kind)
        outcome['client_bytes'] = outcome.pop('layout_bytes')
        return outcome
    return action


def wire_action(stand, fetches, parallel, workdir):
    """(d) every needed (repository, manifest or blob) once with curl, P at a time."""
    def action():
        outcome = wire.run(stand, fetches, parallel, workdir)
        outcome['client_bytes'] = outcome.pop('bytes')
        return outcome
    return action


def run(stand, images, shape, options, workdir, with_playbook=True):
    """Every contender on the same images, in interleaved rounds, each run on a fresh cache; returns the fleet's figures
    and each contender's best run."""
    fetches = fleet.needed(images)
    parallel, repeat = options.parallel, options.repeat
    actions = {
        'd': wire_action(stand, fetches, parallel, os.path.join(workdir, 'd')),
        'a': module_action(stand, images, shape.platforms, parallel, os.path.join(workdir, 'a')),
        'c': skopeo_action(stand, images, shape.platforms, parallel, os.path.join(workdir, 'c'), options.skopeo_mode),
        # Not in the targets: skopeo doing what a complete warm must (every blob through its own repository).
        'c2': skopeo_action(stand, images, shape.platforms, parallel, os.path.join(workdir, 'c2'), options.skopeo_mode, 'per-image'),
    }
    if with_playbook:
        actions['b'] = playbook_action(stand, images, shape.platforms, parallel, os.path.join(workdir, 'b'), options.playbook_path)
    runs = fresh.best_of(repeat, stand, fetches, actions)
    return {'fleet': fleet.describe(images), 'parallel': parallel, 'repeat': repeat, 'runs': runs}
