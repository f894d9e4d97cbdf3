# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two ends of a replication copy (11.3 steps 3-4).

* ``ProxySource``: the local Harbor. The job reads ``/v2/<proxy project>/...`` like any client, through the proxy
  middleware with no exemption (``src/server/registry/route.go``), so every decision of 2.1 and 4 applies: an index
  read by tag while its list-cache entry lives is upstream's, a moved tag is read anew, upstream 404 is an error, and
  what comes from upstream is stored (with its events). Called in process: the jobservice talks to core directly, so
  these reads are not in Harbor's access log; as the replication service's, they leave pull times alone.
* ``Target``: the destination registry, a ``docker-registry`` endpoint with Basic credentials over TLS.

Errors carry Harbor's registry-client text: ``http status code: <n>, body: <body>``.
"""

import requests

from .clients import MANIFEST_ACCEPT, SizedBody


class CopyError(Exception):
    """A read or write of the copy failed."""


def _text(body):
    return body.decode('utf-8', 'replace').strip() if isinstance(body, bytes) else ''


def _drain(reply):
    """A Reply's whole body as bytes (closing a stream)."""
    if isinstance(reply.body, bytes):
        return reply.body
    try:
        return b''.join(reply.body)
    finally:
        if hasattr(reply.body, 'close'):
            reply.body.close()


class ProxySource:
    """The local Harbor through its proxy controller."""

    def __init__(self, settings, cache):
        self.settings = settings
        self.cache = cache

    def _split(self, repository):
        project_name, _sep, remote = repository.partition('/')
        project = self.settings.project(project_name)
        if project is None:
            raise CopyError(f'http status code: 404, body: project {project_name} not found')
        return project, remote

    def manifest(self, repository, reference):
        """(payload, Content-Type, Docker-Content-Digest) of a manifest GET."""
        project, remote = self._split(repository)
        with self.cache.replication_reads():
            reply = self.cache.manifest('GET', project, repository, remote, reference)
        body = _drain(reply)
        if reply.status != 200:
            raise CopyError(f'http status code: {reply.status}, body: {_text(body)}')
        headers = dict(reply.headers)
        return body, headers.get('Content-Type', ''), headers.get('Docker-Content-Digest', '')

    def blob(self, repository, digest):
        """(size, chunks) of a blob GET; the caller consumes the chunks."""
        _project, remote = self._split(repository)
        with self.cache.replication_reads():
            reply = self.cache.blob_get(repository, remote, digest)
        if reply.status != 200:
            raise CopyError(f'http status code: {reply.status}, body: {_text(_drain(reply))}')
        chunks = [reply.body] if isinstance(reply.body, bytes) else reply.body
        return int(reply.length or 0), chunks


class Target:
    """A registry v2 endpoint (``config.Registry``); HEAD by tag resolves a tag, DELETE goes by digest."""

    def __init__(self, registry):
        self.registry = registry
        self.base = registry.url.rstrip('/')
        self._session = requests.Session()
        self._session.auth = (registry.user, registry.password)

    def _request(self, method, path, **options):
        url = path if path.startswith('http') else self.base + path
        try:  # verify per request: a session's is overridden by REQUESTS_CA_BUNDLE
            return self._session.request(method, url, timeout=(10, 1800), verify=self.registry.ca_path or True, **options)
        except requests.RequestException as exc:
            raise CopyError(f'{method} {self.base}{path}: {exc}') from exc

    @staticmethod
    def _fail(response):
        return CopyError(f'http status code: {response.status_code}, body: {response.text.strip()}')

    def manifest_exists(self, repository, reference):
        """(exists, digest) of a HEAD (``ManifestExist``)."""
        response = self._request('HEAD', f'/v2/{repository}/manifests/{reference}', headers={'Accept': MANIFEST_ACCEPT})
        if response.status_code == 404:
            return False, ''
        if not 200 <= response.status_code < 300:
            raise self._fail(response)
        return True, response.headers.get('Docker-Content-Digest', '')

    def push_manifest(self, repository, reference, media_type, payload):
        """PUT a manifest."""
        response = self._request('PUT', f'/v2/{repository}/manifests/{reference}', data=payload, headers={'Content-Type': media_type})
        if not 200 <= response.status_code < 300:
            raise self._fail(response)

    def blob_exists(self, repository, digest):
        """HEAD a blob."""
        response = self._request('HEAD', f'/v2/{repository}/blobs/{digest}')
        if response.status_code == 404:
            return False
        if not 200 <= response.status_code < 300:
            raise self._fail(response)
        return True

    def push_blob(self, repository, digest, size, chunks):
        """Monolithic upload: POST, then PUT with ``?digest=``."""
        started = self._request('POST', f'/v2/{repository}/blobs/uploads/')
        if started.status_code != 202:
            raise self._fail(started)
        location = started.headers['Location']
        separator = '&' if '?' in location else '?'
        done = self._request('PUT', f'{location}{separator}digest={digest}', data=SizedBody(chunks, size),
                             headers={'Content-Type': 'application/octet-stream'})
        if done.status_code != 201:
            raise self._fail(done)

    def delete_manifest(self, repository, reference):
        """``DeleteManifest``: a tag is resolved to its digest first, then the manifest goes by digest."""
        if ':' not in reference:
            exists, digest = self.manifest_exists(repository, reference)
            if not exists:
                raise CopyError(f'{repository}:{reference} not found')
            reference = digest
        response = self._request('DELETE', f'/v2/{repository}/manifests/{reference}')
        if not 200 <= response.status_code < 300:
            raise self._fail(response)
