# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client reads the environment's proxy settings once per origin, and still honours them (HTTP_PROXY, NO_PROXY).

A scripted server on loopback plays the proxy: a request sent through a proxy names the whole URL on its request line.
"""

from __future__ import annotations

import requests.sessions

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.tests.unit.plugins.module_utils.fake_http import FakeHTTP, whole


def clear_proxies(monkeypatch):
    """No proxy variable of the runner's own: urllib lets a lowercase one win over its uppercase twin."""
    for name in ('http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def counting_environment(monkeypatch):
    """Count requests' reads of the environment's proxies, per URL."""
    reads = []
    real = requests.sessions.get_environ_proxies

    def counted(url, no_proxy=None):
        reads.append(url)
        return real(url, no_proxy=no_proxy)
    monkeypatch.setattr(requests.sessions, 'get_environ_proxies', counted)
    return reads


def test_the_environment_s_proxy_is_used_and_read_once_per_origin(monkeypatch):
    reads = counting_environment(monkeypatch)
    with FakeHTTP(lambda request: whole(200, b'{}')) as proxy:
        clear_proxies(monkeypatch)
        monkeypatch.setenv('HTTP_PROXY', proxy.url)
        registry = Registry(lambda origin: None, Connection(timeout=5, retries=0))
        for path in ('/v2/', '/v2/a/manifests/1', '/v2/b/manifests/2'):
            assert registry.request('GET', 'http://registry.example' + path, 'repository:a:pull').status_code == 200
        registry.request('GET', 'http://other.example/v2/', 'repository:a:pull')
        seen = [request.path for request in proxy.requests]
    assert seen == ['http://registry.example/v2/', 'http://registry.example/v2/a/manifests/1',
                    'http://registry.example/v2/b/manifests/2', 'http://other.example/v2/']
    assert reads == ['http://registry.example/v2/', 'http://other.example/v2/']


def test_no_proxy_still_sends_those_hosts_direct(monkeypatch):
    with FakeHTTP(lambda request: whole(200, b'{}')) as registry_server:
        clear_proxies(monkeypatch)
        monkeypatch.setenv('HTTP_PROXY', 'http://proxy.invalid:3128')
        monkeypatch.setenv('NO_PROXY', '127.0.0.1')
        registry = Registry(lambda origin: None, Connection(timeout=5, retries=0))
        for _round in range(2):
            assert registry.request('GET', registry_server.url + '/v2/', 'repository:a:pull').status_code == 200
        assert [request.path for request in registry_server.requests] == ['/v2/', '/v2/']
