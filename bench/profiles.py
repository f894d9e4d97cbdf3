# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sizes: ``full`` is the issue's benchmark (a few minutes on 2 cores); ``quick`` the same scenarios, small."""

from __future__ import annotations

import dataclasses

from ansible_collections.prewarm.harbor.bench.fleet import MB, Shape


@dataclasses.dataclass(frozen=True)
class Profile:
    """What each scenario warms."""

    name: str
    cold_images: int
    growth_sizes: tuple
    overhead_images: int
    small_layer_bytes: int
    large_layer_bytes: int
    repeat: int
    shape: Shape = Shape()  # 30 images: 3 x 20 MB OS bases + 6 x 10 MB runtimes + 60 x 3 MB = 300 MB unique
    shared_images: int = 30
    delivery_images: int = 10  # delivered to the application registry through Harbor's replication
    release_images: int = 2000  # tiny images over three caches through the playbook: the fixed cost at a release's scale
    # Issue #8's scenario: every image and platform on one 12 MB base (and one small runtime layer).
    shared_shape: Shape = Shape(os_bases=1, os_bytes=12 * MB, runtimes=1, runtime_bytes=MB, own_bytes=MB)

    @property
    def fleet_size(self):
        """Images pushed: the cold warm and every growth size take the first N."""
        return max(self.growth_sizes + (self.cold_images,))


FULL = Profile('full', cold_images=30, growth_sizes=(10, 30, 100), overhead_images=200,
               small_layer_bytes=10 * MB, large_layer_bytes=1 << 30, repeat=2)
QUICK = Profile('quick', cold_images=10, growth_sizes=(5, 10, 20), overhead_images=40,
                small_layer_bytes=10 * MB, large_layer_bytes=128 * MB, repeat=1,
                shape=Shape(os_bytes=4 * MB, runtime_bytes=2 * MB, own_bytes=1 * MB), shared_images=10, delivery_images=3, release_images=150,
                shared_shape=Shape(os_bases=1, os_bytes=4 * MB, runtimes=1, runtime_bytes=MB // 4, own_bytes=MB // 4))
