# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A registry cache in memory, answering what the warmer asks the registry client (_registry.Registry).

For what no real registry can be made to do on demand: store a read a set time later, or never; say exactly
which requests reached it; hold a given commit state on Harbor. The bytes are real: manifests and blobs have
their true digests, and the warmer verifies and parses them as it would from the network.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import unquote, urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import OCI_INDEX, OCI_MANIFEST, ManifestHead, digest_of, parse_manifest
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import BlobHead, RegistryError

BASE = 'http://cache.test'
CONFIG = 'application/vnd.oci.image.config.v1+json'
LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'


class FakeCache:
    """``harbor``: answer like Harbor (blob HEADs from its own storage, the artifacts API from ``committed``);
    ``store_after``: seconds from a read until the cache holds the blob; ``lose``: (repository, digest) pairs whose
    reads the cache never stores, as Harbor when its own second fetch fails (goharbor/harbor#23600)."""

    def __init__(self, harbor=False, store_after=0.0):
        self.harbor = harbor
        self.store_after = store_after
        self.manifests = {}  # (repository, tag or digest) -> (raw, media type)
        self.blobs = {}  # digest -> bytes
        self.held = {}  # (repository, digest) -> when the cache holds it from
        self.committed = {}  # (repository, tag or digest) -> Harbor artifact document
        self.harbor_version = ''  # what systeminfo says ('': nothing, as to an anonymous caller)
        self.lose = set()
        self.lose_once = set()
        self.refused = {}  # tag or digest -> why every request for it fails (a RegistryError: Docker Hub's 429 passed on)
        self.log = []  # (method, 'manifest' or 'blob', repository, reference or digest)
        self._lock = threading.Lock()

    # -- building upstream content --------------------------------------------------------------------------------

    def blob(self, content, media_type=LAYER):
        digest = digest_of(content)
        self.blobs[digest] = content
        return {'mediaType': media_type, 'digest': digest, 'size': len(content)}

    def image(self, repository, tag, arch='amd64', layers=(b'base',)):
        """Push a single-platform image; returns its manifest's descriptor (digest, size, platform)."""
        config = self.blob(json.dumps({'os': 'linux', 'architecture': arch}).encode(), CONFIG)
        manifest = {'schemaVersion': 2, 'mediaType': OCI_MANIFEST, 'config': config,
                    'layers': [self.blob(content) for content in layers]}
        return self._manifest(repository, tag, manifest, OCI_MANIFEST, {'os': 'linux', 'architecture': arch})

    def index(self, repository, tag, arches=('amd64', 'arm64'), layers=(b'base',)):
        """Push a multi-platform image (each platform gets ``layers`` plus one layer of its own)."""
        children = [self.image(repository, None, arch, tuple(layers) + (arch.encode(),)) for arch in arches]
        return self._manifest(repository, tag, {'schemaVersion': 2, 'mediaType': OCI_INDEX, 'manifests': children}, OCI_INDEX)

    def _manifest(self, repository, tag, document, media_type, platform=None):
        raw = json.dumps(document).encode()
        digest = digest_of(raw)
        for reference in (tag, digest):
            if reference:
                self.manifests[(repository, reference)] = (raw, media_type)
        descriptor = {'mediaType': media_type, 'digest': digest, 'size': len(raw)}
        if platform:
            descriptor['platform'] = platform
        return descriptor

    def signature(self, repository, subject, kind='sig'):
        """Push cosign's ``sha256-<hex>.<kind>`` for the manifest digest ``subject``; returns its descriptor."""
        config = self.blob(b'{"sig":"%s"}' % subject.encode(), CONFIG)
        manifest = {'schemaVersion': 2, 'mediaType': OCI_MANIFEST, 'config': config,
                    'layers': [self.blob(b'payload of %s' % subject.encode())]}
        return self._manifest(repository, subject.replace(':', '-') + '.' + kind, manifest, OCI_MANIFEST)

    def referrers_tag(self, repository, subject, referrers):
        """Push OCI 1.1's fallback tag ``sha256-<hex>`` of ``subject``: an index of the ``referrers`` (descriptors)."""
        document = {'schemaVersion': 2, 'mediaType': OCI_INDEX, 'manifests': list(referrers)}
        return self._manifest(repository, subject.replace(':', '-'), document, OCI_INDEX)

    def manifest_document(self, descriptor):
        """The pushed manifest ``descriptor`` names, parsed."""
        return next(json.loads(raw) for (_repository, reference), (raw, _type) in self.manifests.items()
                    if reference == descriptor['digest'])

    def commit(self, repository, tag, descriptor):
        """Harbor has committed this pushed image under ``tag`` (an index with every child it lists)."""
        raw, media_type = self.manifests[(repository, descriptor['digest'])]
        document = {'digest': descriptor['digest'], 'manifest_media_type': media_type, 'tags': [{'name': tag}]}
        if media_type == OCI_INDEX:
            document['references'] = [{'child_digest': child['digest'], 'platform': child['platform']}
                                      for child in json.loads(raw)['manifests']]
        else:
            document['extra_attrs'] = descriptor.get('platform') or {}
        for reference in (tag, descriptor['digest']):
            self.committed[(repository, reference)] = document

    # -- what the warmer asks ---------------------------------------------------------------------------------------

    def reads(self, kind='blob'):
        return [entry for entry in self.log if entry[0] == 'GET' and entry[1] == kind]

    def _record(self, *entry):
        with self._lock:
            self.log.append(entry)

    def is_harbor(self, base):
        return self.harbor

    def manifest_head(self, repo, reference, tally=None):
        repository = repo.name
        self._record('HEAD', 'manifest', repository, reference)
        if reference in self.refused:
            raise RegistryError(self.refused[reference])
        found = self.manifests.get((repository, reference))
        return ManifestHead(digest_of(found[0]), found[1], repo) if found else None

    def manifest(self, repo, reference, tally=None, expected_digest=None):
        repository = repo.name
        self._record('GET', 'manifest', repository, reference)
        if (repository, reference) not in self.manifests:
            raise RegistryError('manifest %s:%s not found (404)' % (repository, reference), 404)
        raw, media_type = self.manifests[(repository, reference)]
        parsed = parse_manifest(raw, media_type, expected_digest or (reference if ':' in reference else None))
        parsed.repository = repo
        return parsed

    def read_blob(self, repo, blob, tally=None, keep=False):
        repository = repo.name
        self._record('GET', 'blob', repository, blob.digest)
        content = self.blobs[blob.digest]
        key = (repository, blob.digest)
        with self._lock:
            if key in self.lose_once:
                self.lose_once.discard(key)
            elif key not in self.lose:
                self.held.setdefault(key, time.time() + self.store_after)
        return len(content), (content if keep else None)

    def trigger_blob(self, repo, blob, tally=None):
        """A GET closed at its status line: recorded and stored as a read is; nothing comes back."""
        self.read_blob(repo, blob, tally)

    def blob_exists(self, repo, digest, tally=None):
        self._record('HEAD', 'blob', repo.name, digest)
        with self._lock:
            return self.held.get((repo.name, digest), float('inf')) <= time.time()

    def blob_head(self, repo, digest, tally=None):
        found = self.blob_exists(repo, digest, tally)
        return BlobHead(found, found)

    def remember(self, key, ask):
        """As Registry.remember, without the memory: every call asks again."""
        return ask()

    def api_json(self, url, what, tally=None):
        """Harbor's artifacts API: /api/v2.0/projects/<p>/repositories/<name, encoded twice>/artifacts/<reference>;
        and systeminfo and projects (not logged: read once per cache or project, outside any image's requests)."""
        if urlsplit(url).path.endswith('/systeminfo'):
            return {'harbor_version': self.harbor_version} if self.harbor_version else {}
        parts = urlsplit(url).path.split('/')
        if len(parts) == 5 and parts[3] == 'projects':  # a project: no retention policy (none of these tests read one)
            return {'name': unquote(parts[4]), 'metadata': {}}
        repository = '%s/%s' % (unquote(parts[4]), unquote(unquote(parts[6])))
        self._record('GET', 'artifact', repository, unquote(parts[8]))
        return self.committed.get((repository, unquote(parts[8])))
