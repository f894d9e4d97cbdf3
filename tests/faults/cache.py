# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A second pull-through cache whose upstream is reached through a FaultProxy: faults between cache and upstream.

The stand's own proxy is wired to upstream directly; this one is the same ``docker-registry`` (the stand's
configuration, no auth) with ``proxy.remoteurl`` pointing at the fault proxy, so the cache itself meets the
broken upstream and the module sees whatever the cache makes of it.
"""

import os

from ansible_collections.prewarm.harbor.tests.faults.actions import status
from ansible_collections.prewarm.harbor.tests.faults.proxy import FaultProxy
from ansible_collections.prewarm.harbor.tests.stand import oracle, process, registry


class FaultyUpstreamCache:
    """``with FaultyUpstreamCache(stand, workdir) as cache:`` ``cache.url``, ``cache.upstream`` (the FaultProxy)."""

    def __init__(self, stand, workdir):
        self.workdir = str(workdir)
        for sub in ('logs', 'tmp'):
            os.makedirs(os.path.join(self.workdir, sub), exist_ok=True)
        self.upstream = FaultProxy(stand.upstream_url)
        self._process = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self._process.port

    def __enter__(self):
        self.upstream.__enter__()
        self._process = registry.registry_process('faulty-cache', self.workdir, os.path.join(self.workdir, 'storage'),
                                                  remote_url=self.upstream.url)
        self._process.start()
        self._process.wait_ready()
        return self

    def __exit__(self, *exc_info):
        if self._process is not None:
            self._process.stop()
        self.upstream.__exit__(*exc_info)

    def go_offline(self):
        """From now on upstream answers nothing but 503: what the cache serves then, it holds."""
        self.upstream.disarm()
        self.upstream.inject(status(503), times=None, name='upstream down')

    def pull(self, reference, platform='linux/amd64'):
        """skopeo from this cache (call ``go_offline`` first to make it a proof of what is cached)."""
        return oracle.pull(self.url, reference, platform, workdir=os.path.join(self.workdir, 'tmp'))

    def log_tail(self, lines=30):
        return process.tail(os.path.join(self.workdir, 'logs', 'faulty-cache.log'), lines)
