# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How busy the machine is (/proc/stat): on 2 cores the stand's registries can use it all, and others may be using it too."""

from __future__ import annotations

import os
import resource
import time


def _times():
    with open('/proc/stat', encoding='ascii') as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]), idle


class Busy:
    """``start()`` then ``stop()``: the share of all CPUs that was not idle in between."""

    def __init__(self):
        self._start = None

    def start(self):
        self._start = _times()
        return self

    def stop(self):
        total, idle = _times()
        spent = total - self._start[0]
        return round(1 - (idle - self._start[1]) / spent, 3) if spent else None


def wait_quiet(max_busy=0.3, window=0.5, timeout=20.0):
    """Wait (up to ``timeout``) for a ``window`` in which less than ``max_busy`` of the CPUs were busy.

    Other work on the machine (tests, builds) lands in the figures; this keeps the worst of it out and says how
    busy the machine was right before the run. Returns that share.
    """
    deadline = time.monotonic() + timeout
    while True:
        busy = Busy().start()
        time.sleep(window)
        share = busy.stop()
        if share is None or share < max_busy or time.monotonic() > deadline:
            return share


def load_average():
    """The 1-minute load average."""
    return os.getloadavg()[0]


def children_cpu_seconds():
    """CPU seconds (user + system) of this process's children that have ended, with their own children's: a run's
    clients (ansible and its workers, skopeo, curl), counted once each has been waited for. The stand's registries
    run for the whole bench, so none of theirs is in it."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
