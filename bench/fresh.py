# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One measured run on a cold cache: reset, run, then what the caches served, what upstream sent, and whether the
warm is complete.

Before each run the previous run's writes are flushed (``sync``), otherwise their writeback competes with the
next run for the same two cores, and the machine must be quiet for half a second (see ``machine.wait_quiet``).
"""

from __future__ import annotations

import os

from ansible_collections.prewarm.harbor.bench import complete, machine, proxylog


def run(stand, fetches, action):
    """``action()`` returns a dict with at least ``seconds``; proxy bytes, CPU use (the machine's and the client's) and
    completeness are added."""
    stand.reset_cache()
    os.sync()
    background = machine.wait_quiet()
    since, upstream, harbor = proxylog.mark(stand), proxylog.mark(stand, 'upstream'), stand.harbor_log_mark()
    busy = machine.Busy().start()
    spent = machine.children_cpu_seconds()
    outcome = action()
    outcome['cpu_busy'] = busy.stop()
    outcome['client_cpu_seconds'] = machine.children_cpu_seconds() - spent
    outcome['busy_before'] = background
    proxylog.settle(stand)
    outcome['proxy'] = proxylog.summary(stand, since)
    # Harbor's blob GET bodies towards the client, as its access log counts them (what the sockets took included)
    outcome['harbor_sent'] = sum(entry.body_bytes_sent for entry in stand.harbor_log(since=harbor)
                                 if entry.kind == 'blobs' and entry.method == 'GET')
    # Upstream's blob bytes once the caches' own fetches have ended (Harbor's GET #2 outlives a client's read).
    proxylog.settle(stand, quiet=0.5, timeout=30, component='upstream')
    outcome['upstream_blob_bytes'] = sum(size for method, _name, kind, _reference, _status, size in
                                         proxylog.entries(stand, upstream, 'upstream') if method == 'GET' and kind == 'blobs')
    outcome.update(complete.report(stand, fetches))
    return outcome


def best_of(repeat, stand, fetches, actions):
    """Run every action of ``{key: action}`` in turn, ``repeat`` rounds; per key the fastest run, with all seconds.

    Rounds interleave the contenders, so a slow spell of the machine hits them alike.
    """
    runs = {key: [] for key in actions}
    for _round in range(max(1, repeat)):
        for key, action in actions.items():
            runs[key].append(run(stand, fetches, action))
    best = {}
    for key, outcomes in runs.items():
        best[key] = min(outcomes, key=lambda outcome: outcome['seconds'])
        best[key]['all_seconds'] = [round(outcome['seconds'], 3) for outcome in outcomes]
        best[key]['complete_runs'] = sum(1 for outcome in outcomes if outcome['complete'])
    return best
