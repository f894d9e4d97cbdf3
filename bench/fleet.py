# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's images, and what a complete warm of them must fetch.

Every image of a fleet has the same shape, so 10, 30 and 100 images differ only in count: image n is built
FROM one of a few OS bases (n % os_bases) with a runtime layer on top (n % runtimes, always over the same OS),
plus one layer of its own per platform. That is how a real fleet shares bytes.
"""

from __future__ import annotations

import dataclasses

MB = 1 << 20


@dataclasses.dataclass(frozen=True)
class Shape:
    """Per-image shape: shared layers (the same blob for every image using them and for both platforms) and own layers."""

    platforms: tuple = ('linux/amd64', 'linux/arm64')
    os_bases: int = 3
    os_bytes: int = 20 * MB
    runtimes: int = 6
    runtime_bytes: int = 10 * MB
    own_bytes: int = 3 * MB  # per image and platform


@dataclasses.dataclass(frozen=True)
class Fetch:
    """One (repository, manifest or blob) a complete warm reads through the proxy."""

    repository: str
    kind: str  # 'manifests' or 'blobs'
    reference: str
    size: int


def push_fleet(stand, count, shape, prefix='bench/app'):
    """Push ``<prefix>-NNN:1.0`` for n < count upstream; return their SeededImages in order."""
    bases = [stand.layer(f'os-{i}', shape.os_bytes, prefix) for i in range(shape.os_bases)]
    runtimes = [stand.layer(f'runtime-{i}', shape.runtime_bytes, prefix) for i in range(shape.runtimes)]
    images = []
    for n in range(count):
        runtime = n % shape.runtimes
        layers = (bases[runtime % shape.os_bases], runtimes[runtime])
        images.append(stand.push_image(f'{prefix}-{n:03d}', '1.0', platforms=shape.platforms, fmt='oci',
                                       base_layers=layers, layer_bytes=shape.own_bytes))
    return images


def push_tiny(stand, count, prefix='bench/tiny'):
    """Single-platform images of one 1 KiB layer: warming them is nothing but fixed cost."""
    return [stand.push_image(f'{prefix}-{n:03d}', '1.0', fmt='oci', layer_bytes=1024) for n in range(count)]


def references(images):
    """``repository:tag`` of each image."""
    return [f'{image.repository}:{image.tag}' for image in images]


def needed(images):
    """Every Fetch a complete warm needs: the tag, each platform's manifest, each blob once per repository."""
    fetches = []
    for image in images:
        fetches.append(Fetch(image.repository, 'manifests', image.tag, image.size))
        seen = set()
        for platform in image.platforms:
            if image.is_index:
                fetches.append(Fetch(image.repository, 'manifests', platform.digest, platform.size))
            for blob in platform.blobs:
                if blob.digest not in seen:
                    seen.add(blob.digest)
                    fetches.append(Fetch(image.repository, 'blobs', blob.digest, blob.size))
    return fetches


def unique_blob_bytes(images):
    """Bytes of the distinct blobs (what upstream stores once)."""
    sizes = {blob.digest: blob.size for image in images for platform in image.platforms for blob in platform.blobs}
    return sum(sizes.values())


def describe(images):
    """Counts and bytes of a set of images, for the report."""
    fetches = needed(images)
    return {
        'images': len(images),
        'platforms': sum(len(image.platforms) for image in images),
        'unique_blob_bytes': unique_blob_bytes(images),
        'needed_requests': len(fetches),
        'needed_bytes': sum(fetch.size for fetch in fetches),
    }
