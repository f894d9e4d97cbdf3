# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bytes as the plain proxy saw them, from its access log: one yardstick for every client, whatever it reports itself.

``docker-registry`` writes a combined-format line per request once the response is sent; the stand appends the
proxy's output to ``<workdir>/logs/proxy.log`` across restarts, so a byte offset marks the start of a run.
"""

from __future__ import annotations

import os
import re
import time

_LINE = re.compile(r'^\S+ - \S+ \[[^\]]*\] "(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) (?P<size>\d+|-)')
_V2 = re.compile(r'^/v2/(?P<name>.+)/(?P<kind>manifests|blobs)/(?P<reference>[^/?]+)')


def path(stand, component='proxy'):
    """A registry's log file: the plain proxy's, or ``upstream``'s."""
    return os.path.join(stand.workdir, 'logs', component + '.log')


def mark(stand, component='proxy'):
    """Current end of the log."""
    try:
        return os.path.getsize(path(stand, component))
    except FileNotFoundError:
        return 0


def settle(stand, quiet=0.2, timeout=3.0, component='proxy'):
    """Wait until the log stops growing: the proxy logs a request once its handler returns, after the client's last byte."""
    deadline = time.monotonic() + timeout
    size, still = mark(stand, component), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = mark(stand, component)
        if now != size:
            size, still = now, time.monotonic()
        elif time.monotonic() - still >= quiet:
            return


def entries(stand, since, component='proxy'):
    """(method, repository, kind, reference, status, bytes) of each /v2 manifest or blob request after ``since``."""
    with open(path(stand, component), 'rb') as handle:
        handle.seek(since)
        text = handle.read().decode('utf-8', 'replace')
    found = []
    for line in text.splitlines():
        match = _LINE.match(line)
        target = match and _V2.match(match.group('path'))
        if target:
            size = match.group('size')
            found.append((match.group('method'), target.group('name'), target.group('kind'), target.group('reference'),
                          int(match.group('status')), 0 if size == '-' else int(size)))
    return found


def summary(stand, since):
    """Requests, bytes sent (manifests and blobs) and error answers (401 challenges aside) since ``since``."""
    seen = entries(stand, since)
    return {
        'requests': len(seen),
        'bytes': sum(entry[5] for entry in seen if entry[0] == 'GET'),
        'blob_gets': sum(1 for entry in seen if entry[0] == 'GET' and entry[2] == 'blobs'),
        'errors': sum(1 for entry in seen if entry[4] >= 400 and entry[4] != 401),
    }


class StoreWatch:
    """Follows the proxy's log for the end of its background stores.

    The proxy stores a blob in a goroutine of its own and forgets the digest as "in flight" only when that
    returns; right after, it logs ``Adding new scheduler entry for <repo>@<digest>``. A link in storage appears
    a moment earlier, so the log line is the exact signal.
    """

    _ENTRY = re.compile(r'Adding new scheduler entry for (?P<name>[^@\s]+)@(?P<digest>\S+) with ttl')

    def __init__(self, stand, since):
        self._path = path(stand)
        self._offset = since
        self._partial = b''
        self.stored = set()

    def poll(self):
        """Read what the log gained since the last call."""
        with open(self._path, 'rb') as handle:
            handle.seek(self._offset)
            data = handle.read()
        self._offset += len(data)
        lines = (self._partial + data).split(b'\n')
        self._partial = lines.pop()
        for line in lines:
            found = self._ENTRY.search(line.decode('utf-8', 'replace'))
            if found:
                self.stored.add((found.group('name'), found.group('digest')))

    def wait(self, pairs, timeout=30.0, interval=0.002):
        """Wait until every (repository, digest) of ``pairs`` is stored; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if all(pair in self.stored for pair in pairs):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(interval)
