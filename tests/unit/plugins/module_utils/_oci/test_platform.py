# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import (
    ALL, InvalidPlatform, Platform, attestations, is_attestation, matches, parse_platform, parse_platforms, select_manifests,
)


@pytest.mark.parametrize('text, expected', [
    ('linux/amd64', Platform('linux', 'amd64')),
    ('linux/x86_64', Platform('linux', 'amd64')),
    ('linux/x86-64', Platform('linux', 'amd64')),
    ('Linux/AMD64', Platform('linux', 'amd64')),
    ('linux/amd64/v1', Platform('linux', 'amd64')),
    ('linux/amd64/v3', Platform('linux', 'amd64', 'v3')),
    ('linux/aarch64', Platform('linux', 'arm64')),
    ('linux/arm64', Platform('linux', 'arm64')),
    ('linux/arm64/v8', Platform('linux', 'arm64')),
    ('linux/arm64/8', Platform('linux', 'arm64')),
    ('linux/armhf', Platform('linux', 'arm', 'v7')),
    ('linux/armel', Platform('linux', 'arm', 'v6')),
    ('linux/arm', Platform('linux', 'arm', 'v7')),
    ('linux/arm/7', Platform('linux', 'arm', 'v7')),
    ('linux/arm/v6', Platform('linux', 'arm', 'v6')),
    ('linux/arm/5', Platform('linux', 'arm', 'v5')),
    ('linux/i386', Platform('linux', '386')),
    ('linux/386', Platform('linux', '386')),
    ('linux/ppc64le', Platform('linux', 'ppc64le')),
    ('linux/s390x', Platform('linux', 's390x')),
    ('linux/riscv64', Platform('linux', 'riscv64')),
    ('windows/amd64', Platform('windows', 'amd64')),
    ('macos/arm64', Platform('darwin', 'arm64')),
    ('all', ALL),
    ('ALL', ALL),
])
def test_parse_platform(text, expected):
    assert parse_platform(text) == expected


@pytest.mark.parametrize('platform, text', [
    (Platform('linux', 'amd64'), 'linux/amd64'),
    (Platform('linux', 'arm', 'v7'), 'linux/arm/v7'),
    (ALL, 'all'),
])
def test_platform_str(platform, text):
    assert str(platform) == text


@pytest.mark.parametrize('text, message', [
    ('linux', 'invalid platform "linux": use the form "os/arch[/variant]"'),
    ('amd64', 'invalid platform "amd64": use the form "os/arch[/variant]"'),
    ('linux/arm64/v8/x', 'use the form "os/arch[/variant]"'),
    ('linux/', 'use the form "os/arch[/variant]"'),
    ('linux amd64', 'use the form "os/arch[/variant]"'),
    ('', 'invalid platform "": use the form'),
    ('plan10/amd64', 'invalid platform "plan10/amd64": unknown operating system "plan10" (Go knows aix, android,'),
    ('linux/x86', 'invalid platform "linux/x86": unknown architecture "x86" (Go knows 386, amd64,'),
    (None, 'invalid platform None: expected a string'),
])
def test_parse_platform_rejects(text, message):
    with pytest.raises(InvalidPlatform) as exc:
        parse_platform(text)
    assert message in str(exc.value)


@pytest.mark.parametrize('items, expected', [
    (['linux/arm64', 'linux/aarch64', 'linux/arm64/v8'], (Platform('linux', 'arm64'),)),
    (['linux/amd64', 'linux/arm/v7', 'linux/armhf'], (Platform('linux', 'amd64'), Platform('linux', 'arm', 'v7'))),
    (['all'], (ALL,)),
])
def test_parse_platforms(items, expected):
    assert parse_platforms(items) == expected


@pytest.mark.parametrize('items, message', [
    (['all', 'linux/amd64'], '"all" already selects every platform'),
    ([], 'give a non-empty list'),
    ('linux/amd64', 'give a non-empty list'),
    (['linux/amd64', 'linux/foo'], 'invalid platform "linux/foo"'),
])
def test_parse_platforms_rejects(items, message):
    with pytest.raises(InvalidPlatform) as exc:
        parse_platforms(items)
    assert message in str(exc.value)


