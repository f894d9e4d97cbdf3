# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Peak resident memory of the processes under one pid, as the kernel counts it (``VmHWM`` in /proc/<pid>/status).

VmHWM is the process's own high-water mark, so polling every few milliseconds loses nothing but what happens
after the last poll before the process exits. This machine's kernel has no /proc/<pid>/task/<tid>/children, so
descendants are found by scanning every process's parent.
"""

from __future__ import annotations

import os
import threading


def _parent(pid):
    with open(f'/proc/{pid}/stat', 'rb') as handle:
        stat = handle.read()
    return int(stat[stat.rindex(b')') + 2:].split()[1])


def _hwm_kib(pid):
    with open(f'/proc/{pid}/status', encoding='utf-8') as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return 0


def _cmdline(pid):
    with open(f'/proc/{pid}/cmdline', 'rb') as handle:
        return handle.read().replace(b'\0', b' ').decode('utf-8', 'replace').strip()


class PeakRss:
    """Start with the root pid; ``stop()`` returns ``{pid: (command line, peak KiB)}`` of it and its descendants."""

    def __init__(self, root, interval=0.01):
        self.root = root
        self.interval = interval
        self._peaks = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name='peak-rss', daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        return dict(self._peaks)

    def _descendants(self):
        children = {}
        for name in os.listdir('/proc'):
            if name.isdigit():
                try:
                    children.setdefault(_parent(int(name)), []).append(int(name))
                except (OSError, ValueError):
                    continue
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, ()))
        return found

    def _loop(self):
        while not self._stop.is_set():
            for pid in self._descendants():
                try:
                    peak = _hwm_kib(pid)
                    command = self._peaks[pid][0] if pid in self._peaks else _cmdline(pid)
                except OSError:
                    continue
                if peak >= self._peaks.get(pid, ('', 0))[1]:
                    self._peaks[pid] = (command, peak)
            self._stop.wait(self.interval)
