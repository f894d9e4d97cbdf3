# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trimmed index Harbor pushes: the kept children re-serialised by distribution v2.8.2 (docs/harbor.md 2.6 step 3).

``manifestlist.FromDescriptors``: ``json.MarshalIndent`` with a 3-space indent, no trailing newline, Go's HTML
escaping; top level ``schemaVersion``, ``mediaType``, ``manifests`` (index annotations, artifactType and subject
dropped); each entry ``mediaType``, ``size``, ``digest``, ``urls``, ``annotations`` (each omitted when empty, map
keys sorted), then an always-present ``platform``. The OCI index type is chosen when the first kept child is an OCI
manifest, else the Docker list type, whatever the original was.
"""

import hashlib
import json

OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
LIST_TYPES = (OCI_INDEX, DOCKER_LIST)

_PLATFORM_FIELDS = ('os.version', 'os.features', 'variant', 'features')  # after architecture and os, when set
# encoding/json escapes these inside strings (HTMLEscape, and the JavaScript line separators).
_GO_ESCAPES = {'<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029'}


def _entry(descriptor):
    entry = {}
    for field in ('mediaType', 'size', 'digest', 'urls'):
        if descriptor.get(field):
            entry[field] = descriptor[field]
    if descriptor.get('annotations'):
        entry['annotations'] = dict(sorted(descriptor['annotations'].items()))
    given = descriptor.get('platform') or {}
    platform = {'architecture': given.get('architecture', ''), 'os': given.get('os', '')}
    platform.update((field, given[field]) for field in _PLATFORM_FIELDS if given.get(field))
    entry['platform'] = platform
    return entry


def go_json(document):
    """``json.MarshalIndent(document, "", "   ")`` as Go writes it."""
    text = json.dumps(document, indent=3, ensure_ascii=False)
    return ''.join(_GO_ESCAPES.get(char, char) for char in text).encode('utf-8')


def trimmed_index(kept):
    """(payload, media type, digest) of the index Harbor pushes for the kept child descriptors."""
    media_type = OCI_INDEX if kept and kept[0].get('mediaType') == OCI_MANIFEST else DOCKER_LIST
    payload = go_json({'schemaVersion': 2, 'mediaType': media_type, 'manifests': [_entry(child) for child in kept]})
    return payload, media_type, 'sha256:' + hashlib.sha256(payload).hexdigest()