def entry(digest, os_name, arch, variant=None, annotations=None):
    platform = {'os': os_name, 'architecture': arch}
    if variant is not None:
        platform['variant'] = variant
    result = {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': digest, 'size': 1, 'platform': platform}
    if annotations:
        result['annotations'] = annotations
    return result


# A buildx-style index: platforms, then attestations.
INDEX = [
    entry('amd64', 'linux', 'amd64'),
    entry('armv6', 'linux', 'arm', 'v6'),
    entry('armv7', 'linux', 'arm', 'v7'),
    entry('arm64v8', 'linux', 'arm64', 'v8'),
    entry('i386', 'linux', '386'),
    entry('ppc64le', 'linux', 'ppc64le'),
    entry('att-amd64', 'unknown', 'unknown', annotations={'vnd.docker.reference.type': 'attestation-manifest'}),
    entry('att-arm64', 'unknown', 'unknown'),
    {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': 'no-platform', 'size': 1},
]
ALL_REAL = ['amd64', 'armv6', 'armv7', 'arm64v8', 'i386', 'ppc64le']


@pytest.mark.parametrize('index, requested, digests, unmatched', [
    (INDEX, ['linux/amd64'], ['amd64'], []),
    (INDEX, ['linux/arm64'], ['arm64v8'], []),
    (INDEX, ['linux/aarch64'], ['arm64v8'], []),
    (INDEX, ['linux/arm'], ['armv7'], []),
    (INDEX, ['linux/armel'], ['armv6'], []),
    (INDEX, ['linux/i386'], ['i386'], []),
    (INDEX, ['windows/amd64'], [], ['windows/amd64']),
    (INDEX, ['linux/s390x', 'linux/amd64', 'linux/arm64'], ['amd64', 'arm64v8'], ['linux/s390x']),
    (INDEX, ['all'], ALL_REAL, []),
    # An exact entry beats one that only matches after normalisation, whatever the index order.
    ([entry('v8', 'linux', 'arm64', 'v8'), entry('plain', 'linux', 'arm64')], ['linux/arm64'], ['plain'], []),
    ([entry('v8', 'linux', 'arm64', 'v8'), entry('plain', 'linux', 'arm64')], ['linux/arm64/v8'], ['plain'], []),
    ([entry('plain', 'linux', 'arm'), entry('v7', 'linux', 'arm', 'v7')], ['linux/arm'], ['v7'], []),
    # An index entry "arm" without variant is arm/v7.
    ([entry('plain', 'linux', 'arm')], ['linux/arm/v7'], ['plain'], []),
    ([entry('plain', 'linux', 'arm')], ['linux/arm/v6'], [], ['linux/arm/v6']),
    ([entry('x86', 'linux', 'x86_64'), entry('amd', 'linux', 'amd64')], ['linux/amd64'], ['amd'], []),
    # First match in index order among equals (e.g. Windows images per OS version).
    ([entry('w1', 'windows', 'amd64'), entry('w2', 'windows', 'amd64')], ['windows/amd64'], ['w1'], []),
    ([entry('w1', 'windows', 'amd64'), entry('w2', 'windows', 'amd64')], ['all'], ['w1', 'w2'], []),
    ([], ['linux/amd64'], [], ['linux/amd64']),
    ([], ['all'], [], []),
])
def test_select_manifests(index, requested, digests, unmatched):
    matched, missing = select_manifests(index, parse_platforms(requested))
    assert [item['digest'] for _platform, item in matched] == digests
    assert [str(platform) for platform in missing] == unmatched


def test_select_manifests_pairs_request_with_entry():
    matched, _missing = select_manifests(INDEX, (Platform('linux', 'arm', 'v7'), ALL))
    assert matched[0][0] == Platform('linux', 'amd64')  # ALL: the entry's own platform
    matched, _missing = select_manifests(INDEX, parse_platforms(['linux/armhf']))
    assert matched == [(Platform('linux', 'arm', 'v7'), INDEX[2])]


@pytest.mark.parametrize('item, expected', [
    (INDEX[0], False),
    (INDEX[6], True),
    (INDEX[7], True),
    (entry('a', 'linux', 'amd64', annotations={'vnd.docker.reference.type': 'attestation-manifest'}), True),
    (entry('a', 'linux', 'amd64', annotations={'org.opencontainers.image.title': 'x'}), False),
])
def test_is_attestation(item, expected):
    assert is_attestation(item) is expected


@pytest.mark.parametrize('platform, data, expected', [
    ('linux/arm64', {'os': 'linux', 'architecture': 'arm64', 'variant': 'v8'}, True),
    ('linux/arm64', {'os': 'linux', 'architecture': 'arm64'}, True),
    ('linux/arm/v7', {'os': 'linux', 'architecture': 'arm'}, True),
    ('linux/amd64', {'os': 'linux', 'architecture': 'arm64'}, False),
    ('linux/amd64', {'os': 'windows', 'architecture': 'amd64'}, False),
    ('linux/amd64', {'architecture': 'amd64'}, False),
    ('all', {'os': 'linux', 'architecture': 's390x'}, True),
])
def test_matches_image_config(platform, data, expected):
    assert matches(parse_platform(platform), data) is expected


def test_attestations_map_each_platform_manifest_to_its_attestation():
    """buildx attestation entries name the platform manifest they describe; runnable entries and odd ones are not."""
    entries = [
        {'digest': 'sha256:a', 'platform': {'os': 'linux', 'architecture': 'amd64'}},
        {'digest': 'sha256:b', 'platform': {'os': 'linux', 'architecture': 'arm64'}},
        {'digest': 'sha256:pa', 'platform': {'os': 'unknown', 'architecture': 'unknown'},
         'annotations': {'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': 'sha256:a'}},
        {'digest': 'sha256:other', 'platform': {'os': 'linux', 'architecture': 'arm'},
         'annotations': {'vnd.docker.reference.digest': 'sha256:b'}},  # not an attestation: ignored
        'not a descriptor',
    ]
    assert attestations(entries) == {'sha256:a': 'sha256:pa'}
