# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: measure the warmer against skopeo and the wire's lower bound, on the registry stand.

Starts one stand, pushes the images every scenario needs, runs the scenarios (each on a fresh cache), prints
the table and writes it with every figure as JSON under bench/results/. Exit 1 only when a scenario broke:
a missed target is reported, never asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback

from ansible_collections.prewarm.harbor.bench import (
    ansible_run, cold, delivery, fleet, growth, harbor, machine, memory, overhead, profiles, provenance, release, rerun, rules, shared,
    skopeo, table, targets)
from ansible_collections.prewarm.harbor.tests.stand import Stand

SCENARIOS = ('cold', 'harbor', 'rerun', 'shared', 'memory', 'growth', 'overhead', 'delivery', 'release')
# Harbor's store timers, scaled (Harbor's own: 20 s), so that waiting for its commit takes seconds; the warm itself
# does not depend on them.
HARBOR_INTERVAL = 1.0
# The scenarios in which the emulated Harbor replicates to the application registry as it commits (event-based, as
# the stand's policy says). Elsewhere the policy is manual: the emulator's copy of every committed image (1 GB for the
# cold fleet, through Python, on the runner's two cores) would otherwise land inside whichever contender runs longest,
# and only inside it (a reset cancels the copies of a run that ended first); measured: the module's cold warm on
# Harbor 20.7 s with it, 9.8 s without, the curl floors unchanged. On a real deployment Harbor copies on its own hosts.
REPLICATING = ('delivery',)
RESULTS = os.path.join(ansible_run.ROOT, 'bench', 'results')


def parse(argv):
    parser = argparse.ArgumentParser(prog='python -m ansible_collections.prewarm.harbor.bench.run', description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes, one run each: a fast check (about a minute)')
    parser.add_argument('--parallel', '-P', type=int, default=4, help='images (or copies, or curls) in flight: P (default 4)')
    parser.add_argument('--repeat', type=int, help='runs of each contender in the cold warm, best kept (default: 2 full, 1 quick)')
    parser.add_argument('--only', default=','.join(SCENARIOS), help='comma-separated scenarios among ' + ', '.join(SCENARIOS))
    parser.add_argument('--skopeo-mode', choices=skopeo.MODES, default='multi-arch', help='how (c) calls skopeo')
    parser.add_argument('--no-playbook', action='store_true', help='skip the playbook runs (b and overhead)')
    parser.add_argument('--playbook', dest='playbook_path', default=ansible_run.PLAYBOOK, help='the playbook to measure (default: %(default)s)')
    parser.add_argument('--out', default=RESULTS, help='directory for the JSON and text results')
    parser.add_argument('--keep', action='store_true', help='keep the stand work directory (logs, storage)')
    options = parser.parse_args(argv)
    options.only = [name.strip() for name in options.only.split(',') if name.strip()]
    unknown = set(options.only) - set(SCENARIOS)
    if unknown:
        parser.error('unknown scenarios: ' + ', '.join(sorted(unknown)))
    return options


class Images:
    """What the scenarios warm, pushed upstream once."""

    def __init__(self, stand, profile, options):
        started = time.monotonic()
        need = set(options.only)
        self.fleet = fleet.push_fleet(stand, profile.fleet_size, profile.shape) if need & {'cold', 'harbor', 'rerun', 'growth', 'delivery'} else []
        self.tiny = fleet.push_tiny(stand, profile.overhead_images) if 'overhead' in need else []
        self.release = release.push(stand, profile.release_images) if 'release' in need else {}
        self.shared = fleet.push_fleet(stand, profile.shared_images, profile.shared_shape, 'bench/shared') if 'shared' in need else []
        self.small = self.large = None
        if 'memory' in need:
            self.small = stand.push_image('bench/layer-small', '1.0', layer_bytes=profile.small_layer_bytes)
            self.large = stand.push_image('bench/layer-large', '1.0', layer_bytes=profile.large_layer_bytes)
        self.seconds = time.monotonic() - started


def scenarios(stand, images, profile, options, workdir):
    """name -> callable returning the scenario's figures."""
    playbook = not options.no_playbook and os.path.exists(options.playbook_path)
    options.playbook = playbook
    cold_images = images.fleet[:profile.cold_images]
    single = ('linux/amd64',)
    return {
        'cold': lambda: cold.run(stand, cold_images, profile.shape, options, os.path.join(workdir, 'cold'), playbook),
        'harbor': lambda: harbor.run(stand, cold_images, profile.shape, options, os.path.join(workdir, 'harbor')),
        'rerun': lambda: rerun.run(stand, cold_images, profile.shape, options.parallel, os.path.join(workdir, 'rerun')),
        'shared': lambda: shared.run(stand, images.shared, profile.shared_shape, options, os.path.join(workdir, 'shared')),
        'memory': lambda: memory.run(stand, images.small, images.large, rules.proxy(stand, single), os.path.join(workdir, 'memory')),
        'growth': lambda: growth.run(stand, images.fleet, profile.growth_sizes, profile.shape, options, os.path.join(workdir, 'growth')),
        'overhead': lambda: overhead.run(stand, images.tiny, options, os.path.join(workdir, 'overhead'), playbook, options.playbook_path),
        'delivery': lambda: delivery.run(stand, images.fleet[:profile.delivery_images], profile.shape, options.parallel,
                                         os.path.join(workdir, 'delivery')),
        'release': lambda: release.run(stand, images.release, options.parallel, os.path.join(workdir, 'release')),
    }


def write(results, text, out):
    os.makedirs(out, exist_ok=True)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    for name in (f'bench-{stamp}', 'latest'):
        with open(os.path.join(out, name + '.json'), 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=2, default=str)
        with open(os.path.join(out, name + '.txt'), 'w', encoding='utf-8') as handle:
            handle.write(text + '\n')
    return os.path.join(out, f'bench-{stamp}.json')


def _meta(options, profile, argv):
    command = ' '.join(['python -m', __spec__.name] + [shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)])
    return {'profile': profile.name, 'parallel': options.parallel, 'cpus': os.cpu_count(), 'repeat': options.repeat,
            'started': time.strftime('%Y-%m-%d %H:%M:%S %Z'), 'command': command, 'shape': dataclasses.asdict(profile.shape),
            'skopeo_mode': options.skopeo_mode, 'playbook_path': options.playbook_path, 'load_average_start': machine.load_average(),
            'code': provenance.describe(ansible_run.ROOT)}


