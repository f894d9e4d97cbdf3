# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bare pull client of one repository on the emulated Harbor, for the stand's own tests."""

import hashlib
import time

from urllib.parse import quote

import requests

from . import model

ACCEPT = ', '.join(model.ALL_MANIFEST_TYPES)


def sha256(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


class Client:
    """A pull client of one repository on the emulated Harbor (anonymous token on the public project)."""

    def __init__(self, stand, repository):
        self.base = stand.harbor_url
        self.repository = repository
        answer = requests.get(f'{self.base}/service/token', params={'service': 'harbor-registry', 'scope': f'repository:{repository}:pull'},
                              timeout=10)
        self.headers = {'Authorization': 'Bearer ' + answer.json()['token'], 'Accept': ACCEPT}

    def manifest(self, reference, method='GET'):
        return requests.request(method, f'{self.base}/v2/{self.repository}/manifests/{reference}', headers=self.headers, timeout=30)

    def blob(self, digest, method='GET'):
        return requests.request(method, f'{self.base}/v2/{self.repository}/blobs/{digest}', headers=self.headers, timeout=30)

    def read_platform(self, child):
        """GET a platform's manifest by digest and every blob it names; return the time of the manifest GET."""
        at = time.time()
        assert self.manifest(child.digest).status_code == 200
        for blob in child.blobs:
            answer = self.blob(blob.digest)
            assert answer.status_code == 200 and sha256(answer.content) == blob.digest
        return at

    def read(self, reference, blobs):
        """GET a manifest by ``reference`` and each of ``blobs`` (model.BlobRef), checking their digests."""
        assert self.manifest(reference).status_code == 200, reference
        for blob in blobs:
            answer = self.blob(blob.digest)
            assert answer.status_code == 200 and sha256(answer.content) == blob.digest, blob

    def referrers(self, digest, artifact_type=None):
        """``GET /v2/<repo>/referrers/<digest>``: the answer."""
        params = {'artifactType': artifact_type} if artifact_type else None
        return requests.get(f'{self.base}/v2/{self.repository}/referrers/{digest}', headers=self.headers, params=params, timeout=30)

    def accessories(self, digest):
        """The artifacts API's ``accessories`` of ``digest`` (``with_accessory=true``), by their digest; None when Harbor
        holds no such artifact."""
        project, _sep, name = self.repository.partition('/')
        answer = requests.get(f'{self.base}/api/v2.0/projects/{project}/repositories/{quote(quote(name, safe=""), safe="")}'
                              f'/artifacts/{digest}', params={'with_accessory': 'true'}, timeout=10)
        return {item['digest']: item for item in answer.json().get('accessories', [])} if answer.status_code == 200 else None
