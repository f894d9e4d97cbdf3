# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a load run costs: concurrent connections to a port (from /proc/net/tcp) and the module's peak RSS.

Connections are counted on the server's side of the socket table, so the count includes nothing the
measurement adds and needs no cooperation from the client. Peak RSS comes from the kernel's own high-water
mark of the module process (``ru_maxrss`` of a wrapper interpreter's child), not from sampling.
"""

import os
import stat
import sys
import threading
import time

ESTABLISHED = '01'
_TABLES = ('/proc/net/tcp', '/proc/net/tcp6')


def established(port):
    """The peers (``address:port`` as in the table) of ESTABLISHED sockets whose local port is ``port``."""
    peers = set()
    for table in _TABLES:
        try:
            with open(table, encoding='ascii') as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if fields[3] == ESTABLISHED and int(fields[1].rsplit(':', 1)[1], 16) == port:
                        peers.add(fields[2])
        except FileNotFoundError:
            continue
    return peers


class ConnectionWatcher:
    """Polls ``established(port)`` in a thread; ``peak`` is the most connections open at once.

    Connections already open when it starts are not counted: they belong to whatever ran before (an idle
    keep-alive connection of an earlier client), not to what is measured.
    """

    def __init__(self, port, interval=0.005):
        self.port = port
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._before = established(port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name='connections', daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(5)

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, len(established(self.port) - self._before))
            self.samples += 1
            time.sleep(self.interval)


_WRAPPER = '''#!%(python)s
"""Runs the real interpreter and appends the peak RSS (KiB) of what it ran to %(out)s."""
import resource, subprocess, sys
code = subprocess.call([%(python)r] + sys.argv[1:])
with open(%(out)r, 'a') as handle:
    handle.write('%%d\\n' %% resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
'''


def rss_interpreter(directory):
    """(path of an interpreter wrapper for ANSIBLE_PYTHON_INTERPRETER, path of the file it reports peak RSS to)."""
    out = os.path.join(directory, 'peak-rss-kib')
    path = os.path.join(directory, 'python-rss')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(_WRAPPER % {'python': sys.executable, 'out': out})
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path, out


def peak_rss_mib(out):
    """The largest peak RSS the wrapper reported, in MiB."""
    with open(out, encoding='ascii') as handle:
        return max(int(line) for line in handle if line.strip()) / 1024.0
