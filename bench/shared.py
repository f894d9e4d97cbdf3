# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many images on one shared base layer (issue #8): the plain proxy's serial chain, and Harbor, which needs none.

Plain proxy: (a) the module against (d) the curl lower bound, which reads a shared digest through one repository
at a time, each after the proxy's log shows the previous store done (a bound no client beats).
Emulated Harbor: (a) the module's cold warm (no commit wait; blobs triggered, the default) against (d) curl reading
every (repository, manifest or blob) once, P at a time, with no chain (Harbor stores per repository and digest), and
against (t) curl triggering every blob and HEADing until Harbor stored them all (trigger.py); (r) the module reading
every blob; then the same warm waiting for Harbor's commit, and how long after Harbor's last commit that wait ended;
then a re-run against the curl floor of its manifest requests.
"""

from __future__ import annotations

import calendar
import dataclasses
import os
import time

from ansible_collections.prewarm.harbor.bench import ansible_run, cold, fleet, fresh, machine, rules, trigger, wire


def in_project(stand, fetches):
    return [dataclasses.replace(fetch, repository=f'{stand.public_project}/{fetch.repository}') for fetch in fetches]


def _epoch(stamp):
    """The artifacts API's ``2026-12-01T10:15:42.120Z``."""
    return calendar.timegm(time.strptime(stamp[:19], '%Y-%m-%dT%H:%M:%S')) + int(stamp[20:23] or 0) / 1000


def last_commit(stand, images):
    """When Harbor tied the last of the images' tags (the API's tag push_time): what a pull by tag waits for."""
    times = []
    for image in images:
        answer = stand.harbor_artifact(f'{stand.public_project}/{image.repository}', image.tag)
        tags = answer.json().get('tags') if answer.status_code == 200 else None
        times += [_epoch(tag['push_time']) for tag in tags or [] if tag.get('name') == image.tag]
    return max(times) if len(times) == len(images) else None


def most_at_once(entries, digest):
    """The most reads of ``digest`` that were in flight at one moment, from Harbor's access log."""
    edges = sorted(edge for e in entries if e.kind == 'blobs' and e.method == 'GET' and e.reference == digest
                   for edge in ((e.time - e.request_time, 1), (e.time, -1)))
    running = most = 0
    for _at, step in edges:
        running += step
        most = max(most, running)
    return most


def shared_base(images):
    """The digest every image's first platform shares: the base layer (None when they share none)."""
    common = set.intersection(*(set(blob.digest for blob in image.platforms[0].blobs) for image in images))
    return max(common, key=lambda digest: next(b.size for b in images[0].platforms[0].blobs if b.digest == digest)) if common else None


def harbor_module(stand, images, platforms, parallel, workdir, wait=0, trigger=True):  # pylint: disable=too-many-arguments
    """The module on the emulated Harbor, its timers given; with ``wait``, waiting for the commit; ``trigger=False``
    reads every blob through the runner."""
    def action():
        args = {'images': fleet.references(images), 'proxy_caches': [rules.harbor(stand, platforms)], 'max_parallel_jobs': parallel,
                'harbor_check_interval': stand.harbor_interval, 'wait_for_commit': wait, 'trigger_blobs': trigger}
        mark = stand.harbor_log_mark()
        run = ansible_run.module(args, workdir)
        ended = time.time()
        summary = run['result']['summary']
        outcome = {'seconds': run['seconds'], 'module_seconds': summary['seconds'], 'client_bytes': summary['bytes_pulled'],
                   'stored_bytes': summary['bytes_stored'], 'failed': summary['failed'],
                   'statuses': {k: summary[k] for k in ('warmed', 'cached', 'failed') if summary[k]},
                   'committed': summary.get('harbor_committed'),
                   'base_reads_at_once': most_at_once(stand.harbor_log(since=mark), shared_base(images))}
        if wait:
            committed_at = last_commit(stand, images)
            outcome['wait_lag'] = round(ended - committed_at, 3) if committed_at else None
        return outcome
    return action


def run(stand, images, shape, options, workdir):
    """Both caches, each contender on a fresh cache, interleaved rounds, best kept."""
    parallel, repeat = options.parallel, options.repeat
    fetches = fleet.needed(images)
    plain = fresh.best_of(repeat, stand, fetches, {
        'd': cold.wire_action(stand, fetches, parallel, os.path.join(workdir, 'plain-d')),
        'a': cold.module_action(stand, images, shape.platforms, parallel, os.path.join(workdir, 'plain-a')),
    })
    on_harbor = in_project(stand, fetches)
    # Harbor keeps tags in its database, not in its registry's storage: completeness is asked of digests only.
    stored = [fetch for fetch in on_harbor if fetch.kind == 'blobs' or ':' in fetch.reference]
    harbor = fresh.best_of(repeat, stand, stored, {
        'd': lambda: harbor_wire(stand, on_harbor, parallel, os.path.join(workdir, 'harbor-d')),
        't': lambda: trigger.run(on_harbor, parallel, os.path.join(workdir, 'harbor-t'), stand.harbor_url),
        'tb': lambda: trigger.run_bounded(on_harbor, parallel, os.path.join(workdir, 'harbor-tb'), stand.harbor_url),
        'a': harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'harbor-a')),
        'r': harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'harbor-r'), trigger=False),
        'w': harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'harbor-w'), wait=600),
    })
    return {'fleet': fleet.describe(images), 'parallel': parallel, 'repeat': repeat, 'plain': plain, 'harbor': harbor,
            'rerun': _rerun(stand, images, shape, parallel, os.path.join(workdir, 'rerun'), repeat),
            'harbor_interval': stand.harbor_interval}


def harbor_wire(stand, fetches, parallel, workdir):
    outcome = wire.run(stand, fetches, parallel, workdir, base_url=stand.harbor_url, serial=False)
    outcome['client_bytes'] = outcome.pop('bytes')
    return outcome


def _rerun(stand, images, shape, parallel, workdir, repeat):
    """A committed warm, then re-runs against curl reading each manifest a re-run needs once (its floor)."""
    stand.reset_cache()
    harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'cold'), wait=600)()
    manifests = [fetch for fetch in in_project(stand, fleet.needed(images)) if fetch.kind == 'manifests']
    again, floors = [], []
    for _round in range(max(1, repeat)):
        machine.wait_quiet()
        again.append(harbor_module(stand, images, shape.platforms, parallel, os.path.join(workdir, 'again'))())
        machine.wait_quiet()
        floors.append(wire.run(stand, manifests, parallel, os.path.join(workdir, 'floor'), base_url=stand.harbor_url, serial=False))
    best = min(again, key=lambda outcome: outcome['seconds'])
    best['all_seconds'] = [round(outcome['seconds'], 3) for outcome in again]
    return {'again': best, 'floor': min(floors, key=lambda outcome: outcome['seconds'])}
