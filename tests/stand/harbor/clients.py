# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two registries Harbor core talks to: upstream (through a remote helper, 1.8) and its internal registry L.

Upstream errors become Harbor's codes (``pkg/registry/client.go:do``): 401 UNAUTHORIZED, 403 FORBIDDEN, 404
NOT_FOUND, 429 TOO_MANY_REQUEST, anything else (and no answer at all) UNKNOWN.
"""

import time

import requests
from requests.adapters import HTTPAdapter

# Harbor's own Accept list for upstream manifests; the client's Accept is never forwarded (2.1 step 3).
MANIFEST_ACCEPT = ', '.join((
    'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json'))
USER_AGENT = 'harbor-registry-client'
CHUNK = 1 << 20
_CODES = {401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 429: 'TOO_MANY_REQUEST'}


class UpstreamError(Exception):
    """An upstream request failed; ``code`` is Harbor's error code, ``status`` the HTTP status (0: no answer)."""

    def __init__(self, status, detail):
        super().__init__(f'upstream {status or "unreachable"}: {detail}')
        self.status = status
        self.code = _CODES.get(status, 'UNKNOWN')


def _session(pool):
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool)
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session


class Upstream:
    """Shared connections to upstream (Harbor's transport is shared too); ``helper()`` starts one remote helper."""

    def __init__(self, base_url, faults):
        self.base_url = base_url.rstrip('/')
        self.faults = faults
        self._session = _session(64)

    def request(self, method, path, stream=False, headers=None):
        """One upstream request, through the fault switches; raises UpstreamError on anything but 2xx."""
        mode, delay = self.faults.upstream
        if delay:
            time.sleep(delay)
        if mode == 'unreachable':
            raise UpstreamError(0, f'{method} {path}: connection refused (fault switch)')
        if mode == 'black_holed':  # packets dropped: the dial timeout (Harbor: 30 s, the delay above) ran out
            raise UpstreamError(0, f'{method} {path}: dial tcp: i/o timeout (fault switch)')
        if mode == 'rate_limited':
            raise UpstreamError(429, f'{method} {path}: too many requests (fault switch)')
        all_headers = {'User-Agent': USER_AGENT}
        all_headers.update(headers or {})
        try:
            response = self._session.request(method, self.base_url + path, headers=all_headers, stream=stream, timeout=(30, 1800))
        except requests.RequestException as exc:
            raise UpstreamError(0, f'{method} {path}: {exc}') from exc
        if not 200 <= response.status_code < 300:
            response.close()
            raise UpstreamError(response.status_code, f'{method} {path}')
        return response

    def helper(self):
        """A new remote helper, as Harbor builds for every proxied request (1.8)."""
        return RemoteHelper(self)


class RemoteHelper:
    """One request's upstream client: its authorizer probes ``/v2/`` for a challenge before its first request. Any
    answer will do (a 429 there only means no challenge); no answer at all fails that first request."""

    def __init__(self, upstream):
        self._upstream = upstream
        self._probed = False

    def request(self, method, path, stream=False, headers=None):
        """``Upstream.request``, after the probe."""
        if not self._probed:
            try:
                self._upstream.request('GET', '/v2/').close()
            except UpstreamError as exc:
                if exc.status == 0:
                    raise
            self._probed = True
        return self._upstream.request(method, path, stream=stream, headers=headers)

    def head_manifest(self, repo, reference):
        """(digest, content type, length) of upstream's HEAD."""
        response = self.request('HEAD', f'/v2/{repo}/manifests/{reference}', headers={'Accept': MANIFEST_ACCEPT})
        return (response.headers.get('Docker-Content-Digest', ''), response.headers.get('Content-Type', ''),
                response.headers.get('Content-Length', '0'))

    def get_manifest(self, repo, reference):
        """(payload, content type, Docker-Content-Digest) of upstream's GET."""
        response = self.request('GET', f'/v2/{repo}/manifests/{reference}', headers={'Accept': MANIFEST_ACCEPT})
        return response.content, response.headers.get('Content-Type', ''), response.headers.get('Docker-Content-Digest', '')

    def get_blob(self, repo, digest):
        """The streamed response of a blob GET (``Accept-Encoding: identity``); the caller closes it."""
        return self.request('GET', f'/v2/{repo}/blobs/{digest}', stream=True, headers={'Accept-Encoding': 'identity'})

    def tags(self, repo):
        """Every tag upstream lists, following ``Link`` pagination."""
        names, path = [], f'/v2/{repo}/tags/list'
        while path:
            response = self.request('GET', path)
            names += response.json().get('tags') or []
            path = response.links.get('next', {}).get('url', '')
        return names


class SizedBody:
    """A streamed request body with a known length, so requests sends Content-Length instead of chunks."""

    def __init__(self, chunks, size):
        self._chunks = iter(chunks)
        self._size = size
        self._buffer = b''

    def __len__(self):
        return self._size

    def read(self, amount=-1):
        while amount < 0 or len(self._buffer) < amount:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if amount < 0:
            amount = len(self._buffer)
        data, self._buffer = self._buffer[:amount], self._buffer[amount:]
        return data


class Local:
    """Harbor's internal registry L (a plain ``docker-registry``); Harbor core's own calls go straight to it."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip('/')
        self._session = _session(64)

    def request(self, method, path, **kwargs):
        """One request to L; connection errors surface as requests exceptions."""
        return self._session.request(method, self.base_url + path, timeout=(10, 1800), **kwargs)

    def blob_linked(self, repo, digest):
        """L links ``digest`` into ``repo`` (distribution's linked blob statter)."""
        return self.request('HEAD', f'/v2/{repo}/blobs/{digest}').status_code == 200

    def push_blob(self, repo, digest, size, chunks):
        """Monolithic upload (POST, then PUT with ``?digest=``): (status, text) of the PUT."""
        started = self.request('POST', f'/v2/{repo}/blobs/uploads/')
        if started.status_code != 202:
            return started.status_code, started.text
        location = started.headers['Location']
        url = location if location.startswith('http') else self.base_url + location
        separator = '&' if '?' in url else '?'
        done = self._session.put(f'{url}{separator}digest={digest}', data=SizedBody(chunks, size), timeout=(10, 1800),
                                 headers={'Content-Type': 'application/octet-stream'})
        return done.status_code, done.text

    def put_manifest(self, repo, reference, payload, media_type):
        """(status, text) of a manifest PUT."""
        done = self.request('PUT', f'/v2/{repo}/manifests/{reference}', data=payload, headers={'Content-Type': media_type})
        return done.status_code, done.text
