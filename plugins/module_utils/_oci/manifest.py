# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Registry manifests: media types, parsing, verification and the blobs they reference."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository

OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
SCHEMA1 = ('application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws')

INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
IMAGE_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
# Every type we understand goes in Accept: without the index types a registry may silently
# answer with the amd64 child only, without the OCI types with MANIFEST_UNKNOWN.
ACCEPT = ', '.join(INDEX_TYPES + IMAGE_TYPES)

# Windows foreign layers live outside the registry (their `urls`); a cache never holds them.
FOREIGN_LAYER_TYPES = (
    'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
)

MAX_MANIFEST_BYTES = 4 * 1024 * 1024
DIGEST_ALGORITHMS = {'sha256': hashlib.sha256, 'sha384': hashlib.sha384, 'sha512': hashlib.sha512}


class ManifestError(ImageError):
    """A manifest that cannot be used: wrong digest, unknown or dead format, malformed."""


class DigestMismatch(ManifestError):
    """The bytes are not the ones asked for: worth reading again, unlike a malformed manifest."""


class Blob:
    """A content-addressed blob (config or layer) that a manifest references."""

    __slots__ = ('digest', 'size', 'media_type')

    def __init__(self, digest: str, size: int, media_type: str) -> None:
        self.digest = digest
        self.size = size
        self.media_type = media_type

    def __repr__(self) -> str:
        return 'Blob(%s, %d)' % (self.digest, self.size)


class Manifest:
    """A parsed manifest: an index (``children``) or an image (``config`` and ``layers``)."""

    def __init__(self, raw: bytes, media_type: str, digest: str, document: dict[str, Any]) -> None:
        self.raw = raw
        self.media_type = media_type
        self.digest = digest
        self.document = document
        self.repository: Repository | None = None  # where the cache served it from (after redirects), set by the client

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES

    @property
    def children(self) -> list[Any]:
        """The index entries (dicts with digest, mediaType, platform, annotations)."""
        return list(self.document.get('manifests') or [])

    @property
    def config(self) -> Blob:
        return _blob(self.document.get('config'), 'config')

    @property
    def blobs(self) -> list[Blob]:
        """Config first, then every distributable layer, in manifest order."""
        layers = [_blob(layer, 'layer') for layer in self.document.get('layers') or []]
        return [self.config] + [layer for layer in layers if layer.media_type not in FOREIGN_LAYER_TYPES]


@dataclass(frozen=True)
class ManifestHead:
    """What a manifest HEAD tells: the digest, the media type, and the repository that answered (after redirects)."""

    digest: str
    media_type: str
    repository: Repository

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES


def digest_of(data: bytes, algorithm: str = 'sha256') -> str:
    """The ``algorithm:hex`` digest of bytes."""
    return '%s:%s' % (algorithm, DIGEST_ALGORITHMS[algorithm](data).hexdigest())


def hasher_for(digest: str) -> hashlib._Hash:
    """A fresh hash object for the algorithm a digest names."""
    algorithm = digest.partition(':')[0]
    if algorithm not in DIGEST_ALGORITHMS:
        raise ManifestError('unsupported digest algorithm in "%s": only sha256, sha384 and sha512 can be verified' % digest)
    return DIGEST_ALGORITHMS[algorithm]()


def parse_manifest(raw: bytes, content_type: str | None, expected_digest: str | None = None, where: str = 'manifest') -> Manifest:
    """Verify and parse manifest bytes.

    ``expected_digest`` is the digest the caller asked for (a pull by digest); for a pull by
    tag the digest is computed from the bytes, never taken from Docker-Content-Digest, which
    is optional and sometimes wrong.
    """
    algorithm = expected_digest.partition(':')[0] if expected_digest else 'sha256'
    if algorithm not in DIGEST_ALGORITHMS:
        raise ManifestError('%s: unsupported digest algorithm in "%s"' % (where, expected_digest))
    digest = digest_of(raw, algorithm)
    if expected_digest and digest != expected_digest:
        raise DigestMismatch('%s: content has digest %s, not the %s that was asked for; the cache or upstream served '
                             'wrong or corrupted bytes' % (where, digest, expected_digest))
    try:
        document = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError('%s: malformed manifest JSON (%s)' % (where, exc)) from exc
    if not isinstance(document, dict):
        raise ManifestError('%s: malformed manifest: a JSON object was expected' % where)
    media_type = _media_type(document, content_type, where)
    return Manifest(raw, media_type, digest, document)


def _media_type(document: dict[str, Any], content_type: str | None, where: str) -> str:
    """mediaType is optional in OCI documents: fall back to Content-Type, then to the shape."""
    declared = document.get('mediaType') or (content_type or '').split(';')[0].strip()
    if declared in SCHEMA1 or document.get('schemaVersion') == 1:
        raise ManifestError('%s: Docker schema1 manifest; schema1 is deprecated and unsupported: '
                            'rebuild or re-push the image with a current client' % where)
    if declared in INDEX_TYPES + IMAGE_TYPES:
        return declared
    if isinstance(document.get('manifests'), list):
        return OCI_INDEX
    if isinstance(document.get('config'), dict) and isinstance(document.get('layers'), list):
        return OCI_MANIFEST
    raise ManifestError('%s: unsupported manifest type "%s": expected an OCI index or image manifest, '
                        'or a Docker manifest list or schema2 manifest' % (where, declared or 'unknown'))


def _blob(entry: Any, what: str) -> Blob:
    if not isinstance(entry, dict) or not isinstance(entry.get('digest'), str) or not isinstance(entry.get('size'), int):
        raise ManifestError('malformed manifest: a %s descriptor without digest or size' % what)
    return Blob(entry['digest'], entry['size'], entry.get('mediaType', ''))
