# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The signatures a verifier finds for a manifest digest: cosign's tags, and OCI 1.1 referrers.

cosign's tag scheme names a signature after what it signs: ``sha256-<hex>.sig`` (``.att`` for an attestation).
OCI 1.1 referrers are listed by the registry's referrers API; a registry without one (distribution v2.8, Harbor's
own registry) answers 404, and clients that push there keep an OCI index under the fallback tag ``sha256-<hex>``
instead. Harbor v2.8 and v2.9 answer the API with ``application/json`` rather than an index, and verifiers then use
the fallback tag too (docs/harbor.md 12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import MAX_MANIFEST_BYTES, OCI_INDEX, ManifestError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, Tally, check_status, media_type_of


@dataclass(frozen=True)
class Referrer:
    """One entry of a referrers index: the referrer manifest, found by its digest."""

    digest: str
    media_type: str
    size: int
    artifact_type: str


def signature_tag(digest: str, kind: str = '') -> str:
    """cosign's tag for a signature (``kind`` sig) or attestation (att) of ``digest``; no kind: OCI 1.1's fallback tag."""
    algorithm, _sep, hexdigest = digest.partition(':')
    return '%s-%s%s' % (algorithm, hexdigest, '.' + kind if kind else '')


def list_referrers(registry: Registry, repo: Repository, digest: str, tally: Tally | None = None) -> list[Referrer]:
    """The referrers of ``digest`` in ``repo``: from the referrers API, else from the fallback tag; [] when neither
    lists any."""
    where = 'referrers of %s in %s' % (digest, repo.name)
    response = registry.request('GET', repo.referrers_url(digest), repo.scope, tally, headers={'Accept': OCI_INDEX}, stream=True)
    with response:
        if response.status_code == 200 and media_type_of(response) == OCI_INDEX:
            return _parse(response, where)
        if response.status_code not in (200, 404):
            check_status(response, where)
    fallback = repo.manifest_url(signature_tag(digest))
    where = 'the referrers tag %s in %s' % (signature_tag(digest), repo.name)
    response = registry.request('GET', fallback, repo.scope, tally, headers={'Accept': OCI_INDEX}, stream=True)
    with response:
        if response.status_code == 404:
            return []
        check_status(response, where)
        return _parse(response, where)


def _parse(response: Any, where: str) -> list[Referrer]:
    """The referrers an OCI index lists, read from ``response`` (at most a manifest's size)."""
    raw = response.raw.read(MAX_MANIFEST_BYTES + 1, decode_content=True)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError('%s: larger than %d bytes, refused' % (where, MAX_MANIFEST_BYTES))
    try:
        document = json.loads(raw)
        entries = document['manifests'] if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ValueError('no "manifests" list')
        return [Referrer(str(entry['digest']), str(entry.get('mediaType') or ''), int(entry['size']),
                         str(entry.get('artifactType') or '')) for entry in entries]
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError('%s is not an OCI index (%s): the registry serves a broken referrers list' % (where, exc)) from exc
