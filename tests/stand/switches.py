# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-facing switches (429 for the next K requests, manifest delay, token lifetime), thread-safe."""

import threading


class Switches:
    """Thread-safe knobs: rate limiting (429), manifest GET delay and token lifetime."""

    def __init__(self, token_lifetime=1800):
        self._lock = threading.Lock()
        self._limited = 0          # requests still to refuse; -1 means every request
        self._retry_after = 1
        self._manifest_delay = 0.0
        self._token_lifetime = token_lifetime

    def set_rate_limit(self, count=None, retry_after=1):
        """Refuse the next ``count`` /v2 requests with 429 (None: all of them, 0: switch off)."""
        with self._lock:
            self._limited = -1 if count is None else int(count)
            self._retry_after = retry_after

    def take_rate_limit(self):
        """Return the Retry-After value when this request must be refused, else None."""
        with self._lock:
            if self._limited == 0:
                return None
            if self._limited > 0:
                self._limited -= 1
            return self._retry_after

    def set_manifest_delay(self, seconds):
        """Delay every manifest GET by ``seconds`` (0 switches it off)."""
        with self._lock:
            self._manifest_delay = float(seconds)

    @property
    def manifest_delay(self):
        """Seconds to hold each manifest GET."""
        with self._lock:
            return self._manifest_delay

    def set_token_lifetime(self, seconds):
        """Lifetime (``expires_in`` and ``exp``) of tokens issued from now on."""
        with self._lock:
            self._token_lifetime = int(seconds)

    @property
    def token_lifetime(self):
        """Seconds a new token is valid."""
        with self._lock:
            return self._token_lifetime

    def state(self):
        """Current values, for the control endpoint and stand.json."""
        with self._lock:
            return {'rate_limited_requests': None if self._limited < 0 else self._limited, 'retry_after': self._retry_after,
                    'manifest_delay': self._manifest_delay, 'token_lifetime': self._token_lifetime}
