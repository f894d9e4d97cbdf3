# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token realm a registry names in its 401 challenge (enough for the bench's anonymous pulls)."""

from __future__ import annotations

import re

_PARAM = re.compile(r'(\w+)="([^"]*)"')


def realm(http, url):
    """(realm, service) from the ``WWW-Authenticate: Bearer ...`` of an anonymous GET of ``url``."""
    answer = http.get(url, timeout=30)
    params = dict(_PARAM.findall(answer.headers.get('WWW-Authenticate', '')))
    if answer.status_code != 401 or 'realm' not in params:
        raise RuntimeError(f'{url}: expected a Bearer challenge, got {answer.status_code} {answer.headers.get("WWW-Authenticate")}')
    return params['realm'], params.get('service', '')
