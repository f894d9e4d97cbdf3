# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-playbook's own process (the controller's strategy loop), apart from its workers: how much CPU it
burns while the warm play runs, which a busy wait (a full throttle polled every 100 microseconds) would show.

The warm play's start and end are the moments its PLAY banner and the next one are printed; the process's own
CPU time (utime + stime in /proc/<pid>/stat, not its children's) is sampled every 50 ms.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

from ansible_collections.prewarm.harbor.bench.rss import PeakRss

WARM_PLAY = 'PLAY [Warm each cache'
NEXT_PLAY = 'PLAY [Summarise'
_TICK = os.sysconf('SC_CLK_TCK')


def own_cpu_seconds(pid):
    fields = open('/proc/%d/stat' % pid, encoding='ascii').read().rsplit(')', 1)[1].split()  # pylint: disable=consider-using-with
    return (int(fields[11]) + int(fields[12])) / _TICK


def run(argv, env, cwd, sample_rss=False):
    """Run ``argv``; returns (seconds, returncode, stdout, stderr, warm play {seconds, cpu_seconds, share} or None,
    peak RSS in KiB {controller, worker} when ``sample_rss``, else None)."""
    started = time.monotonic()
    marks = {}
    lines = []
    samples = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd) as proc:
        sampler = PeakRss(proc.pid, interval=0.1).start() if sample_rss else None  # a high-water mark: slow polls lose nothing

        def read():
            for line in proc.stdout:
                lines.append(line)
                for key, banner in (('start', WARM_PLAY), ('end', NEXT_PLAY)):
                    if line.startswith(banner) and key not in marks:
                        marks[key] = time.monotonic()
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        while proc.poll() is None:
            try:
                samples.append((time.monotonic(), own_cpu_seconds(proc.pid)))
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(0.05)
        reader.join()
        err = proc.stderr.read()
    peaks = _peaks(sampler.stop(), proc.pid) if sampler else None
    return time.monotonic() - started, proc.returncode, ''.join(lines), err, _window(samples, marks), peaks


def _peaks(sampled, root):
    """ansible-playbook's own peak and its largest descendant's (a worker, or a module's process)."""
    others = [kib for pid, (_line, kib) in sampled.items() if pid != root]
    return {'controller': sampled.get(root, ('', None))[1], 'worker': max(others) if others else None}


def _window(samples, marks):
    if 'start' not in marks or 'end' not in marks:
        return None
    inside = [sample for sample in samples if marks['start'] <= sample[0] <= marks['end']]
    if len(inside) < 2:
        return None
    seconds = inside[-1][0] - inside[0][0]
    cpu = inside[-1][1] - inside[0][1]
    return {'seconds': round(seconds, 3), 'cpu_seconds': round(cpu, 3), 'share': cpu / seconds if seconds > 0 else None}
