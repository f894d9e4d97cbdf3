# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing a digest's referrers on the real registries of the stand: Debian's distribution 2.8 (no referrers API:
the fallback tag) as upstream, and the emulated Harbor (its API, answered from what it stored)."""

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.referrers import list_referrers
from ansible_collections.prewarm.harbor.tests.stand import signing
from ansible_collections.prewarm.harbor.tests.stand.pull_client import Client


def registry():
    return Registry(lambda origin: None, Connection(timeout=10, retries=1))


def test_upstream_without_a_referrers_api_lists_them_through_the_fallback_tag(stand):
    signed = stand.push_signed_image('referrers/listed', '1.0', kinds=(), referrer=signing.NOTATION,
                                     platforms=('linux/amd64', 'linux/arm64'))
    upstream = Repository(stand.upstream_url, 'referrers/listed')
    for platform in signed.image.platforms:
        [made] = signed.of('referrer', platform.digest)
        found = list_referrers(registry(), upstream, platform.digest)
        assert [(r.digest, r.size, r.artifact_type) for r in found] == [(made.digest, made.size, signing.NOTATION)]
    assert list_referrers(registry(), upstream, signed.image.digest) == []  # the index itself has none


def test_harbor_lists_what_it_stored_through_its_api(stand):
    signed = stand.push_signed_image('referrers/in-harbor', '1.0', kinds=(), referrer=signing.BUNDLE)
    repository = f'{stand.public_project}/referrers/in-harbor'
    image = signed.image.platforms[0]
    [made] = signed.of('referrer', image.digest)
    harbor = Repository(stand.harbor_url, repository)
    assert list_referrers(registry(), harbor, image.digest) == []  # upstream has one; Harbor never asks it
    Client(stand, repository).read(made.digest, made.blobs)
    assert stand.harbor_quiesce(60)
    assert [r.digest for r in list_referrers(registry(), harbor, image.digest)] == [made.digest]
