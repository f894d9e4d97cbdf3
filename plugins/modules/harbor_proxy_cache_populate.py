#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: harbor_proxy_cache_populate
short_description: Pre-warm Harbor proxy-cache projects (or any pull-through registry cache) with images
version_added: 1.0.0
description:
  - Maps each image reference (as written in Kubernetes manifests, for example an ECR replica of a Harbor project)
    to a manifest URL on a proxy cache with regex rules, then pulls the image through that cache for the selected
    platforms. It reads the manifest or index, each platform's manifest, and every config and layer blob to the end,
    verifies them (sha256 and size), and writes nothing to disk.
  - Afterwards nodes pull the image from the cache without waiting on upstream or hitting its rate limits.
  - Replaces the HarborProxyCachePopulator Go plugin; its configuration file works unchanged through O(config_file),
    and its C(hUSER)/C(hPW) environment variables are still read.
  - Each image is reported on its own; one bad image never stops the others.
author:
  - prewarm.harbor contributors (@prewarm-harbor)
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - With a local connection, no C(become), no C(async), no task C(environment) and the controller's own Python (or
        interpreter discovery), the module's code runs inside Ansible's worker process instead of a new Python
        process; that saves about half a CPU-second per call. Options are validated and results returned the same way.
      - Otherwise (another host, another interpreter, an environment to apply) the module runs as a normal module.
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the cache.
    support: full
    details:
      - Rules are applied and URLs and platforms reported with status C(would_warm); the cache is not changed.
      - Against a plain distribution proxy no registry request is sent at all, because such a proxy stores a manifest
        even on HEAD. Only the flavor probe C(GET /api/v2.0/ping) is sent when O(cache_flavor=auto).
      - Against Harbor the manifest is checked with HEAD, which Harbor answers from upstream without storing anything.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: partial
    details:
      - On Harbor, a second run finds every blob local (HEAD on a blob is answered from Harbor's storage only) and
        reports C(cached) with C(changed=false) without reading any blob.
      - A plain distribution proxy cannot tell what it holds, so every run reads the images and reports C(changed=true).
options:
  image:
    description:
      - One image reference, for example V(123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16)
        or a reference with C(@sha256:...).
      - Exactly one of O(image) and O(images) is required.
    type: str
  images:
    description:
      - Several image references, warmed with O(max_parallel_jobs) in flight. Duplicates are warmed once and reported
        once per entry, in input order.
    type: list
    elements: str
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
            as in the seed plugin (no platform manifest, no blob).
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
  config_file:
    description:
      - The seed plugin's YAML configuration file, used unchanged (C(maxNumberOfParallelJobs), C(proxyCaches) with
        C(regexURL), C(replacementOCI), C(replacementArch), C(targetArch), C(targetOS)).
    type: path
  platforms:
    description:
      - Platforms for every rule, overriding the rules' own C(platforms) and C(target_*) keys.
    type: list
    elements: str
  username:
    description:
      - User for the cache, for example a Harbor robot account V(robot$pull). Falls back to the environment variables
        E(HARBOR_USERNAME), then E(hUSER).
    type: str
  password:
    description:
      - Password or robot secret. Falls back to E(HARBOR_PASSWORD), then E(hPW). Never logged or returned.
    type: str
  auth_file:
    description:
      - A Docker C(config.json) or containers C(auth.json) to take credentials from when no O(username) is given.
      - Defaults to E(REGISTRY_AUTH_FILE), else C($DOCKER_CONFIG/config.json), else C(~/.docker/config.json), when it exists.
      - Without any credentials pulls are anonymous (a public Harbor project).
    type: path
  allow_plain_http_credentials:
    description:
      - Send credentials over plain C(http://) to a host that is not a loopback address. Off by default, because
        anyone on the path could read them.
    type: bool
    default: false
  pull_blobs:
    description:
      - Read every blob (config and layers) of every selected platform to the end and verify it.
      - When false only manifests are read (on Harbor, blobs are still checked with HEAD to report C(cached)); Harbor
        then fetches the blobs itself, minutes later.
    type: bool
    default: true
  max_parallel_jobs:
    description:
      - Images in flight at once within one call; blob reads share one pool of this many threads, and at most this
        many connections are opened per host.
      - Defaults to the config file's C(maxNumberOfParallelJobs), else V(2).
    type: int
  cache_flavor:
    description:
      - V(harbor) uses Harbor's local-only blob HEAD to skip what is cached and report C(changed) truthfully.
      - V(distribution) treats the cache as a plain pull-through registry, which cannot tell what it holds.
      - V(auto) asks C(GET /api/v2.0/ping) on the cache host.
    type: str
    choices: [auto, harbor, distribution]
    default: auto
  validate_certs:
    description: Verify the cache's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A PEM file of CA certificates to verify the cache with, instead of the system's.
    type: path
  timeout:
    description: Seconds to wait to connect and between bytes read.
    type: int
    default: 60
  retries:
    description:
      - Retries of a request on 429, 5xx, a broken connection, a body cut short or a digest mismatch, with a backoff
        that honours C(Retry-After).
    type: int
    default: 3
  fail_on_error:
    description: Fail the task when an image failed. Every image is reported either way.
    type: bool
    default: true
notes:
  - "With O(cache_flavor=harbor), a blob whose HEAD says it is local is not read, and an image whose blobs are all local is
    C(cached) with C(changed=false). On a plain distribution proxy every image is read and reported C(warmed)."
  - On Harbor a tag is asked for as containerd does, with HEAD by tag and then the index by digest, because Harbor never
    tags an index fetched by tag; it ties the tag once it has stored the index. A single-platform image is fetched by tag.
  - Harbor stores what it proxied in background jobs, 20 s or more after the pull, and an index only once every child it
    lists is stored (else after 400 s, trimmed to the children stored by then, under another digest). So on Harbor each
    selected platform's attestation manifest is read too (it is small); with every platform selected (V([all])) the
    index is stored whole within a few store intervals. Platforms not selected are never stored by Harbor.
  - A distribution proxy links a blob only into the repository it was read through, so a layer two repositories
    share is read once per repository; within a repository once per call; never twice at once.
  - A blob counts as read once the cache holds it, not when its last byte arrived. Until then a cache serves the same
    digest to another repository without storing it, so a digest stays locked (across processes on this host, which
    covers the companion playbook) until HEAD shows it stored. A plain proxy shows that with C(Accept-Ranges), which
    it sends only when serving from its storage.
requirements:
  - requests
  - PyYAML (for O(config_file))
seealso:
  - name: Harbor proxy cache
    description: How Harbor proxy-cache projects work.
    link: https://goharbor.io/docs/main/administration/configure-proxy-cache/
'''

EXAMPLES = r'''
- name: Warm the images of a release through Harbor's Docker Hub proxy project
  prewarm.harbor.harbor_proxy_cache_populate:
    images:
      - 123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16
      - 123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/bitnami/redis:7.2
    proxy_caches:
      - regex_url: '^.*amazonaws.com/(proxy_[^:/]+)/([^:]+):(.+$)'
        replacement_oci: 'https://harbor.example.com/v2/$1/$2/manifests/$3'
        platforms: [linux/amd64, linux/arm64]
    username: robot$prewarm
    password: "{{ harbor_robot_secret }}"
    max_parallel_jobs: 4

- name: Keep the seed plugin's configuration file (credentials from hUSER/hPW or HARBOR_USERNAME/HARBOR_PASSWORD)
  prewarm.harbor.harbor_proxy_cache_populate:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16
    config_file: /etc/prewarm/harbor-proxy-cache-populator.yaml

- name: Dry run, reporting which rule and URL each image would use
  prewarm.harbor.harbor_proxy_cache_populate:
    images: "{{ release_images }}"
    config_file: harbor-proxy-cache-populator.yaml
  check_mode: true
  register: plan

- name: Warm every platform, report failures without failing the play
  prewarm.harbor.harbor_proxy_cache_populate:
    images: "{{ release_images }}"
    proxy_caches:
      - regex_url: '^ghcr\.io/(.+):(.+)$'
        replacement_oci: 'https://harbor.example.com/v2/proxy_ghcr/$1/manifests/$2'
        platforms: [all]
    ca_path: /etc/pki/harbor-ca.pem
    fail_on_error: false
  register: warm
'''

RETURN = r'''
images:
  description: One entry per input image, in input order.
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: The reference as given.
      type: str
      sample: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16
    status:
      description:
        - V(warmed) the cache was missing something (or cannot tell) and now holds the image;
          V(cached) Harbor held everything already; V(would_warm) check mode; V(unmatched) no rule matched;
          V(failed) see RV(images[].msg).
      type: str
      sample: warmed
    changed:
      description: Whether the cache was (or in check mode would be) changed for this image.
      type: bool
    rule:
      description: Index of the rule that matched, or null.
      type: int
      sample: 0
    manifest_url:
      description: The manifest URL the rule produced.
      type: str
      sample: https://harbor.example.com/v2/proxy_hub/library/alpine/manifests/3.16
    digest:
      description: Digest of the manifest or index the reference points to.
      type: str
      sample: sha256:1304f174557314a7ed9eddb4eab12fed12cb0cd9809e4c28f29af86979a3c870
    media_type:
      description: Media type of that manifest or index.
      type: str
      returned: when the manifest was read
    platforms:
      description: The platforms warmed (in check mode, the platforms that would be).
      type: list
      elements: dict
      contains:
        platform:
          description: C(os/arch[/variant]).
          type: str
          sample: linux/arm64
        digest:
          description: The platform manifest's digest.
          type: str
        blobs:
          description: Number of blobs (config and layers).
          type: int
        bytes:
          description: Their total size.
          type: int
        bytes_pulled:
          description: Bytes read over the network for this platform and its attestation (0 when all were cached).
          type: int
        blobs_pulled:
          description: Blobs read for this platform and its attestation.
          type: int
        attestation:
          description:
            - Digest of the platform's buildx attestation manifest, read with its blobs so that Harbor can store the
              index (it waits for every child it lists).
          type: str
          returned: on Harbor, when the index lists an attestation for the platform
    retries:
      description: Requests retried for this image (429, 5xx, broken connections, bodies cut short, bad digests).
      type: int
    msg:
      description: Why the image failed or matched no rule.
      type: str
      returned: when failed or unmatched
    seconds:
      description: Time spent on this image.
      type: float
summary:
  description: Counts per status, and what the call pulled (each blob read counted once).
  returned: always
  type: dict
  sample:
    warmed: 3
    cached: 1
    would_warm: 0
    unmatched: 1
    failed: 0
    images: 5
    bytes_pulled: 31457280
    blobs_pulled: 12
    seconds: 4.2
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import SPEC
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import outcome
from ansible_collections.prewarm.harbor.plugins.module_utils._registry import REQUESTS_IMPORT_ERROR


def main():
    module = AnsibleModule(supports_check_mode=True, **SPEC)
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    result = outcome(module.params, module.check_mode)
    for warning in result.pop('warnings', ()):
        module.warn(warning)
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
