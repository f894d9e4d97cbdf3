# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release scale: a release's worth of small images over three caches, the companion playbook against the module's
own calls on the same images and lanes, so that what remains is the fixed cost the playbook adds per image.

The caches: the plain proxy, Harbor's public project over http, and its private project over https with the robot's
credentials. The module's side is one ``ansible -m`` call per cache, the three at once, each with as many images in
flight as the playbook gives that cache lanes. Per image: (playbook - modules) / images, in wall seconds and in the
CPU of every process either started. Also: the peak RSS of ansible-playbook's own process (the controller, which
holds every image's result) and of its largest worker, and the client connections each cache saw (from its access
log: one remote port per connection), with the blob triggers apart, since each closes its connection by design.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import re
import threading
import time

from ansible_collections.prewarm.harbor.bench import ansible_run, fleet, fresh, proxylog
from ansible_collections.prewarm.harbor.plugins.plugin_utils._lanes import lane_counts

PLATFORMS = ('linux/amd64',)
CACHES = ('proxy', 'hub', 'private')
PASSWORD_ENV = 'PREWARM_BENCH_ROBOT_PASSWORD'
USERNAME_ENV = 'PREWARM_BENCH_ROBOT_USERNAME'


def push(stand, count):
    """``count`` one-layer images, a third per cache, named for their cache."""
    return {cache: fleet.push_tiny(stand, len(range(index, count, len(CACHES))), prefix=f'bench/release-{cache}')
            for index, cache in enumerate(CACHES)}


def _rule(stand, cache):
    pattern = f'^(bench/release-{cache}-[^:]+):(.+)$'
    base = {'proxy': f'{stand.proxy_url}/v2', 'hub': f'{stand.harbor_url}/v2/{stand.public_project}',
            'private': f'{stand.harbor_https_url}/v2/{stand.private_project}'}[cache]
    return {'regex_url': pattern, 'replacement_oci': base + '/$1/manifests/$2', 'platforms': list(PLATFORMS)}


def _options(stand, cache):
    """What the cache needs beyond its rule: the private project's CA (credentials come from the environment)."""
    return {'ca_path': stand.ca_path} if cache == 'private' else {}


def _secrets(stand):
    return {USERNAME_ENV: stand.robot_user, PASSWORD_ENV: stand.robot_password}


def playbook_action(stand, images, parallel, workdir):
    """The companion playbook on every cache at once, ``parallel`` images in flight in all."""
    caches = []
    for cache in CACHES:
        entry = dict(name=cache, proxy_caches=[_rule(stand, cache)], **_options(stand, cache))
        if cache == 'private':
            entry.update(username_env=USERNAME_ENV, password_env=PASSWORD_ENV)
        caches.append(entry)
    references = [reference for cache in CACHES for reference in fleet.references(images[cache])]

    def action():
        # The controller reads the secrets from its environment (prewarm_caches[].password_env).
        run = ansible_run.playbook({'prewarm_images': references, 'prewarm_caches': caches, 'prewarm_parallel': parallel},
                                   workdir, env=_secrets(stand), sample_rss=True)
        return dict(_outcome(run['seconds'], run['report'].get('images') or []),
                    controller_warm_play=run['controller_warm_play'], peak_kib=run['peak_kib'])
    return action


def module_action(stand, images, lanes, workdir):
    """One ``ansible -m`` call per cache, the three at once, each with its lanes' worth of images in flight."""
    def one(cache, outcomes):
        args = dict(images=fleet.references(images[cache]), proxy_caches=[_rule(stand, cache)], max_parallel_jobs=lanes[cache],
                    **_options(stand, cache))
        env = {'HARBOR_USERNAME': stand.robot_user, 'HARBOR_PASSWORD': stand.robot_password} if cache == 'private' else {}
        try:
            outcomes[cache] = ansible_run.module(args, os.path.join(workdir, cache), env=env)
        except ansible_run.AnsibleFailed as exc:
            outcomes[cache] = exc

    def action():
        outcomes = {}
        threads = [threading.Thread(target=one, args=(cache, outcomes)) for cache in CACHES]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        broken = [f'{cache}: {outcome}' for cache, outcome in outcomes.items() if isinstance(outcome, Exception)]
        if broken:
            raise ansible_run.AnsibleFailed('; '.join(broken))
        return _outcome(seconds, [entry for outcome in outcomes.values() for entry in outcome['result'].get('images') or []])
    return action


