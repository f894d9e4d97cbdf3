# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""(d) The lower bound: each (repository, manifest or blob) a complete warm needs, read once with curl to /dev/null.

P workers run at once, each a curl with its share of the URLs in one config file, so it keeps its connection alive
and spends nothing between requests. One rule binds any complete warm: the proxy stores a blob in a background
fetch of its own, and a read of a digest whose store is still running is streamed but neither stored nor linked.
So every read of a shared blob goes to one worker, its share is cut into runs in which no digest repeats, and
before the next run the worker waits until the proxy's log shows the previous stores finished (the bench can
look; a real client cannot, so this is a bound no client beats). Shares are balanced largest first (LPT).
Tokens: one per repository from the realm of the proxy's challenge, inside the timed span.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from ansible_collections.prewarm.harbor.bench import challenge, proxylog

ACCEPT = ', '.join((
    'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'))
REQUEST_WEIGHT = 256 * 1024  # a request's fixed cost, in bytes' worth, when balancing shares


def _weight(group):
    return sum(fetch.size + REQUEST_WEIGHT for fetch in group)


def split(fetches, workers, serial=True):
    """Shares, one per worker; with ``serial`` the reads of one blob digest stay together, interleaved with the rest."""
    groups = {}
    for fetch in fetches:
        key = fetch.reference if fetch.kind == 'blobs' and serial else (fetch.repository, fetch.reference)
        groups.setdefault(key, []).append(fetch)
    shares = [[] for _worker in range(workers)]
    loads = [0] * workers
    for group in sorted(groups.values(), key=_weight, reverse=True):
        least = loads.index(min(loads))
        shares[least].append(group)
        loads[least] += _weight(group)
    # Round-robin over a share's groups: repeated digests land far apart, so few runs.
    return [[f for layer in itertools.zip_longest(*share) for f in layer if f is not None] for share in shares if share]


def runs(share):
    """Cut a share where a blob digest would repeat."""
    cut, current, seen = [], [], set()
    for fetch in share:
        if fetch.kind == 'blobs' and fetch.reference in seen:
            cut.append(current)
            current, seen = [], set()
        current.append(fetch)
        if fetch.kind == 'blobs':
            seen.add(fetch.reference)
    return cut + [current]


def _quote(text):
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


def curl_config(base_url, fetches, tokens, blob_head=False, blob_trigger=False):
    """A curl config: one URL per Fetch with its own headers; ``next`` resets them, the connection stays open.
    ``blob_trigger``: each blob GET is given up at its headers (``max-filesize``), closing its connection."""
    lines = []
    for fetch in fetches:
        lines += ['url = ' + _quote(f'{base_url}/v2/{fetch.repository}/{fetch.kind}/{fetch.reference}'),
                  'output = "/dev/null"', 'header = ' + _quote('Authorization: Bearer ' + tokens[fetch.repository]),
                  'write-out = "%{http_code} %{size_download}\\n"']
        if fetch.kind == 'manifests':
            lines.append('header = ' + _quote('Accept: ' + ACCEPT))
        elif blob_head:
            lines.append('head')
        elif blob_trigger:
            lines.append('max-filesize = 1')
        lines.append('next')
    return '\n'.join(lines[:-1]) + '\n'


def fetch_tokens(base_url, repositories):
    """One anonymous pull token per repository from the realm the proxy names in its challenge."""
    realm, service = challenge.realm(requests, f'{base_url}/v2/{repositories[0]}/manifests/latest')
    tokens = {}
    for repository in repositories:
        answer = requests.get(realm, params={'service': service, 'scope': f'repository:{repository}:pull'}, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        tokens[repository] = body.get('token') or body['access_token']
    return tokens


def _worker(stand, since, share, tokens, config, how):
    answers, waited = [], 0.0
    watch = proxylog.StoreWatch(stand, since)
    pieces = runs(share) if how['wait_stores'] else [share]
    for number, piece in enumerate(pieces):
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write(curl_config(how['base_url'], piece, tokens, how['blob_head']))
        done = subprocess.run(['curl', '-s', '-K', config], capture_output=True, text=True, check=False)
        answers += [line.split() for line in done.stdout.splitlines() if line.strip()]
        if number + 1 < len(pieces):
            began = time.monotonic()
            watch.wait([(f.repository, f.reference) for f in piece if f.kind == 'blobs'])
            waited += time.monotonic() - began
    return answers, len(pieces), waited


def run(stand, fetches, parallel, workdir, base_url=None, blob_head=False, serial=True):
    """Read every Fetch once through ``base_url`` (the plain proxy by default), ``parallel`` workers at a time.

    ``blob_head``: HEAD the blobs instead (the floor of a re-run on Harbor, which asks HEAD whether a blob is
    stored); stores are then not waited for. ``serial=False``: no digest waits for another's store (Harbor, which
    stores per repository and digest).
    """
    os.makedirs(workdir, exist_ok=True)
    how = {'base_url': base_url or stand.proxy_url, 'blob_head': blob_head, 'wait_stores': serial and not blob_head}
    since = proxylog.mark(stand)
    started = time.monotonic()
    tokens = fetch_tokens(how['base_url'], sorted({fetch.repository for fetch in fetches}))
    shares = split(fetches, parallel, serial)
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        done = list(pool.map(_worker, [stand] * len(shares), [since] * len(shares), shares, [tokens] * len(shares),
                             [os.path.join(workdir, f'curl-{n}.conf') for n in range(len(shares))], [how] * len(shares)))
    seconds = time.monotonic() - started
    answers = [answer for part in done for answer in part[0]]
    return {
        'seconds': seconds,
        'bytes': sum(int(size) for _code, size in answers),
        'requests': len(answers) + len(tokens),
        'failed': sum(1 for code, _size in answers if code != '200') + (len(fetches) - len(answers)),
        'curl_runs': sum(part[1] for part in done),
        'commit_wait_seconds': round(sum(part[2] for part in done), 3),
    }
