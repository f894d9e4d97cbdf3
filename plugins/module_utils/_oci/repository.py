# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""A repository of one registry: where its manifests and blobs are, and the token scope that pulls from it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Repository:
    """``base``: ``scheme://host[:port]``; ``name``: the repository path (on Harbor, ``<project>/<name>``)."""

    base: str
    name: str

    def manifest_url(self, reference: str) -> str:
        return '%s/v2/%s/manifests/%s' % (self.base, self.name, reference)

    def blob_url(self, digest: str) -> str:
        return '%s/v2/%s/blobs/%s' % (self.base, self.name, digest)

    def referrers_url(self, digest: str) -> str:
        return '%s/v2/%s/referrers/%s' % (self.base, self.name, digest)

    @property
    def scope(self) -> str:
        """The token scope of a pull (registry token authentication)."""
        return 'repository:%s:pull' % self.name

    def renamed(self, name: str) -> Repository:
        """The same registry's repository ``name`` (where a cache redirected a request)."""
        return self if name == self.name else Repository(self.base, name)

    def __str__(self) -> str:
        return self.name
