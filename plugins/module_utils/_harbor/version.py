# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Harbor's release, read once per cache from ``/api/v2.0/systeminfo``, and what the module does differently by it.

systeminfo gives ``harbor_version`` (``v2.15.0-e2b5ce92``: the release, then the git commit) to any authenticated
caller only (docs/harbor.md 6.2); a version it does not give, or that does not parse, is treated as the newest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, Tally

_RELEASE = re.compile(r'^v?(\d+)\.(\d+)\.(\d+)')


@dataclass(frozen=True)
class HarborVersion:
    """``text`` as systeminfo says it ('' when it said nothing); ``release`` (major, minor, patch), None if unknown."""

    text: str
    release: tuple[int, int, int] | None

    @property
    def deletes_on_upstream_not_found(self) -> bool:
        """v2.14.0 to v2.14.4 and v2.15.0 delete the tag's local artifact when a manifest request by that tag finds it
        gone upstream (docs/harbor.md 10, goharbor/harbor#22175; ``controller.go:UseLocalManifest``). A request by
        digest that Harbor holds is answered locally on every release, and never asks upstream."""
        return self.release is not None and ((2, 14, 0) <= self.release <= (2, 14, 4) or self.release == (2, 15, 0))

    @property
    def answers_referrers_with_index(self) -> bool:
        """v2.10.0 and later answer the referrers API with an OCI index; v2.8.0 to v2.9.x with ``application/json``,
        which verifiers do not take for one, and v2.7 and older have no such API (docs/harbor.md 12, item 3)."""
        return self.release is None or self.release >= (2, 10, 0)

    def __str__(self) -> str:
        return self.text or 'unknown'


def parse(text: str) -> HarborVersion:
    found = _RELEASE.match(text or '')
    return HarborVersion(text or '', (int(found.group(1)), int(found.group(2)), int(found.group(3))) if found else None)


def read_version(registry: Registry, base: str, tally: Tally | None = None) -> HarborVersion:
    """The release of the Harbor at ``base``; unknown (the newest's behaviour) when systeminfo does not say. A request
    that cannot be made (refused credentials, plain http) leaves it unknown: each image then meets that problem
    itself, and fails alone, naming it."""
    try:
        document = registry.api_json(base + '/api/v2.0/systeminfo', 'Harbor\'s systeminfo', tally)
    except ImageError:
        return parse('')
    return parse(str(document.get('harbor_version') or '') if isinstance(document, dict) else '')
