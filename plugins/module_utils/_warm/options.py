# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""How to warm: images in flight, what the caches are, whether blobs are read, and what to ask of Harbor."""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.options import HarborOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.app_registry import AppRegistryOptions


@dataclass(frozen=True)
class WarmOptions:
    """``jobs``: images (and blob reads) in flight; ``flavor``: ``auto`` (ask each cache), ``harbor`` or
    ``distribution``; ``pull_blobs``: read missing blobs (else only check them where the cache can tell);
    ``signatures``: the kinds of signature warmed with each image (_warm.signatures)."""

    jobs: int = 2
    flavor: str = 'auto'
    pull_blobs: bool = True
    signatures: tuple[str, ...] = ()
    harbor: HarborOptions = field(default_factory=HarborOptions)
    app_registry: AppRegistryOptions = field(default_factory=AppRegistryOptions)
