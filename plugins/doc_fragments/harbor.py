# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to ask of a cache that is Harbor: its commit, whole indexes, blob triggers and its timers."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  wait_for_commit:
    description:
      - On Harbor, seconds to wait after the warm until Harbor has committed each warmed image, polling its artifacts
        API (its own database, never upstream). An image not committed by then is V(failed), with a message saying what
        is missing. V(0) does not wait; RV(images[].harbor.expected_at) then says when Harbor is due to commit.
      - Harbor stores what it proxied on its own timers (see the README's "What Harbor stores, and when"), a
        single-platform tag about 20 s after the warm, a multi-platform tag with every platform warmed (V([all])) about
        50 s after, with O(complete_index) about 230 s after, and otherwise about 410 s after.
      - The wait stops early when Harbor will never commit what is asked (see RV(images[].harbor.note)).
    type: int
    default: 0
  complete_index:
    description:
      - On Harbor, also read the child manifests of the platforms not selected (not their blobs), so that Harbor stores
        the index with every platform listed, about 220 s after the warm (it waits 10 checks for their blobs, fetches
        them from upstream itself, and stores the index at its next check).
      - Off (the default), Harbor stores the index only after its 20th check (about 400 s), trimmed to the platforms
        warmed; the tag then pulls those platforms only, and a platform warmed later is not added to it while Harbor's
        7-day copy of the upstream index lives (goharbor/harbor#20920).
      - Costs Harbor the other platforms' upstream bytes and storage. With O(platforms=[all]) every child is read anyway.
    type: bool
    default: false
  trigger_blobs:
    description:
      - On Harbor, open each missing blob's GET, close it at the status line and confirm with HEADs that Harbor stored
        it. Harbor fetches and stores the blob with its own upstream fetch, independent of the client, and verifies its
        digest, so no layer byte crosses the runner (a config whose content is needed is still read).
      - At most O(max_parallel_jobs) such stores await confirmation at once. A store not seen within 10 s plus 1 s per
        MiB is triggered once more, then the image fails naming Harbor's fetch (goharbor/harbor#23600).
      - False reads every byte through the runner and verifies it, as on a plain proxy.
    type: bool
    default: true
    version_added: 1.1.0
  harbor_check_interval:
    description:
      - The interval of Harbor's store jobs in seconds (C(sleepIntervalSec), 20 in every Harbor release), from which
        the commit times are predicted. Change it only for a test Harbor whose timers are scaled.
    type: float
    default: 20.0
'''
