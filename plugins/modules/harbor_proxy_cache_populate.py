#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

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
extends_documentation_fragment:
  - prewarm.harbor.rules
  - prewarm.harbor.registry
  - prewarm.harbor.harbor
  - prewarm.harbor.signatures
  - prewarm.harbor.application_registry
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
      - Against Harbor the manifest is checked with HEAD and Harbor's artifacts API tells what it has committed. Each
        platform is reported V(cached) or V(would_warm) (RV(images[].platforms[].status)), and an image whose selected
        platforms are all committed is V(cached) with C(changed=false). Harbor answers the HEAD from upstream and stores
        nothing; by tag, it starts its EnsureTag job, which for 10 minutes only ties the tag to what Harbor already
        stored. The API is Harbor's database only. No manifest or blob is fetched.
      - With O(signatures), each signature of the digests known (the reference's, and each platform Harbor has
        committed) is asked the same way, a HEAD of its tag and the API, and reported V(cached) or V(would_warm); a
        referrer is listed at upstream and looked up in the API by digest.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: partial
    details:
      - On Harbor, once Harbor has committed what a pull by the tag needs and the signatures asked for (its artifacts
        API says so), a second run reports C(cached) with C(changed=false), reads no blob and sends no request that
        makes Harbor fetch from upstream. Before that commit (about 20 to 50 s after a warm), a run is C(warmed) again.
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
  pull_blobs:
    description:
      - Make the cache store every blob (config and layers) of every selected platform; on a plain proxy each is read
        to the end and verified, on Harbor triggered (see O(trigger_blobs)).
      - When false only manifests are read (on Harbor, blobs are still checked with HEAD to report C(cached)); Harbor
        then fetches the blobs itself, minutes later.
    type: bool
    default: true
  max_parallel_jobs:
    description:
      - Images in flight at once within one call; blob fetches share one pool of this many threads, and at most this
        many kept-alive connections are opened per host. On Harbor, blob triggers (O(trigger_blobs)) add at most as many
        short ones, each closed at its status line, and at most this many triggered stores await confirmation.
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
  fail_on_error:
    description: Fail the task when an image failed. Every image is reported either way.
    type: bool
    default: true
