# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests are told about a pushed image: plain frozen dataclasses, JSON-able with ``dataclasses.asdict``."""

import dataclasses

OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'
DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
IN_TOTO = 'application/vnd.in-toto+json'

# Media types per format: (index, manifest, config, layer).
FORMATS = {
    'oci': (OCI_INDEX, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER),
    'docker': (DOCKER_LIST, DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER),
}
ALL_MANIFEST_TYPES = (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST)


@dataclasses.dataclass(frozen=True)
class Platform:
    """``os/arch[/variant]``."""

    os: str
    architecture: str
    variant: str = ''

    @classmethod
    def parse(cls, text):
        """Parse ``linux/arm/v7``."""
        parts = text.split('/')
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f'platform must be os/arch[/variant], got {text!r}')
        return cls(*parts)

    def __str__(self):
        return '/'.join(p for p in (self.os, self.architecture, self.variant) if p)

    def as_json(self):
        """The ``platform`` object of an index entry (also the keys of an image config)."""
        doc = {'architecture': self.architecture, 'os': self.os}
        if self.variant:
            doc['variant'] = self.variant
        return doc


@dataclasses.dataclass(frozen=True)
class BlobRef:
    """A blob as a manifest references it."""

    digest: str
    size: int
    media_type: str


@dataclasses.dataclass(frozen=True)
class PlatformImage:
    """One image manifest: the platform it runs on (``unknown/unknown`` for an attestation) and its blobs."""

    platform: str
    digest: str
    media_type: str
    size: int
    config: BlobRef
    layers: tuple

    @property
    def blobs(self):
        """Config first, then layers: every blob a pull of this platform reads."""
        return (self.config,) + tuple(self.layers)


@dataclasses.dataclass(frozen=True)
class SeededImage:
    """A tag in upstream. ``digest``/``media_type`` are the top manifest's (an index for multi-platform images)."""

    repository: str
    tag: str
    digest: str
    media_type: str
    size: int
    platforms: tuple
    attestations: tuple = ()

    @property
    def is_index(self):
        """True for an OCI index or Docker manifest list."""
        return self.media_type in (OCI_INDEX, DOCKER_LIST)

    def platform(self, name):
        """The PlatformImage for ``os/arch[/variant]`` (exact string match)."""
        for item in self.platforms:
            if item.platform == name:
                return item
        raise KeyError(f'{self.repository}:{self.tag} has no platform {name}; it has {[p.platform for p in self.platforms]}')

    def reference(self, project=None, digest=False):
        """``[project/]repository:tag``, or ``...@digest`` when ``digest`` is true."""
        name = f'{project}/{self.repository}' if project else self.repository
        return f'{name}@{self.digest}' if digest else f'{name}:{self.tag}'

    def blob_digests(self):
        """Every distinct blob digest of every platform and attestation."""
        return sorted({blob.digest for item in self.platforms + self.attestations for blob in item.blobs})

    def to_dict(self):
        """JSON-able form (used for stand.json)."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class SignedImage:
    """An image pushed upstream with its signatures (``signing.Signature``), each naming the digest it signs."""

    image: SeededImage
    signatures: tuple

    def of(self, kind, subject):
        """The signatures of ``kind`` (sig, att, referrer) made on ``subject`` (a manifest digest)."""
        return [s for s in self.signatures if s.kind == kind and s.subject == subject]
