# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal registry push client for the unauthenticated upstream: blobs (monolithic, streamed or mounted), manifests."""

import hashlib
import urllib.parse

import requests


class PushError(RuntimeError):
    """The registry refused a push."""


def sha256_digest(data):
    """``sha256:<hex>`` of bytes."""
    return 'sha256:' + hashlib.sha256(data).hexdigest()


class Pusher:
    """Pushes to one registry base URL (e.g. ``http://127.0.0.1:5000``)."""

    def __init__(self, base_url, session=None, timeout=600):
        self.base_url = base_url.rstrip('/')
        self.session = session or requests.Session()
        self.timeout = timeout

    def _url(self, path):
        return self.base_url + path

    def _request(self, method, url, expected, **kwargs):
        response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        if response.status_code not in expected:
            raise PushError(f'{method} {url} -> {response.status_code}: {response.text[:500]}')
        return response

    def _start_upload(self, repo, params=None):
        response = self._request('POST', self._url(f'/v2/{repo}/blobs/uploads/'), (201, 202), params=params)
        return response.status_code, urllib.parse.urljoin(self.base_url + '/', response.headers.get('Location', ''))

    def _finish(self, location, digest, data=b''):
        separator = '&' if '?' in location else '?'
        self._request('PUT', f'{location}{separator}digest={digest}', (201,), data=data,
                      headers={'Content-Type': 'application/octet-stream'})

    def has_blob(self, repo, digest):
        """True when ``repo`` can serve ``digest`` (the blob is linked into that repository)."""
        return self.session.head(self._url(f'/v2/{repo}/blobs/{digest}'), timeout=self.timeout).status_code == 200

    def push_bytes(self, repo, data):
        """Upload a small blob in one PUT unless present; return its digest."""
        digest = sha256_digest(data)
        if not self.has_blob(repo, digest):
            _status, location = self._start_upload(repo)
            self._finish(location, digest, data)
        return digest

    def push_stream(self, repo, stream):
        """Upload a LayerStream in one streamed (chunked) PATCH; its digest is known once the body is sent."""
        _status, location = self._start_upload(repo)
        response = self._request('PATCH', location, (202,), data=iter(stream), headers={'Content-Type': 'application/octet-stream'})
        location = urllib.parse.urljoin(self.base_url + '/', response.headers.get('Location', location))
        self._finish(location, stream.layer.digest)
        return stream.layer

    def mount(self, repo, digest, from_repo):
        """Cross-repository mount; True when the registry linked the blob without an upload."""
        status, location = self._start_upload(repo, params={'mount': digest, 'from': from_repo})
        if status == 201:
            return True
        self.session.delete(location, timeout=self.timeout)
        return False

    def push_manifest(self, repo, reference, data, media_type):
        """PUT a manifest under a tag or its digest; return the digest of the bytes."""
        self._request('PUT', self._url(f'/v2/{repo}/manifests/{reference}'), (201,), data=data,
                      headers={'Content-Type': media_type})
        return sha256_digest(data)