notes:
  - "With O(cache_flavor=harbor), an image is C(cached) with C(changed=false) only when Harbor's artifacts API shows it
    committed: the tag resolves to the manifest (or an index listing every selected platform). Otherwise a blob whose
    HEAD says it is local is not read. On a plain distribution proxy every image is read and reported C(warmed)."
  - On Harbor a layer shared by several repositories is read through them at once (Harbor stores per repository and
    digest); on a distribution proxy one repository at a time, since it de-duplicates in-flight reads by digest alone.
  - Harbor copies each blob with a second fetch of its own, which it does not retry (goharbor/harbor#23600). A blob
    Harbor does not hold after a read is read once more; if Harbor still does not hold it, the image fails and says so.
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

- name: Keep HarborProxyCachePopulator's configuration file (credentials from hUSER/hPW or HARBOR_USERNAME/HARBOR_PASSWORD)
  prewarm.harbor.harbor_proxy_cache_populate:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16
    config_file: /etc/prewarm/harbor-proxy-cache-populator.yaml

- name: Warm for a release that must pull by tag with upstream down, and wait until Harbor has committed
  prewarm.harbor.harbor_proxy_cache_populate:
    images: "{{ release_images }}"
    config_file: harbor-proxy-cache-populator.yaml
    complete_index: true
    wait_for_commit: 300

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
          returned: outside check mode; in check mode on Harbor, when Harbor has committed the platform
        blobs:
          description: Number of blobs (config and layers).
          type: int
          returned: outside check mode
        bytes:
          description: Their total size.
          type: int
          returned: outside check mode
        bytes_pulled:
          description: Bytes read over the network for this platform and its attestation (0 when all were cached).
          type: int
          returned: outside check mode
        blobs_pulled:
          description: Blobs read for this platform and its attestation.
          type: int
          returned: outside check mode
        bytes_stored:
          description:
            - Bytes of the blobs this run made the cache store for this platform and its attestation (on Harbor with
              O(trigger_blobs), far more than RV(images[].platforms[].bytes_pulled)).
          type: int
          returned: outside check mode
          version_added: 1.1.0
        blobs_stored:
          description: Blobs this run made the cache store for this platform and its attestation.
          type: int
          returned: outside check mode
          version_added: 1.1.0
        attestation:
          description:
            - Digest of the platform's buildx attestation manifest, read with its blobs so that Harbor can store the
              index (it waits for every child it lists).
          type: str
          returned: on Harbor, when the index lists an attestation for the platform
        status:
          description: In check mode on Harbor, V(cached) when Harbor has committed this platform under the tag, else V(would_warm).
          type: str
          returned: in check mode
    signatures:
      description: The signatures found for the image's digests (O(signatures)); none found for an unsigned image.
      type: list
      elements: dict
      returned: when O(signatures) is not empty; in check mode, on Harbor only (a plain proxy stores what a HEAD names)
      version_added: 1.1.0
      contains:
        subject: {description: 'The digest it signs: the reference''s own or a platform''s.', type: str}
        kind: {description: 'V(sig), V(att) or V(referrers).', type: str}
        digest: {description: 'The signature manifest''s digest.', type: str}
        artifact_type: {description: 'A referrer''s C(artifactType).', type: str, returned: for referrers that have one}
        status:
          description:
            - V(warmed), V(cached) (committed before this run) or V(would_warm).
            - V(failed) when it could not be asked, fetched or confirmed (RV(images[].signatures[].note) says why, and
              a warning); the image keeps its own status, V(warmed) if the cache was made to fetch it. With
              O(wait_for_commit), a signature Harbor has not committed by the deadline fails the image, as the image
              itself would.
          type: str
        committed: {description: 'Whether Harbor has committed it.', type: bool, returned: 'on Harbor, unless failed'}
        verifies_offline:
          description: False for a signature of an index digest on Harbor, and for a referrer on Harbor before v2.10.
          type: bool
          returned: when false
        note: {description: 'Why it will not verify offline, or why it failed, and what to do.', type: str, returned: when either}
    harbor:
      description:
        - What Harbor has committed for the image, from its artifacts API, and when it is due to commit the rest.
        - Harbor commits on its own timers, after the warm; what is committed pulls with upstream down.
      type: dict
      returned: on Harbor, outside check mode, when the manifests were read
      contains:
        committed:
          description:
            - A pull by the image's reference (its tag, or its digest) gets every selected platform from Harbor's own
              storage, with upstream down.
          type: bool
        digest:
          description:
            - What the reference resolves to in Harbor, or null. For an index this is Harbor's re-serialised, trimmed
              copy, not RV(images[].digest).
          type: str
        platforms:
          description: The selected platforms whose manifest Harbor has committed (they pull by their digest offline).
          type: list
          elements: str
        index_digest_offline:
          description:
            - Whether the upstream index digest (RV(images[].digest)) pulls with upstream down. Harbor stores an index
              under its own digest, so this is false unless Harbor's copy is byte-identical.
          type: bool
        expected_at:
          description: When Harbor is due to commit (UTC, from its timers), or null when committed or when it never will.
          type: str
          sample: '2026-12-01T10:15:42.120Z'
        expected_in:
          description: Seconds from the image's result until RV(images[].harbor.expected_at).
          type: float
        upstream_checked:
          description:
            - Whether this run asked upstream what the tag names. False on Harbor v2.14.0 to v2.14.4 and v2.15.0 for a
              tag Harbor already held. Those releases delete their copy when a request by the tag finds it gone
              upstream (goharbor/harbor#22175). So the module reads that copy by digest and asks nothing by tag. A tag
              moved upstream is then not seen, and RV(images[].digest) is Harbor's own.
          type: bool
        note:
          description: Why Harbor will not commit what is asked however long one waits (for example goharbor/harbor#20920), or null.
          type: str
        waited:
          description: Seconds spent waiting for the commit.
          type: float
          returned: with O(wait_for_commit)
    application_registry:
      description: The image's own reference judged in its own registry, where the Pods pull it.
      type: dict
      returned: >-
        with O(application_registry.verify) (or its rule's O(proxy_caches[].application_registry)), for an image warmed,
        cached or to warm whose reference names another registry
      version_added: 1.1.0
      contains:
        reference:
          description: What was looked up, C(host/repository:tag).
          type: str
          sample: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy_hub/library/alpine:3.16
        present:
          description: The tag resolves there, to a manifest that holds every selected platform's manifest.
          type: bool
        status:
          description: V(present); V(untagged) platforms there by digest only (goharbor/harbor#16058); V(stale) the tag
            lacks a platform; V(absent) nothing warmed is there; V(unreachable) the registry could not be asked.
          type: str
        digest: {description: 'What the tag resolves to there, or null.', type: str}
        platforms: {description: 'Each selected platform: its manifest digest upstream, and whether the tag holds it.', type: list, elements: dict}
        msg: {description: 'Why the image is not there by tag and what to do; null when present.', type: str}
        waited: {description: 'Seconds spent looking (O(application_registry.wait)).', type: float}
        delivery:
          description: The replication run (C(policy), C(scope), C(execution), C(status), C(total)), whether it
            C(delivered) the image, else the C(cause); in check mode C(would_deliver).
          type: dict
          returned: with O(application_registry.deliver), for an image not there by tag
    retries:
      description: Requests retried for this image (429, 5xx, broken connections, bodies cut short, bad digests, expired tokens).
      type: int
      returned: when a rule matched and the reference is valid (unmatched and invalid images send no request)
    msg:
      description: Why the image failed or matched no rule.
      type: str
      returned: when failed or unmatched
    seconds:
      description: Time spent on this image.
      type: float
      returned: always
summary:
  description:
    - Counts per status, what the call pulled through the runner (C(bytes_pulled), C(blobs_pulled)) and what it made the
      caches store (C(bytes_stored), C(blobs_stored)), each blob counted once.
    - On Harbor also C(harbor_committed) and C(harbor_pending) (images warmed or cached, committed or not yet) and
      C(harbor_expected_at), when the last pending one is due, and C(harbor_versions), each Harbor's release as its
      systeminfo API gives it (C(unknown) when it does not, for example to anonymous callers; then the newest
      release's behaviour is assumed). Also C(harbor_retention), per C(<harbor>/<project>) warmed or found cached, the
      project's tag-retention C(rules), C(days_since_last_pull), the C(schedule) and C(warm_lost_after), the day after
      which Harbor deletes this run's warm unless something pulls it through Harbor, or a C(note) when the credentials
      cannot read the policy (it needs tag-retention read on the project).
    - With O(signatures) also C(signatures), the signatures found per status (C(warmed), C(cached), C(would_warm), C(failed)) and
      C(not_verifiable_offline), those with RV(images[].signatures[].verifies_offline) false.
    - With O(application_registry.verify) also C(application_registry_present) and C(application_registry_missing),
      the images there by tag with every platform, and those not (each with its cause in its result), and
      C(application_registries), the same per registry with those this run C(delivered).
  returned: always
  type: dict
  sample:
    warmed: 3
    cached: 1
    would_warm: 0
    unmatched: 1
    failed: 0
    images: 5
    bytes_pulled: 4096
    blobs_pulled: 3
    bytes_stored: 31457280
    blobs_stored: 12
    seconds: 4.2
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.prewarm.harbor.plugins.module_utils._argspec import SPEC
from ansible_collections.prewarm.harbor.plugins.module_utils._populate import outcome
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import REQUESTS_IMPORT_ERROR


def main() -> None:
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
