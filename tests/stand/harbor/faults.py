# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's real faults as switches: a failed background blob store (#23600), upstream 429, unreachable, black-holed
or slow."""

import threading

MODES = ('ok', 'unreachable', 'rate_limited', 'black_holed')


class Faults:
    """Thread-safe; read by the upstream client and the blob store job."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failing_stores = 0
        self._mode = 'ok'
        self._delay = 0.0

    def fail_store(self, count):
        """The background store (upstream GET #2) of the next ``count`` blobs breaks off; nothing is stored, only logged."""
        with self._lock:
            self._failing_stores = int(count)

    def take_failed_store(self):
        """True when this store must fail."""
        with self._lock:
            if self._failing_stores <= 0:
                return False
            self._failing_stores -= 1
            return True

    def set_upstream(self, mode='ok', delay=0.0):
        """``unreachable``: every upstream request fails to connect; ``rate_limited``: upstream answers 429;
        ``delay``: seconds before each upstream request (a slow upstream)."""
        if mode not in MODES:
            raise ValueError(f'mode must be one of {", ".join(MODES)}')
        with self._lock:
            self._mode, self._delay = mode, float(delay)

    @property
    def upstream(self):
        """(mode, delay)."""
        with self._lock:
            return self._mode, self._delay

    def state(self):
        """For the control API."""
        with self._lock:
            return {'failing_stores': self._failing_stores, 'upstream_mode': self._mode, 'upstream_delay': self._delay}
