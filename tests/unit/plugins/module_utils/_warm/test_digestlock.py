# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import threading
import time

from ansible_collections.prewarm.harbor.plugins.module_utils._warm import digestlock as _digestlock
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.digestlock import DigestLock


def test_one_holder_at_a_time_and_no_file_left(tmp_path, monkeypatch):
    monkeypatch.setattr(_digestlock, 'lock_dir', lambda: str(tmp_path / 'locks'))
    inside, overlaps = [0], []

    def hold():
        for _round in range(20):
            lock = DigestLock('http://cache', 'sha256:' + 'a' * 64).acquire()
            inside[0] += 1
            overlaps.append(inside[0])
            time.sleep(0.001)
            inside[0] -= 1
            lock.release()

    threads = [threading.Thread(target=hold) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(overlaps) == 80 and max(overlaps) == 1
    assert os.listdir(str(tmp_path / 'locks')) == []
