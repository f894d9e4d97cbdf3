# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Growth: the module's cold warm of the first N images of one fleet (same per-image shape), with the lower bound.

Time should grow with bytes, not with references: the marginal seconds per MB from the middle to the largest
size should match the one from the smallest to the middle.
"""

from __future__ import annotations

import os

from ansible_collections.prewarm.harbor.bench import cold, fleet, fresh

MB = 1 << 20


def marginal(points, key):
    """Seconds per MB of ``key`` between consecutive points."""
    return [(b['seconds'] - a['seconds']) / max((b[key] - a[key]) / MB, 1e-9) for a, b in zip(points, points[1:])]


def run(stand, images, sizes, shape, options, workdir):
    """One point per size: a (module) and d (curl) seconds, unique and needed bytes."""
    points = []
    for size in sizes:
        chosen = images[:size]
        fetches = fleet.needed(chosen)
        here = os.path.join(workdir, str(size))
        module = fresh.run(stand, fetches, cold.module_action(stand, chosen, shape.platforms, options.parallel, os.path.join(here, 'a')))
        wire = fresh.run(stand, fetches, cold.wire_action(stand, fetches, options.parallel, os.path.join(here, 'd')))
        described = fleet.describe(chosen)
        points.append(dict(described, seconds=module['seconds'], module_seconds=module['module_seconds'], wire_seconds=wire['seconds'],
                           complete=module['complete'], s_per_unique_mb=module['seconds'] / (described['unique_blob_bytes'] / MB),
                           s_per_needed_mb=module['seconds'] / (described['needed_bytes'] / MB)))
    slopes = marginal(points, 'unique_blob_bytes')
    return {'points': points, 'marginal_s_per_unique_mb': slopes,
            'slope_ratio': slopes[-1] / slopes[0] if len(slopes) > 1 and slopes[0] > 0 else None}
