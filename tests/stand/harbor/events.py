# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's artifact events (11.1 step 2, 11.7): PUSH_ARTIFACT and DELETE_ARTIFACT, handed to the subscribers (the
replication handler) in a job of their own, as ``notification.AddEvent`` publishes after the request; the recent ones
are kept for the control API's state."""

import collections
import dataclasses
import threading
import time

from .db import timestamp

PUSH = 'PUSH_ARTIFACT'
DELETE = 'DELETE_ARTIFACT'


@dataclasses.dataclass(frozen=True)
class Event:
    """One event: the repository (``<project>/<repo>``), the artifact's digest, the tags it carries."""

    kind: str
    repository: str
    digest: str
    tags: tuple
    time: float

    def to_dict(self):
        """For the control API."""
        return {'type': self.kind, 'repository': self.repository, 'digest': self.digest, 'tags': list(self.tags),
                'time': timestamp(self.time)}


class Events:
    """Publish, subscribe, and the last ``keep`` events."""

    def __init__(self, jobs, keep=2000):
        self._jobs = jobs
        self._lock = threading.Lock()
        self._handlers = []
        self._recent = collections.deque(maxlen=keep)

    def subscribe(self, handler):
        """``handler(event)`` runs for every event, in a job."""
        self._handlers.append(handler)

    def publish(self, kind, repository, digest, tags=()):
        """Queue an event."""
        event = Event(kind, repository, digest, tuple(tags), time.time())
        with self._lock:
            self._recent.append(event)
        for handler in self._handlers:
            self._jobs.spawn(f'event {kind} {repository}@{digest}', handler, event)

    def recent(self):
        """The kept events, oldest first, as dicts."""
        with self._lock:
            return [event.to_dict() for event in self._recent]

    def clear(self):
        """Forget the kept events (the stand's cold cache)."""
        with self._lock:
            self._recent.clear()
