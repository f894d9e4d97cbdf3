# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One measured run on a cold cache: reset, run, then what the proxy served and whether the warm is complete.

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
    since = proxylog.mark(stand)
    busy = machine.Busy().start()
    spent = machine.children_cpu_seconds()
    outcome = action()
    outcome['cpu_busy'] = busy.stop()
    outcome['client_cpu_seconds'] = machine.children_cpu_seconds() - spent
    outcome['busy_before'] = background
    proxylog.settle(stand)
    outcome['proxy'] = proxylog.summary(stand, since)
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