def _run_scenarios(stand, profile, options, workdir, results):
    images = Images(stand, profile, options)
    results['meta'].update(stand_seconds=stand.startup_seconds, push_seconds=round(images.seconds, 1))
    print('stand up in %.1f s, images pushed in %.1f s; running %s' % (stand.startup_seconds, images.seconds, ', '.join(options.only)),
          flush=True)
    for name, scenario in scenarios(stand, images, profile, options, os.path.join(workdir, 'work')).items():
        if name not in options.only:
            continue
        began = time.monotonic()
        policy = stand.replication_policy()
        if policy is not None:
            stand.update_replication_policy(policy['id'], trigger='event_based' if name in REPLICATING else 'manual')
        try:
            results[name] = scenario()
        except Exception as exc:  # pylint: disable=broad-exception-caught
            traceback.print_exc()
            results['errors'][name] = '%s: %s' % (type(exc).__name__, str(exc)[:2000])
        print('  %s done in %.1f s' % (name, time.monotonic() - began), flush=True)
    results['meta']['playbook'] = options.playbook


def main(argv=None):
    options = parse(argv)
    profile = profiles.QUICK if options.quick else profiles.FULL
    options.repeat = options.repeat or profile.repeat
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # leave through ``with Stand``: its children stop too
    started = time.monotonic()
    results = {'meta': _meta(options, profile, argv), 'errors': {}}
    workdir = tempfile.mkdtemp(prefix='prewarm-bench-')
    with Stand(os.path.join(workdir, 'stand'), token_lifetime=3600, harbor_interval=HARBOR_INTERVAL) as stand:
        _run_scenarios(stand, profile, options, workdir, results)
    results['meta'].update(total_seconds=round(time.monotonic() - started, 1), load_average_end=machine.load_average(),
                           workdir=workdir if options.keep else None)
    if not options.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    results['targets'] = [{'target': name, 'measured': text, 'met': met} for name, text, met in targets.judge(results)]
    text = table.render(results)
    print('\n' + text)
    print('\nresults: %s (total %.0f s)' % (write(results, text, options.out), results['meta']['total_seconds']))
    return 1 if results['errors'] else 0


if __name__ == '__main__':
    sys.exit(main())
