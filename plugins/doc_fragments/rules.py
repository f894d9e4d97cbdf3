# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules that map an image reference to its manifest on a proxy cache: HarborProxyCachePopulator's."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  proxy_caches:
    description:
      - The rules, tried in order; the first whose O(proxy_caches[].regex_url) matches the image wins.
      - Mutually exclusive with O(config_file). One of the two is required.
    type: list
    elements: dict
    suboptions:
      regex_url:
        description:
          - A Go RE2 regular expression matched against the image reference. Constructs RE2 does not have
            (backreferences, lookaround) are rejected.
        type: str
        required: true
      replacement_oci:
        description:
          - The manifest URL on the cache, expanded like Go C(regexp.ReplaceAllString)
            (V($1), V(${1}), V($name), V(${name}), V($$); V($1x) names the group C(1x), write V(${1}x)).
          - Must look like C(https://host/v2/<repository>/manifests/<tag-or-digest>).
        type: str
        required: true
      replacement_arch:
        description:
          - The URL of a platform's manifest, ending in C(ARCHDIGEST), which is replaced by that platform's digest.
          - Omitted, it is derived from O(proxy_caches[].replacement_oci). The empty string warms the index only,
            as in HarborProxyCachePopulator (no platform manifest, no blob).
        type: str
      target_os:
        description: Operating system of the platform to warm when O(proxy_caches[].platforms) is not set.
        type: str
        default: linux
      target_arch:
        description: Architecture of the platform to warm (V(amd64), V(arm64), V(arm), ...).
        type: str
        default: amd64
      target_variant:
        description: CPU variant (V(v7) for V(arm)). V(arm64) and V(arm64/v8) are the same platform.
        type: str
      platforms:
        description:
          - Platforms as C(os/arch[/variant]), for example V(linux/amd64) or V(linux/arm/v7), or V([all]) for every
            real platform of an index (attestation entries are never platforms). Overrides the C(target_*) keys.
        type: list
        elements: str
      application_registry:
        description:
          - Whether this rule's images are looked for where the Pods pull them (see O(application_registry)).
            V(true) always; V(false) never (no request and no credential goes to the registries its references
            name, and nothing is delivered); unset, as O(application_registry.verify) says.
          - Set V(false) on rules whose references name public registries (C(quay.io), C(ghcr.io)) in a call that
            verifies another rule's application registry. In a configuration file the key is C(applicationRegistry).
        type: bool
        version_added: 1.1.0
      replacement_upstream:
        description:
          - The image's manifest URL at the registry the proxy project proxies, expanded like
            O(proxy_caches[].replacement_oci), for example V(https://quay.io/v2/$2/manifests/$3). Only its scheme, host
            and repository are used, to list the image's OCI 1.1 referrers there (O(signatures=[referrers])), because Harbor's
            referrers API answers from its own database and never asks upstream.
          - Never guessed, so that no request goes to a registry (Docker Hub's rate limits) by accident. Its credentials
            are O(upstream_username), else the auth file's entry for its host, else none. In a configuration file the key
            is C(replacementUpstream).
        type: str
        version_added: 1.1.0
  config_file:
    description:
      - HarborProxyCachePopulator's YAML configuration file, used unchanged (C(maxNumberOfParallelJobs), C(proxyCaches) with
        C(regexURL), C(replacementOCI), C(replacementArch), C(targetArch), C(targetOS)); a rule may also say
        C(applicationRegistry) and C(replacementUpstream), this collection's own keys (see
        O(proxy_caches[].application_registry), O(proxy_caches[].replacement_upstream)).
    type: path
  platforms:
    description:
      - Platforms for every rule, overriding the rules' own C(platforms) and C(target_*) keys.
    type: list
    elements: str
'''