def _outcome(seconds, entries):
    """What either side reports: its wall seconds, its images' statuses and the seconds the module spent on them."""
    statuses = collections.Counter(entry.get('status') for entry in entries)
    return {'seconds': seconds, 'failed': statuses['failed'], 'statuses': dict(statuses),
            'module_seconds': sum(entry.get('seconds') or 0 for entry in entries)}


def _on_cache(stand, images):
    """Every Fetch a complete warm leaves in each cache's storage. On Harbor without the tags: Harbor ties a tag in its
    database, after the run when it does not wait for the commit (the playbook's default)."""
    project = {'proxy': None, 'hub': stand.public_project, 'private': stand.private_project}
    fetches = []
    for cache in CACHES:
        for fetch in fleet.needed(images[cache]):
            if project[cache] is None:
                fetches.append(fetch)
            elif fetch.kind == 'blobs' or ':' in fetch.reference:
                fetches.append(dataclasses.replace(fetch, repository=f'{project[cache]}/{fetch.repository}'))
    return fetches


_REMOTE_PORT = re.compile(r'http\.request\.remoteaddr="[^"]*:(\d+)"')


def connections(stand, marks):
    """Client connections per cache since ``marks``: one remote port each in its access log. Blob triggers apart: a
    trigger closes its connection at the status line, so a port that served blob GETs and nothing else served one
    trigger per GET (a port is reused once its connection is gone; a pooled connection also asks for manifests)."""
    with open(proxylog.path(stand), 'rb') as handle:
        handle.seek(marks['proxy'])
        text = handle.read().decode('utf-8', 'replace')
    counts = {'proxy': {'connections': len(set(_REMOTE_PORT.findall(text))), 'triggers': 0}}
    entries = stand.harbor_log(since=marks['harbor'])
    for cache, scheme in (('hub', 'http'), ('private', 'https')):
        served = {}
        for entry in entries:
            if entry.scheme == scheme and entry.remote_port:
                served.setdefault(entry.remote_port, []).append(entry)
        blob_gets_only = [all(entry.kind == 'blobs' and entry.method == 'GET' for entry in seen) for seen in served.values()]
        triggers = sum(len(seen) for seen, only in zip(served.values(), blob_gets_only) if only)
        counts[cache] = {'connections': blob_gets_only.count(False) + triggers, 'triggers': triggers}
    return counts


def run(stand, images, parallel, workdir):
    """The module's calls and the playbook, each on fresh caches; their difference per image."""
    count = sum(len(found) for found in images.values())
    counts = lane_counts([min(parallel, len(images[cache])) for cache in CACHES], parallel)  # as the playbook's plan
    lanes = dict(zip(CACHES, counts))
    fetches = _on_cache(stand, images)
    out = {'images': count, 'caches': len(CACHES), 'parallel': parallel, 'lanes': lanes}
    for key, action in (('module', module_action(stand, images, lanes, os.path.join(workdir, 'a'))),
                        ('playbook', playbook_action(stand, images, parallel, os.path.join(workdir, 'b')))):
        marks = {'proxy': proxylog.mark(stand), 'harbor': stand.harbor_log_mark()}
        outcome = fresh.run(stand, fetches, action)
        proxylog.settle(stand)
        outcome['connections'] = connections(stand, marks)
        out[key] = outcome
    module, playbook = out['module'], out['playbook']
    out['fixed_seconds_per_image'] = (playbook['seconds'] - module['seconds']) / count
    out['fixed_cpu_per_image'] = (playbook['client_cpu_seconds'] - module['client_cpu_seconds']) / count
    return out
