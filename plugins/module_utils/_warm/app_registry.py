# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Where the Pod pulls: the image's own reference, by tag, in its own registry (the application registry).

Harbor replicates what its proxy project holds to the registry the Pods name (docs/harbor.md 11); warm ends there.
The judgement is by each selected platform's manifest digest, never the index digest, which Harbor rewrites when it
stores an index (docs/harbor.md 2.6): the tag must resolve, and what it resolves to must hold every platform warmed.
Only GET and HEAD are sent, so the check is the same in check mode.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Manifest
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import from_descriptor, platform_entries
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import DEFAULT_DOMAIN, parse_reference
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._result import CACHED, WARMED, WOULD_WARM, ImageResult
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import Target

PRESENT, UNTAGGED, STALE, ABSENT, UNREACHABLE = 'present', 'untagged', 'stale', 'absent', 'unreachable'
ISSUE_16058 = 'goharbor/harbor#16058'
POLL = 2.0  # seconds between two looks while waiting


@dataclass(frozen=True)
class AppRegistryOptions:
    """``verify``: judge each image's own reference in its own registry; ``wait``: seconds to keep looking until every
    image is there; ``username``/``password``: that registry's credentials (else the auth file's for its host).

    ``deliver``: start Harbor's replication for the images not there (_warm.delivery), through ``policy`` (a name, or
    the one that copies there), whole (``scope`` policy) or ``narrow``ed to them, within ``deadline`` seconds, as the
    system robot ``replication_username``.

    ``endpoints``: registry host as the references name it -> the base URL to reach it at instead of
    ``https://<host>`` (a private endpoint, a tunnel, a test stand), as containerd's hosts.toml does for nodes."""

    verify: bool = False
    wait: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    deliver: bool = False
    policy: str | None = None
    scope: str = 'narrow'
    deadline: int = 600
    replication_username: str | None = None
    replication_password: str | None = field(default=None, repr=False)
    endpoints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AppImage:
    """An image as its own reference names it in its application registry: the repository where it is reached, what
    the Pod resolves there (``reference``: its tag, else its digest), the tag a replication copies (``tag``:
    ``latest`` without one) and the registry host the reference names (``host``; ``repo.base`` differs from it only
    through ``endpoints``)."""

    repo: Repository
    reference: str
    tag: str
    host: str

    @property
    def pod_reference(self) -> str:
        """The reference as the Pod names it (a digest has a colon, a tag never)."""
        return '%s/%s%s%s' % (self.host, self.repo.name, '@' if ':' in self.reference else ':', self.reference)


def looked_for(target: Target, options: AppRegistryOptions) -> bool:
    """Whether the image is looked for where the Pods pull it: as its rule says, else as the call does."""
    said = target.match.application_registry if target.match is not None else None
    return options.verify if said is None else said


def names_the_cache(target: Target) -> bool:
    """Whether the image's reference names the very cache its rule maps it to (no other registry to look in)."""
    return target.match is not None and parse_reference(target.image).domain == urlsplit(target.match.base_url).netloc


def app_image_of(target: Target, options: AppRegistryOptions) -> AppImage | None:
    """The image in the registry its own reference names, when it is looked for there (its rule's
    ``application_registry``, else the call's ``verify``) and that is an application registry: not Docker Hub
    (nobody's application registry, and never to be sent our requests by accident) and not the cache itself.
    ``options.endpoints``: where to reach a host instead of ``https://<host>``."""
    if target.match is None or not looked_for(target, options) or names_the_cache(target):
        return None
    reference = parse_reference(target.image)
    if not reference.domain or reference.domain == DEFAULT_DOMAIN:
        return None
    base = options.endpoints.get(reference.domain) or 'https://' + reference.domain
    return AppImage(Repository(base, reference.path), reference.tag or reference.digest or 'latest', reference.tag or 'latest',
                    reference.domain)


@dataclass
class Expected:
    """What the warm found upstream for one selected platform: its label and manifest digest (None when unknown)."""

    platform: str
    digest: str | None


