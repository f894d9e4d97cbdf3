# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import _served_from

BASE = 'https://harbor.example.com'


@pytest.mark.parametrize('final_url, expected', [
    # Harbor's Docker Hub redirect: the blobs live under library/ from then on.
    (BASE + '/v2/proxy_hub/library/alpine/manifests/3.20', 'proxy_hub/library/alpine'),
    (BASE + '/v2/proxy_hub/alpine/manifests/3.20', 'proxy_hub/alpine'),
    # Another host (a CDN, object storage) is no repository of this cache: keep the one asked for.
    ('https://cdn.example.net/v2/other/manifests/3.20', 'proxy_hub/alpine'),
    (BASE + '/some/blob/path', 'proxy_hub/alpine'),
    ('', 'proxy_hub/alpine'),
])
def test_served_from_follows_only_the_cache_s_own_redirects(final_url, expected):
    assert _served_from(final_url, BASE, 'proxy_hub/alpine') == expected
