# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Did a run leave a complete warm? Asked of the cache's storage itself, not of what any client says.

A 200 is not enough: a blob read while the same digest is in flight is streamed but not stored, and a blob read
through one repository is not linked into another.
"""

from __future__ import annotations

import os
import time


def _linked(stand, fetch):
    if fetch.kind == 'blobs':
        return stand.blob_cached(fetch.repository, fetch.reference)
    if ':' not in fetch.reference:  # a tag: its manifest is checked by digest through the image's other entries
        link = ('_manifests', 'tags', fetch.reference, 'current', 'link')
    else:
        algorithm, _sep, hexdigest = fetch.reference.partition(':')
        link = ('_manifests', 'revisions', algorithm, hexdigest, 'link')
    root, name = stand.storage_of(fetch.repository)
    return os.path.isfile(os.path.join(root, 'docker', 'registry', 'v2', 'repositories', name, *link))


def missing(stand, fetches, settle=5.0):
    """The Fetches the cache does not hold; waits up to ``settle`` s for commits that trail the last byte."""
    deadline = time.monotonic() + settle
    left = list(fetches)
    while True:
        left = [fetch for fetch in left if not _linked(stand, fetch)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def report(stand, fetches):
    """``{'complete': bool, 'missing_pairs': n, 'missing_bytes': b}`` for the report."""
    left = missing(stand, fetches)
    return {'complete': not left, 'missing_pairs': len(left), 'missing_bytes': sum(fetch.size for fetch in left)}
