# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The images every stand starts with (keys of ``Stand.images``; all tagged ``1.0``)."""

SHARED_BASE_LABEL = 'shared-base'
LARGE = ('large', 'library/large')

# key: (repository, push_image keyword arguments)
SEEDED = {
    # OCI index: three platforms with two distinct layers each, plus a buildx attestation per platform.
    'oci_index': ('library/multi', {'platforms': ('linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'), 'fmt': 'oci',
                                    'own_layers': 2, 'attestations': True, 'layer_bytes': 32 * 1024}),
    # Docker manifest list; arm64 without variant on purpose (arm64, arm64/v8 and none are one platform).
    'manifest_list': ('library/dockerlist', {'platforms': ('linux/amd64', 'linux/arm64'), 'fmt': 'docker'}),
    'schema2': ('library/schema2', {'fmt': 'docker'}),
    # Single OCI manifest without the optional "mediaType" field: clients must go by Content-Type.
    'oci': ('library/oci', {'fmt': 'oci', 'omit_media_type': True}),
    # Two repositories sharing their base layer blob.
    'shared_one': ('team/app-one', {'fmt': 'docker', 'shared_base': True}),
    'shared_two': ('team/app-two', {'fmt': 'oci', 'shared_base': True}),
}


def seed(builder, large_layer_bytes=0):
    """Push the seeded set (and the large image when ``large_layer_bytes`` > 0); return {key: SeededImage}."""
    base = builder.layer(SHARED_BASE_LABEL, payload_bytes=64 * 1024)
    images = {}
    for key, (repository, options) in SEEDED.items():
        options = dict(options)
        if options.pop('shared_base', False):
            options['base_layers'] = (base,)
        images[key] = builder.push_image(repository, '1.0', **options)
    if large_layer_bytes:
        images[LARGE[0]] = builder.push_image(LARGE[1], '1.0', fmt='oci', layer_bytes=large_layer_bytes)
    return images
