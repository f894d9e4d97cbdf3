# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""A fixed set of threads that run calls in priority order: the blob pool's readers."""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Any, Callable


class LargestFirst:
    """``workers`` threads running submitted calls in priority order (lowest first), ties in submission order."""

    def __init__(self, workers: int) -> None:
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name='blob-%d' % n, daemon=True) for n in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, priority: Any, call: Callable, *args: Any) -> None:
        """Run ``call(*args)`` on a worker; it must handle its own exceptions."""
        self._queue.put((priority, next(self._order), call, args))

    def _work(self) -> None:
        while True:
            _priority, _order, call, args = self._queue.get()
            if call is None:
                return
            call(*args)

    def shutdown(self) -> None:
        """Run what is queued, then stop the workers."""
        for _thread in self._threads:
            self._queue.put(((True, float('inf')), next(self._order), None, ()))
        for thread in self._threads:
            thread.join()