def verify_all(registry: Registry, checks: list[tuple[Target, ImageResult]], options: AppRegistryOptions) -> None:
    """Judge every image (its ``application_registry`` block), all at once, waiting up to ``options.wait`` seconds for
    the ones not there yet."""
    deadline = time.time() + options.wait
    looks = [(image, result) for image, result in ((app_image_of(target, options), result) for target, result in checks) if image]
    if looks:
        with ThreadPoolExecutor(max_workers=min(8, len(looks)), thread_name_prefix='app-registry') as lookers:
            list(lookers.map(lambda look: _verify(registry, look[0], look[1], deadline), looks))


def applies(result: ImageResult) -> bool:
    """Only an image the cache holds (or, in check mode, would) is looked for where the Pods pull it."""
    return result.status in (WARMED, CACHED, WOULD_WARM)


def _verify(registry: Registry, image: AppImage, result: ImageResult, deadline: float) -> None:
    result.application_registry = judge_image(registry, image, result, deadline)


def judge_image(registry: Registry, image: AppImage, result: ImageResult, deadline: float) -> dict[str, Any]:
    """The image's block, looking again every few seconds until it is there or ``deadline`` passes."""
    expected = [Expected(entry.platform, entry.digest) for entry in result.platforms if entry.platform]
    started = time.time()
    while True:
        block = judge(registry, image, expected)
        if block['status'] in (PRESENT, UNREACHABLE) or time.time() + POLL > deadline:
            break
        time.sleep(POLL)
    block['waited'] = round(time.time() - started, 3)
    return block


def judge(registry: Registry, image: AppImage, expected: list[Expected]) -> dict[str, Any]:
    """The result's ``application_registry`` block for ``image`` there."""
    repo, tag, where = image.repo, image.reference, image.pod_reference
    block: dict[str, Any] = dict(reference=where, present=False, digest=None, platforms=[], status=ABSENT, msg=None)
    tally = Tally()
    try:
        head = registry.manifest_head(repo, tag, tally)
        found = registry.manifest(repo, head.digest, tally, expected_digest=head.digest) if head else None
        offered = _offered(found) if found is not None else {}
        block['platforms'] = [dict(platform=entry.platform, digest=entry.digest, present=_holds(offered, entry))
                              for entry in expected]
        if found is not None:
            block['digest'] = found.digest
            lacking = [entry for entry in expected if not _holds(offered, entry)]
            if not lacking:
                block.update(present=True, status=PRESENT)
                return block
            block.update(status=STALE, msg='%s resolves to %s, which lacks %s: the tag there is stale or partial '
                                           '(a replication policy with override: false keeps a stale tag)' % (
                                               where, found.digest, ', '.join(_named(entry) for entry in lacking)))
            return block
        untagged = [entry for entry in expected if entry.digest and registry.manifest_head(repo, entry.digest, tally)]
        if untagged:
            block.update(status=UNTAGGED, msg='%s does not resolve, but %s %s there untagged: Harbor replicated what its '
                                              'proxy stored without the tag (%s: event-based replication of a proxy-cache '
                                              'project never carries a tag); run the policy manually, or on a schedule, '
                                              'after Harbor has committed the tag' % (
                                                  where, ', '.join(_named(entry) for entry in untagged),
                                                  'is' if len(untagged) == 1 else 'are', ISSUE_16058))
            return block
        block['msg'] = '%s does not resolve and no platform warmed is there: Harbor has not replicated it (check that a ' \
                       'replication policy covers the repository, and its executions)' % where
    except ImageError as exc:
        block.update(status=UNREACHABLE, msg='%s could not be checked: %s' % (where, exc))
    return block


def _offered(manifest: Manifest) -> dict[str, str | None]:
    """Platform label -> manifest digest of what a tag resolves to (an index's children, or the image itself)."""
    if manifest.is_index:
        return {str(from_descriptor(entry['platform'])): entry.get('digest') for entry in platform_entries(manifest.children)}
    return {'': manifest.digest}


def _holds(offered: dict[str, str | None], entry: Expected) -> bool:
    """The platform's own manifest is there: its digest when the warm knew it, else a manifest for its platform."""
    if entry.digest:
        return entry.digest in offered.values()
    return entry.platform in offered or '' in offered  # a single image's platform is its config's: not read here


def _named(entry: Expected) -> str:
    return '%s (%s)' % (entry.platform, entry.digest) if entry.digest else entry.platform
