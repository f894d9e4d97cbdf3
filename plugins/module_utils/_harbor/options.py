# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""What the user asks of a cache that is Harbor: how long to wait for its commit, and whether to read whole indexes."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import CHECK_INTERVAL


@dataclass(frozen=True)
class HarborOptions:
    """``wait``: seconds to wait for Harbor's commit (0: report when it is due); ``complete_index``: read every child
    manifest of an index so that Harbor stores it whole; ``interval``: Harbor's store-job check interval;
    ``trigger_blobs``: let Harbor fetch each blob itself (_warm.blobs) instead of reading it through the runner."""

    wait: int = 0
    complete_index: bool = False
    interval: float = CHECK_INTERVAL
    trigger_blobs: bool = True
