# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry storage trees on disk: snapshots to prove nothing changed, and wiping to start from a cold cache."""

import os
import shutil


# The proxy's TTL scheduler saves this file on a timer (about 5 s after new content was cached), not per request.
SCHEDULER_STATE = 'scheduler-state.json'


def snapshot(root, include_scheduler_state=False):
    """Map each file under ``root`` (relative path) to ``(size, mtime_ns)``.

    The mtime matters: distribution rewrites a tag link with identical content on every tag GET through the proxy.
    """
    result = {}
    for directory, _dirs, files in os.walk(root):
        for name in files:
            if name == SCHEDULER_STATE and directory == root and not include_scheduler_state:
                continue
            path = os.path.join(directory, name)
            info = os.stat(path)
            result[os.path.relpath(path, root)] = (info.st_size, info.st_mtime_ns)
    return result


def wipe(root):
    """Empty ``root`` but keep the directory itself (its path is handed out)."""
    os.makedirs(root, exist_ok=True)
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def blob_linked(root, repository, digest):
    """True when a registry storage tree holds ``digest`` and links it into ``repository``."""
    algorithm, _sep, hexdigest = digest.partition(':')
    v2 = os.path.join(root, 'docker', 'registry', 'v2')
    link = os.path.join(v2, 'repositories', repository, '_layers', algorithm, hexdigest, 'link')
    data = os.path.join(v2, 'blobs', algorithm, hexdigest[:2], hexdigest, 'data')
    return os.path.isfile(link) and os.path.isfile(data)
