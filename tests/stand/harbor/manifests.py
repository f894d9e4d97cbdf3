# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing a manifest the way Harbor's docker/distribution v2.8.2 does (``UnmarshalManifest`` by Content-Type).

Harbor picks the parser by the upstream response's Content-Type; a media type without a parser goes to schema1,
which fails on anything else (so the request falls back to local). The parsers refuse a ``mediaType`` field that
contradicts the type (an OCI document may leave it out; Docker's must carry it).
"""

import json

from .trim import DOCKER_LIST, LIST_TYPES, OCI_INDEX, OCI_MANIFEST

DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
IMAGE_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
_OPTIONAL_MEDIA_TYPE = (OCI_MANIFEST, OCI_INDEX)


class ParseError(ValueError):
    """distribution could not unmarshal the manifest."""


class Parsed:
    """A parsed manifest: ``media_type`` is what Harbor reports (``Payload()``); ``references`` the blobs it needs."""

    def __init__(self, content_type, payload):
        media_type = content_type.split(';')[0].strip()
        if media_type not in LIST_TYPES + IMAGE_TYPES:
            raise ParseError(f'no parser for {media_type or "an empty Content-Type"} (schema1 default fails)')
        try:
            self.document = json.loads(payload)
        except ValueError as exc:
            raise ParseError(f'invalid JSON: {exc}') from exc
        if not isinstance(self.document, dict):
            raise ParseError('manifest is not a JSON object')
        field = self.document.get('mediaType', '')
        if field != media_type and (field or media_type not in _OPTIONAL_MEDIA_TYPE):
            raise ParseError(f'mediaType {field!r} in a {media_type} manifest')
        self.is_list = media_type in LIST_TYPES
        # An index reports its own JSON field (possibly empty); image manifests their constant type.
        self.media_type = field if self.is_list else media_type

    @property
    def children(self):
        """The descriptors of an index."""
        return list(self.document.get('manifests') or [])

    @property
    def references(self):
        """Config, then layers (``References()``); a subject is not among them."""
        config = self.document.get('config') or {}
        return [config.get('digest', '')] + [layer.get('digest', '') for layer in self.document.get('layers') or []]

    @property
    def config_media_type(self):
        """The config's media type (the API's ``media_type`` of an image), or the manifest's for an index."""
        return self.media_type if self.is_list else (self.document.get('config') or {}).get('mediaType', '')


__all__ = ['DOCKER_LIST', 'DOCKER_MANIFEST', 'IMAGE_TYPES', 'LIST_TYPES', 'OCI_INDEX', 'OCI_MANIFEST', 'Parsed', 'ParseError']
