# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signatures warmed with each image, for clusters that verify them at admission."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  signatures:
    description:
      - The signatures warmed with each image, for every digest a node or a verifier resolves (the reference's own,
        and each selected platform's), so that admission (Kyverno C(verifyImages), Sigstore policy-controller, Ratify,
        Notation) still finds them with upstream down.
      - V(sig) is cosign's signature tag C(sha256-<hex>.sig) and V(att) its attestation tag C(sha256-<hex>.att), each
        asked with a HEAD through the cache and, if it exists, fetched with its blobs. V(referrers) are OCI 1.1
        referrers (cosign v3 bundles, Notation), listed at upstream (O(proxy_caches[].replacement_upstream), required
        then) and each fetched by digest through the cache with its blobs; through a plain distribution proxy, which
        has no referrers API, OCI 1.1's fallback tag C(sha256-<hex>) too, which verifiers read there.
      - The default V([sig]) is what cosign v2 and Kyverno C(verifyImages) fetch. It costs an unsigned image one HEAD
        (a 404) per digest, and a signed image its small signature manifest and two small blobs; a missing signature
        costs a verifying cluster the Pod, at the moment upstream is down. V([]) warms no signature.
      - An image is V(cached) only when the cache has committed every signature found, and O(wait_for_commit) waits
        for them too. A signature that cannot be asked or fetched fails alone, with a warning
        (RV(images[].signatures[].status)).
      - A signature made on an upstream index digest is warmed, but reported with RV(images[].signatures[].note), since it
        cannot verify offline through Harbor, which stores the index under its own digest. So are referrers on Harbor
        before v2.10, whose referrers API answers with JSON (v2.8, v2.9) or is missing, so that verifiers read the
        fallback tag, which is not warmed through Harbor.
    type: list
    elements: str
    choices: [sig, att, referrers]
    default: [sig]
    version_added: 1.1.0
  upstream_username:
    description:
      - User for the upstream registries that O(proxy_caches[].replacement_upstream) names (only referrers are listed
        there). Falls back to E(PREWARM_UPSTREAM_USERNAME). Without it, the auth file's entry for the host is used,
        else none; the cache's credentials are never sent there.
    type: str
    version_added: 1.1.0
  upstream_password:
    description: Its password or token; falls back to E(PREWARM_UPSTREAM_PASSWORD).
    type: str
    version_added: 1.1.0
'''
