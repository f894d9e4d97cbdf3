# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import (
    DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, ManifestError, parse_manifest,
)

CONFIG = {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': 'sha256:' + 'c' * 64, 'size': 10}
LAYER = {'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest': 'sha256:' + 'a' * 64, 'size': 20}
FOREIGN = {'mediaType': 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'digest': 'sha256:' + 'f' * 64, 'size': 30,
           'urls': ['https://example.invalid/layer']}


def raw(document):
    return json.dumps(document).encode('utf-8')


def digest(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize('document, content_type, expected', [
    ({'schemaVersion': 2, 'mediaType': OCI_INDEX, 'manifests': []}, None, OCI_INDEX),
    ({'schemaVersion': 2, 'mediaType': DOCKER_LIST, 'manifests': []}, None, DOCKER_LIST),
    ({'schemaVersion': 2, 'mediaType': DOCKER_MANIFEST, 'config': CONFIG, 'layers': [LAYER]}, None, DOCKER_MANIFEST),
    ({'schemaVersion': 2, 'config': CONFIG, 'layers': [LAYER]}, OCI_MANIFEST, OCI_MANIFEST),
    ({'schemaVersion': 2, 'config': CONFIG, 'layers': [LAYER]}, 'application/octet-stream', OCI_MANIFEST),
    ({'schemaVersion': 2, 'manifests': []}, None, OCI_INDEX),
    ({'schemaVersion': 2, 'manifests': []}, DOCKER_LIST + '; charset=utf-8', DOCKER_LIST),
])
def test_media_type_from_document_content_type_or_shape(document, content_type, expected):
    assert parse_manifest(raw(document), content_type).media_type == expected


def test_digest_is_computed_and_checked_against_the_request():
    data = raw({'schemaVersion': 2, 'mediaType': OCI_MANIFEST, 'config': CONFIG, 'layers': [LAYER]})
    assert parse_manifest(data, None).digest == digest(data)
    assert parse_manifest(data, None, digest(data)).digest == digest(data)
    with pytest.raises(ManifestError, match='not the sha256:0+ that was asked for'):
        parse_manifest(data, None, 'sha256:' + '0' * 64)


def test_blobs_are_config_then_layers_without_foreign_layers():
    manifest = parse_manifest(raw({'schemaVersion': 2, 'mediaType': DOCKER_MANIFEST, 'config': CONFIG,
                                   'layers': [LAYER, FOREIGN]}), None)
    assert [blob.digest for blob in manifest.blobs] == [CONFIG['digest'], LAYER['digest']]
    assert not manifest.is_index


@pytest.mark.parametrize('data, content_type, message', [
    (raw({'schemaVersion': 1, 'name': 'a', 'fsLayers': []}), None, 'schema1'),
    (raw({'schemaVersion': 2, 'name': 'a'}), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'schema1'),
    (b'{not json', None, 'malformed manifest JSON'),
    (b'[1, 2]', None, 'a JSON object was expected'),
    (raw({'schemaVersion': 2, 'mediaType': 'application/vnd.example+json'}), None, 'unsupported manifest type'),
])
def test_unusable_manifests_are_refused_clearly(data, content_type, message):
    with pytest.raises(ManifestError, match=message):
        parse_manifest(data, content_type)


def test_descriptor_without_size_is_refused():
    manifest = parse_manifest(raw({'schemaVersion': 2, 'mediaType': OCI_MANIFEST, 'config': {'digest': CONFIG['digest']},
                                   'layers': []}), None)
    with pytest.raises(ManifestError, match='config descriptor without digest or size'):
        manifest.blobs  # pylint: disable=pointless-statement  # noqa: B018
