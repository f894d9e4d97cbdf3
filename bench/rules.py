# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The proxy-cache rules the bench gives the module and the playbook: ``bench/<name>:<tag>`` onto the stand."""

from __future__ import annotations

import re

PATTERN = '^(bench/[^:]+):(.+)$'


def proxy(stand, platforms):
    """The plain distribution proxy: ``bench/app-007:1.0`` -> ``<proxy>/v2/bench/app-007/manifests/1.0``."""
    return {'regex_url': PATTERN, 'replacement_oci': stand.proxy_url + '/v2/$1/manifests/$2', 'platforms': list(platforms)}


def harbor(stand, platforms):
    """The emulated Harbor, project ``proxy_hub``: ``<harbor>/v2/proxy_hub/bench/app-007/manifests/1.0``."""
    return {'regex_url': PATTERN, 'replacement_oci': f'{stand.harbor_url}/v2/{stand.public_project}/$1/manifests/$2',
            'platforms': list(platforms)}


def pod(stand, platforms):
    """The Pods' references in the application registry Harbor replicates to, onto the emulated Harbor:
    ``<app registry>/proxy_hub/bench/app-007:1.0`` -> ``<harbor>/v2/proxy_hub/bench/app-007/manifests/1.0``."""
    prefix = f'{stand.app_registry_host}/{stand.public_project}/'
    return {'regex_url': '^' + re.escape(prefix) + PATTERN[1:], 'replacement_oci': harbor(stand, platforms)['replacement_oci'],
            'platforms': list(platforms)}
