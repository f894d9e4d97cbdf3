# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""(t) The floor of a warm that lets Harbor carry the bytes, with curl: every manifest read as a full warm reads it,
every (repository, blob) GET given up at its headers (``--max-filesize 1``: curl closes the connection before the
body), then HEADs of every blob, every 0.1 s, until Harbor holds them all (its HEAD answers from storage only).

P curls at a time, as the lower bound (wire.py) runs them; tokens are fetched inside the timed span. A client that
triggers and confirms cannot be done sooner than Harbor's own stores allow, and this one spends nothing between.

(tb) ``run_bounded``: the same with at most P stores awaiting confirmation, as the module keeps them (each of P
workers triggers a blob, HEADs it every 0.05 s until stored, then takes the next); http.client, not a curl per
request, so that the floor pays no process start per blob.
"""

from __future__ import annotations

import http.client
import os
import queue
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.prewarm.harbor.bench import wire

POLL = 0.1  # seconds between two rounds of HEADs


def _curl(config_path, text):
    with open(config_path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    done = subprocess.run(['curl', '-s', '-K', config_path], capture_output=True, text=True, check=False)
    return [line.split() for line in done.stdout.splitlines() if line.strip()]


def _trigger(base_url, share, tokens, config_path):
    """One worker's share: manifests read, blob GETs closed at their headers (a given-up transfer writes no line)."""
    return _curl(config_path, wire.curl_config(base_url, share, tokens, blob_trigger=True))


def _stored(base_url, blobs, tokens, config_path):
    """The blobs of ``blobs`` Harbor answers 200 for, one HEAD each on one connection."""
    answers = _curl(config_path, wire.curl_config(base_url, blobs, tokens, blob_head=True))
    return [fetch for fetch, answer in zip(blobs, answers) if answer and answer[0] == '200']


def run(fetches, parallel, workdir, base_url):
    """Trigger every Fetch through Harbor at ``base_url``, then HEAD until every blob is stored; seconds and counts."""
    os.makedirs(workdir, exist_ok=True)
    started = time.monotonic()
    tokens = wire.fetch_tokens(base_url, sorted({fetch.repository for fetch in fetches}))
    shares = wire.split(fetches, parallel, serial=False)
    configs = [os.path.join(workdir, f'curl-{n}.conf') for n in range(len(shares))]
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        answers = [answer for part in pool.map(_trigger, [base_url] * len(shares), shares, [tokens] * len(shares), configs)
                   for answer in part]
        triggered = time.monotonic() - started
        waiting = [fetch for fetch in fetches if fetch.kind == 'blobs']
        rounds = 0
        while waiting and time.monotonic() - started < 600:
            rounds += 1
            groups = [waiting[n::parallel] for n in range(parallel) if waiting[n::parallel]]
            done = {fetch for part in pool.map(_stored, [base_url] * len(groups), groups, [tokens] * len(groups), configs)
                    for fetch in part}
            waiting = [fetch for fetch in waiting if fetch not in done]
            if waiting:
                time.sleep(POLL)
    return {'seconds': time.monotonic() - started, 'triggered_seconds': triggered, 'head_rounds': rounds,
            'client_bytes': sum(int(size) for _code, size in answers), 'failed': len(waiting),
            'requests': len(fetches) + len(tokens)}


BOUNDED_POLL = 0.05  # seconds between two HEADs of one blob in run_bounded


def _bounded_worker(netloc, blobs, tokens):
    """Take blobs off the queue: trigger (a connection of its own, closed at the status line), then HEAD until 200."""
    heads = http.client.HTTPConnection(netloc, timeout=60)
    done = 0
    while True:
        try:
            fetch = blobs.get_nowait()
        except queue.Empty:
            break
        path = f'/v2/{fetch.repository}/blobs/{fetch.reference}'
        auth = {'Authorization': 'Bearer ' + tokens[fetch.repository]}
        trigger = http.client.HTTPConnection(netloc, timeout=60)
        trigger.request('GET', path, headers=auth)
        trigger.getresponse()  # the status line and headers; the body is never read
        trigger.close()
        while True:
            heads.request('HEAD', path, headers=auth)
            answer = heads.getresponse()
            answer.read()
            if answer.status == 200:
                done += 1
                break
            time.sleep(BOUNDED_POLL)
    heads.close()
    return done


def run_bounded(fetches, parallel, workdir, base_url):
    """Manifests read with curl as in ``run``, then every blob by ``parallel`` workers, one store each at a time."""
    os.makedirs(workdir, exist_ok=True)
    started = time.monotonic()
    tokens = wire.fetch_tokens(base_url, sorted({fetch.repository for fetch in fetches}))
    manifests = [fetch for fetch in fetches if fetch.kind == 'manifests']
    blobs: queue.Queue = queue.Queue()
    for fetch in sorted((fetch for fetch in fetches if fetch.kind == 'blobs'), key=lambda fetch: -fetch.size):
        blobs.put(fetch)  # largest first, as the module orders them
    shares = wire.split(manifests, parallel, serial=False)
    netloc = urllib.parse.urlsplit(base_url).netloc
    with ThreadPoolExecutor(max_workers=max(len(shares), parallel)) as pool:
        read = [pool.submit(_trigger, base_url, share, tokens, os.path.join(workdir, f'curl-{n}.conf')) for n, share in enumerate(shares)]
        stored = [pool.submit(_bounded_worker, netloc, blobs, tokens) for _worker in range(parallel)]
        done = sum(future.result() for future in stored)
        answers = [answer for future in read for answer in future.result()]
    return {'seconds': time.monotonic() - started, 'client_bytes': sum(int(size) for _code, size in answers),
            'failed': sum(1 for fetch in fetches if fetch.kind == 'blobs') - done, 'requests': len(fetches) + len(tokens)}
