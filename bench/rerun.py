# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warm re-run on the emulated Harbor: a cold warm that waits for Harbor's commit, then the same call again; Harbor's
access log counts blob reads.

The re-run's floor is measured too: every manifest GET and blob HEAD a re-run on Harbor needs, once, with curl.
"""

from __future__ import annotations

import dataclasses
import os

from ansible_collections.prewarm.harbor.bench import ansible_run, fleet, machine, rules, wire


def _call(stand, images, platforms, parallel, workdir, wait=0):
    args = {'images': fleet.references(images), 'proxy_caches': [rules.harbor(stand, platforms)], 'max_parallel_jobs': parallel,
            'harbor_check_interval': stand.harbor_interval, 'wait_for_commit': wait}
    background = machine.wait_quiet()
    mark = stand.harbor_log_mark()
    run = ansible_run.module(args, workdir)
    entries = stand.harbor_log(since=mark)
    blob_gets = [entry for entry in entries if entry.kind == 'blobs' and entry.method == 'GET']
    summary = run['result']['summary']
    return {
        'seconds': run['seconds'], 'module_seconds': summary['seconds'], 'busy_before': background,
        'statuses': {k: summary[k] for k in ('warmed', 'cached', 'failed') if summary[k]},
        'requests': len(entries), 'blob_gets': len(blob_gets), 'blob_bytes': sum(entry.body_bytes_sent for entry in blob_gets),
        'blob_heads': sum(1 for entry in entries if entry.kind == 'blobs' and entry.method == 'HEAD'),
    }


def _floor(stand, images, parallel, workdir):
    fetches = [dataclasses.replace(fetch, repository=f'{stand.public_project}/{fetch.repository}') for fetch in fleet.needed(images)]
    machine.wait_quiet()
    return wire.run(stand, fetches, parallel, workdir, base_url=stand.harbor_url, blob_head=True)


def run(stand, images, shape, parallel, workdir, repeat=2):
    """Cold, then ``repeat`` rounds of re-run and floor (fastest kept), through ``<harbor>/v2/proxy_hub/...``."""
    stand.reset_cache()
    os.sync()
    cold = _call(stand, images, shape.platforms, parallel, os.path.join(workdir, 'cold'), wait=600)
    reruns, floors = [], []
    for _round in range(max(1, repeat)):
        reruns.append(_call(stand, images, shape.platforms, parallel, os.path.join(workdir, 'rerun')))
        floors.append(_floor(stand, images, parallel, os.path.join(workdir, 'floor')))
    again = min(reruns, key=lambda outcome: outcome['seconds'])
    again['all_seconds'] = [round(outcome['seconds'], 3) for outcome in reruns]
    again['blob_bytes'] = max(outcome['blob_bytes'] for outcome in reruns)  # the target is about every re-run
    floor = min(floors, key=lambda outcome: outcome['seconds'])
    return {'fleet': fleet.describe(images), 'parallel': parallel, 'cold': cold, 'rerun': again, 'floor': floor}
