# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a cold warm to the Pods' tags in the application registry, through the emulated Harbor's replication.

The module warms the Pods' own references (``<app registry>/proxy_hub/bench/...``) with ``application_registry.deliver``
(narrow scope): it waits for Harbor's commit, runs one replication, follows it, and looks again. A watcher lists the
application registry's tags every 0.2 s and notes when each appears. The floor: when Harbor tied the last tag (its
own timers; the artifacts API's tag push_time), plus one copy of every image from Harbor to the application registry
(skopeo, ``--multi-arch all``, P at a time), measured after the run into a scratch namespace.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.prewarm.harbor.bench import ansible_run, fleet, machine, rules, shared

POLL = 0.2  # seconds between two listings of the application registry's tags (the lag's resolution)


class TagWatch:
    """When each ``(repository, tag)`` first appears in the application registry, listed every POLL seconds."""

    def __init__(self, stand, wanted):
        self.stand, self.wanted, self.seen = stand, set(wanted), {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name='tag-watch', daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def _watch(self):
        while not self._stop.is_set() and len(self.seen) < len(self.wanted):
            for repository, tag in self.wanted - set(self.seen):
                if tag in self.stand.app_registry_tags(repository):
                    self.seen[(repository, tag)] = time.time()
            self._stop.wait(POLL)

    @property
    def last(self):
        return max(self.seen.values()) if len(self.seen) == len(self.wanted) else None


def _secrets(stand):
    """The module's application registry and replication credentials, by its environment fallbacks."""
    return dict(zip(('PREWARM_APP_REGISTRY_USERNAME', 'PREWARM_APP_REGISTRY_PASSWORD'), stand.app_registry_creds),
                **dict(zip(('PREWARM_REPLICATION_USERNAME', 'PREWARM_REPLICATION_PASSWORD'), stand.replicator_creds)))


def _deliver(stand, images, shape, parallel, workdir):
    prefix = f'{stand.app_registry_host}/{stand.public_project}/'
    args = {'images': [prefix + reference for reference in fleet.references(images)], 'proxy_caches': [rules.pod(stand, shape.platforms)],
            'max_parallel_jobs': parallel, 'harbor_check_interval': stand.harbor_interval, 'wait_for_commit': 600,
            'ca_path': stand.ca_path, 'application_registry': {'deliver': True, 'scope': 'narrow', 'deadline': 600}}
    wanted = [(f'{stand.public_project}/{image.repository}', image.tag) for image in images]
    machine.wait_quiet()
    started = time.time()
    with TagWatch(stand, wanted) as watch:
        run = ansible_run.module(args, workdir, env=_secrets(stand))
        ended = time.time()
    summary = run['result']['summary']
    committed = shared.last_commit(stand, images)
    return {'seconds': run['seconds'], 'started': started, 'ended': ended, 'last_tag': watch.last, 'last_commit': committed,
            'delivered': summary.get('application_registry_present'), 'missing': summary.get('application_registry_missing'),
            'statuses': {k: summary[k] for k in ('warmed', 'cached', 'failed') if summary[k]},
            'causes': sorted({(entry.get('application_registry') or {}).get('msg') or entry.get('msg') or '?'
                              for entry in run['result']['images'] if not (entry.get('application_registry') or {}).get('present')})}


def _one_copy(stand, images, parallel):
    """Every image once from Harbor (committed) to the application registry's ``floor/`` namespace, P at a time."""
    harbor = urllib.parse.urlsplit(stand.harbor_url).netloc
    user, password = stand.app_registry_creds

    def copy(image):
        argv = ['skopeo', 'copy', '--quiet', '--multi-arch', 'all', '--src-tls-verify=false', '--src-no-creds',
                '--dest-cert-dir', stand.ca_dir, '--dest-creds', f'{user}:{password}',
                f'docker://{harbor}/{stand.public_project}/{image.repository}:{image.tag}',
                f'docker://{stand.app_registry_host}/floor/{image.repository}:{image.tag}']
        return subprocess.run(argv, capture_output=True, text=True, check=False).returncode

    machine.wait_quiet()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        failed = sum(1 for code in pool.map(copy, images) if code)
    return {'seconds': time.monotonic() - started, 'failed': failed}


def run(stand, images, shape, parallel, workdir):
    """A cold warm with delivery on a fresh cache and an empty application registry; then the floor's copy."""
    stand.reset_cache()
    stand.reset_app_registry()
    os.sync()
    outcome = _deliver(stand, images, shape, parallel, os.path.join(workdir, 'deliver'))
    copy = _one_copy(stand, images, parallel)
    started = outcome['started']
    commit = outcome['last_commit'] and outcome['last_commit'] - started
    tag = outcome['last_tag'] and outcome['last_tag'] - started
    floor = commit + copy['seconds'] if commit is not None else None
    return {'fleet': fleet.describe(images), 'parallel': parallel, 'harbor_interval': stand.harbor_interval,
            'run': outcome, 'copy': copy, 'commit_seconds': commit, 'last_tag_seconds': tag, 'floor_seconds': floor,
            'ratio': tag / floor if tag is not None and floor else None,
            'lag_after_last_tag': outcome['ended'] - outcome['last_tag'] if outcome['last_tag'] else None}
