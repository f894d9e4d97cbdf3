# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's access log (one JSON object per line, written by the emulator) as typed entries tests can filter."""

import dataclasses
import json
import re
import urllib.parse

_V2_PATH = re.compile(r'^/v2/(?P<name>.+)/(?P<kind>manifests|blobs|tags)/(?P<reference>[^/]+)$')


@dataclasses.dataclass(frozen=True)
class AccessEntry:
    """One request as the client sent it. ``auth`` is none/basic/bearer/other (never the credentials).

    ``backend`` names who answered: ``local`` (Harbor's registry), ``upstream``, ``redis`` (the list cache), or ''
    when Harbor answered itself (401, 429, redirects, the API).
    """

    time: float
    scheme: str
    method: str
    uri: str
    status: int
    bytes_sent: int
    body_bytes_sent: int
    auth: str
    backend: str
    upstream_status: str
    request_time: float
    remote_port: int = 0  # nginx's $remote_port: one per client connection

    @property
    def path(self):
        """The URI without its query string."""
        return urllib.parse.urlsplit(self.uri).path

    def _match(self, group):
        found = _V2_PATH.match(self.path)
        return found.group(group) if found else ''

    @property
    def kind(self):
        """``manifests``, ``blobs``, ``tags`` or '' for other paths."""
        return self._match('kind')

    @property
    def name(self):
        """``<project>/<repo>`` of a /v2 repository request, else ''."""
        return self._match('name')

    @property
    def reference(self):
        """Tag or digest of a manifest/blob request, else ''."""
        return self._match('reference')


def parse(lines):
    """Parse log lines."""
    entries = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        raw = json.loads(line)
        entries.append(AccessEntry(time=raw['msec'], scheme=raw['scheme'], method=raw['method'], uri=raw['uri'], status=raw['status'],
                                   bytes_sent=raw['bytes_sent'], body_bytes_sent=raw['body_bytes_sent'], auth=raw['auth'],
                                   backend=raw['upstream_addr'], upstream_status=raw['upstream_status'], request_time=raw['request_time'],
                                   remote_port=raw.get('remote_port', 0)))
    return entries


def read(path, since=0):
    """Entries written after byte offset ``since`` (see ``mark``)."""
    try:
        with open(path, encoding='utf-8') as handle:
            handle.seek(since)
            return parse(handle.read().splitlines())
    except FileNotFoundError:
        return []


def mark(path):
    """Current end of the log: pass it as ``since`` to read only what comes later."""
    try:
        with open(path, 'rb') as handle:
            return handle.seek(0, 2)
    except FileNotFoundError:
        return 0
